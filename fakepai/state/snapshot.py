"""`--state-file PATH`: the emulator's state survives a restart.

The file holds every account's stores, the virtual time and the id sequence, pickled (so it is
only for files you wrote yourself: loading a pickle runs code). It is written on shutdown and on
`POST /_fakepai/snapshot`, and read at start when it exists. Virtual time never goes backwards
across a restart: it resumes at the later of the saved time and real time, so jobs that were
running have moved on while the emulator was down, as they would on PAI.
"""
from __future__ import annotations

import os
import pickle
import tempfile
import time
from pathlib import Path

# Bumped whenever the pickled classes change shape (2: slotted Phase/Outcome/Timeline,
# Outcome.restarts, JobRecord.pods_removed, JobPlan.fatal_fault), so an older file is refused
# with a clear message instead of half-loading.
FORMAT = "fakepai-state/2"


def save(emulator, path: str | os.PathLike) -> Path:
    target = Path(path)
    payload = {"format": FORMAT, "accounts": emulator.world.accounts, "now": emulator.clock.now(),
               "ids": emulator.ids._rng.getstate()}
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a crash mid-write never leaves a half file behind.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, target)
    return target


def check_writable(path: str | os.PathLike) -> None:
    """OSError naming `path` when the state could not be saved there (checked at start, so a
    failure is not discovered at shutdown with the state lost). Writes a probe file: permission
    bits alone say nothing when running as root or on a read-only mount."""
    target = Path(path)
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "it is a directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=target.name, suffix=".probe"):
            pass
    except OSError as e:
        raise OSError(f"cannot write the state file {target}: {e.strerror or e}") from None


def load(emulator, path: str | os.PathLike) -> bool:
    """Restore from `path` if it exists; False when there is nothing to load."""
    source = Path(path)
    if not source.exists():
        return False
    try:
        with source.open("rb") as f:
            payload = pickle.load(f)
    except Exception as e:  # a truncated or foreign file: say so instead of starting half-loaded
        raise ValueError(f"{source} is not a fakepai state file ({e.__class__.__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{source} is not a fakepai state file ({FORMAT})")
    emulator.world.accounts.clear()
    emulator.world.accounts.update(payload["accounts"])
    emulator.ids._rng.setstate(payload["ids"])
    emulator.clock.set(now=max(payload["now"], time.time()))
    return True
