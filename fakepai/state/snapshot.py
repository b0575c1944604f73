"""The snapshot half of `--state-file PATH` (the journal is the other half: docs/durability.md).

PATH holds every account's stores, the virtual time, the id sequence, the used signature nonces
and the number of the first journal segment still to replay. It starts with one text line naming
its format, then a pickle (so it is only for files you wrote yourself: loading a pickle runs code).
The line is read before anything is unpickled, so a file of another version is refused by name.
"""
from __future__ import annotations

import math
import os
import pickle
import tempfile
from pathlib import Path

from fakepai.state.store import AccountState

# Bumped whenever the pickled classes or the payload change shape (2: slotted Phase/Outcome/
# Timeline...; 3: a format line first, ids as (seed, issued), nonces, the journal segment to
# replay from; 4: every service store an AccountStore with one `seq` counter), so an older file is refused with a clear message instead of half-loading.
FORMAT = "fakepai-state/4"
_MAGIC = b"fakepai-state/"


class StateFileError(ValueError):
    """A state file fakepai will not load: one line naming the file, what is wrong and the version found."""


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


def write(path: Path, payload: dict) -> int:
    """Write the snapshot durably: a temporary file beside it, fsync, rename over PATH, fsync the
    directory. A crash at any instant leaves either the old or the new file. Returns its size."""
    tmp = temp_name(path)
    with open(tmp, "wb") as f:
        f.write(FORMAT.encode() + b"\n")
        pickle.dump({"format": FORMAT, **payload}, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
        size = f.tell()
    os.replace(tmp, path)
    sync_directory(path.parent)
    return size


def temp_name(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp-{os.getpid()}")


def leftover_temps(path: Path) -> list[Path]:
    """Temporary files of saves a crash interrupted (this format's and the older mkstemp ones)."""
    return sorted({*path.parent.glob(f"{path.name}.tmp-*"), *path.parent.glob(f"{path.name}*.tmp")})


def sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path) -> dict:
    """The checked payload of PATH, or StateFileError. Nothing is applied here, so a refused file
    leaves the emulator as it was."""
    with open(path, "rb") as f:
        head = f.read(64)
        found = _format_of(head, f)
        if found != FORMAT:
            if found.startswith(_MAGIC.decode()):
                raise StateFileError(f"{path} is a {found} state file; this fakepai reads only {FORMAT} "
                                     f"(start without it or move it away)")
            raise StateFileError(f"{path} is not a fakepai state file (found {found}; this fakepai reads {FORMAT})")
        f.seek(len(FORMAT) + 1)
        try:
            payload = pickle.load(f)
        except Exception as e:  # truncated or tampered: say so instead of starting half-loaded
            raise StateFileError(f"{path} is a damaged {FORMAT} file (found {FORMAT}; unpickling failed: "
                                 f"{e.__class__.__name__})") from None
    problem = _problem(payload)
    if problem:
        raise StateFileError(f"{path} is a damaged {FORMAT} file (found {FORMAT}; {problem})")
    return payload


def _format_of(head: bytes, f) -> str:
    """The version a file says it is, for the refusal message."""
    if head.startswith(_MAGIC):
        line = head.split(b"\n", 1)[0]
        return line.decode("ascii", "replace") if len(line) < 40 else "an unterminated format line"
    if head[:1] == b"\x80":  # a pickle: formats 1 and 2 were a bare pickled dict with a "format" key
        f.seek(0)
        try:
            tag = pickle.load(f).get("format")
        except Exception:
            return "a pickle that is not a fakepai state"
        return str(tag)[:40] if tag else "a pickle with no format tag"
    return "no fakepai format tag"


def _problem(payload) -> str | None:
    """What is wrong with an unpickled payload, or None."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return "the payload is not a fakepai state"
    expected = {"accounts": dict, "now": float, "ids": tuple, "nonces": list, "journal": int}
    for name, kind in expected.items():
        if not isinstance(payload.get(name), kind):
            return f"field {name!r} is {'missing' if name not in payload else type(payload[name]).__name__}"
    if not (math.isfinite(payload["now"]) and payload["now"] >= 0):
        return "field 'now' is not a time"
    seed, issued = payload["ids"] if len(payload["ids"]) == 2 else (None, None)
    if not (isinstance(seed, (int, str)) and isinstance(issued, int) and issued >= 0):
        return "field 'ids' is not (seed, issued)"
    if payload["journal"] < 0:
        return "field 'journal' is negative"
    for account_id, account in payload["accounts"].items():
        if not (isinstance(account, AccountState) and account.account_id == account_id
                and isinstance(getattr(account, "_namespaces", None), dict)):
            return f"account {str(account_id)[:40]!r} is not an account"
    for entry in payload["nonces"]:
        if not (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[2], float)):
            return "field 'nonces' holds something that is not a nonce"
    return None
