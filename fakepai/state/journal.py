"""`--state-file PATH`: every acknowledged write survives a crash (docs/durability.md).

The state is the snapshot at PATH (fakepai.state.snapshot) plus the journal segments
`PATH.journal-NNNNNNNN` written since. A write is journaled (and, at durability `fsync`, flushed
to disk) before its response is sent; at start the snapshot is loaded and the segments it does
not cover are replayed through the same call as the live request (`Emulator.invoke`, handed in as
`replay_write`), at the same virtual time, checking that each record draws the same ids it drew
the first time. Compaction forks: the child pickles the copy-on-write image of the state into a
new snapshot while the server goes on answering into a fresh segment; once the snapshot is
renamed into place the older segments go.
"""
from __future__ import annotations

import asyncio
import copy
import ctypes
import gc
import logging
import os
import pickle
import signal
import struct
import sys
import time
import warnings
import zlib
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable

from fakepai.errors import PaiError
from fakepai.ids import IdFactory
from fakepai.state import snapshot
from fakepai.state.snapshot import StateFileError

try:
    import fcntl
except ImportError:                              # not POSIX (Windows): no file locks
    fcntl = None

log = logging.getLogger("fakepai")

JOURNAL_FORMAT = "fakepai-journal/1"
DURABILITY = ("fsync", "write")
# A segment is compacted once it outgrows both this and the last snapshot (so compaction costs
# O(1) per write amortised, and a start replays at most about one snapshot's worth of records).
COMPACT_MIN_BYTES = 8 << 20
_FRAME = struct.Struct("<II")          # payload length, crc32 of the payload
_MAX_SEGMENTS_AT_START = 8            # more left by restarts without a compaction: one is done at start
_LOCK_WAIT_SECONDS = 10.0              # a killed server's compaction child may still hold the lock


# (operation, who, params, request id, base URL): runs a journaled write again (`Emulator.invoke`).
ReplayWrite = Callable[[object, tuple, dict, str, str], object]


_PART_OF_A_RECORD = nullcontext()      # a write inside a record's change: journaled with that record


class _JournaledWrite:
    """`Journal.write`'s block: the clock pinned and the journal covering the handler's writes while
    it runs, the write journaled once it succeeded. A class, not a @contextmanager generator: those
    cost ~4 calls more on every write (benchmarks/README.md, "Calls per request, third round")."""

    __slots__ = ("journal", "op", "principal", "rid", "base_url", "at", "params_blob", "replaying", "pin")

    def __init__(self, journal: Journal, op, principal, rid: str, base_url: str, at: float,
                 params_blob: bytes | None, replaying: dict | None):
        self.journal, self.op, self.principal, self.rid, self.base_url = journal, op, principal, rid, base_url
        self.at, self.params_blob, self.replaying = at, params_blob, replaying
        self.pin = journal.emulator.clock.pinned(at)

    def __enter__(self) -> None:
        self.pin.__enter__()
        self.journal._covering += 1     # as `_covered()` does, inline: calls per write (benchmarks/README.md)

    def __exit__(self, exc_type, exc, tb) -> None:
        self.journal._covering -= 1
        self.pin.__exit__(exc_type, exc, tb)
        if exc_type is None:
            self.journal._written(self)


class Journal:
    """The emulator's durable state. Without a state file only `write`'s pin of the clock is left.

    The emulator hands itself in (its world, ids, clock, nonces, settings) and `replay_write`,
    the call that runs an "op" record again; the journal imports nothing above the state."""

    def __init__(self, emulator, path: str | os.PathLike | None = None, durability: str = "fsync", *,
                 replay_write: ReplayWrite):
        if durability not in DURABILITY:
            raise ValueError(f"durability must be one of {', '.join(DURABILITY)}, got {durability!r}")
        self.emulator = emulator
        self.replay_write = replay_write
        self.path = Path(path) if path else None
        self.durability = durability
        self.compact_after_bytes = COMPACT_MIN_BYTES
        self.broken: str | None = None          # why appends stopped (a full disk...): writes get 503
        self._fd: int | None = None             # the segment being appended to
        self._seq = 0
        self._segment_bytes = 0
        self._snapshot_bytes = 0
        self._lock_fd: int | None = None
        self._replaying: dict | None = None     # the record being replayed: append nothing, pin its time
        self._covering = 0                      # inside a record's change: writes made there are part of it
        self._compaction: asyncio.Future | None = None
        self._appended = 0                      # op records written to the segment...
        self._synced = 0                        # ...and how many of them an fsync has covered
        self._sync: asyncio.Future | None = None
        self._unsynced: list[int] = []          # segments rotated away that the next sync must still cover
        self._new_directory_entry = False       # a segment was created since the directory was last synced
        self._closable: list[int] = []          # synced retired segments, closed when no sync thread runs

    # ------------------------------------------------------------------ start

    def open(self) -> None:
        """Lock PATH, remove interrupted saves' temp files, load the snapshot, replay the journal,
        start a new segment and begin journaling steering (clock, nonces, demo accounts)."""
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            self._load()
        except BaseException:
            self._unlock()
            raise

    def _load(self) -> None:
        for leftover in snapshot.leftover_temps(self.path):
            leftover.unlink(missing_ok=True)
        emulator = self.emulator
        segments = self._segments()
        start = 0
        last_time = time.time()
        if self.path.exists():
            payload = snapshot.read(self.path)
            self._snapshot_bytes = self.path.stat().st_size
            start = payload["journal"]
            emulator.world.accounts.clear()
            emulator.world.accounts.update(payload["accounts"])
            emulator.ids = IdFactory(*payload["ids"])
            for key_id, nonce, expires_at in payload["nonces"]:
                emulator.auth.nonces.restore(key_id, nonce, expires_at, time.time())
            last_time = payload["now"]
        elif segments and segments[0][0] != 0:
            raise StateFileError(f"{self.path} is missing but its journal starts at segment {segments[0][0]} "
                                 f"(found {JOURNAL_FORMAT} segments without their snapshot)")
        for seq, segment in segments:
            if seq < start:                      # covered by the snapshot: a compaction was cut short
                segment.unlink(missing_ok=True)
        expected = start
        for seq, segment in segments:
            if seq < start:
                continue
            if seq != expected:
                raise StateFileError(f"{segment} follows segment {expected - 1}: segment {expected} is missing "
                                     f"(found {JOURNAL_FORMAT} segments with a gap)")
            last_time = self._replay_segment(segment, seq, first=seq == start and start == 0 and
                                             not self.path.exists()) or last_time
            expected = seq + 1
        # Virtual time never goes back across a restart: the later of the last written time and now.
        emulator.clock.set(now=max(last_time, time.time()))
        self._open_segment(expected)
        if expected - start > _MAX_SEGMENTS_AT_START:
            # Restarts with few writes in between each leave a segment: fold them in before serving.
            self._snapshot_bytes = snapshot.write(self.path, self._image())
            for seq, segment in self._segments():
                if seq < expected:
                    segment.unlink(missing_ok=True)
        emulator.clock.on_move = lambda now: self.record("clock", t=now)
        emulator.auth.nonces.on_use = lambda key_id, nonce, expires_at: self.record(
            "nonce", sync=False, key=key_id, nonce=nonce, exp=float(expires_at))
        fill = emulator.world.on_new_account
        if fill is not None:                     # --demo fills new accounts: that draws ids, so it is journaled
            emulator.world.on_new_account = lambda account: self._new_account(fill, account)

    def _lock(self) -> None:
        if fcntl is None:                        # not POSIX: no lock (one server per state file is then on you)
            return
        self._lock_fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self._lock_fd)
                    self._lock_fd = None
                    raise StateFileError(f"{self.path} is in use by another fakepai (found its lock held)") from None
                time.sleep(0.05)

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _segments(self) -> list[tuple[int, Path]]:
        prefix = self.path.name + ".journal-"
        found = []
        for p in self.path.parent.glob(prefix + "*"):
            suffix = p.name[len(prefix):]
            if suffix.isdigit():
                found.append((int(suffix), p))
        return sorted(found)

    def _segment_path(self, seq: int) -> Path:
        return self.path.with_name(f"{self.path.name}.journal-{seq:08d}")

    # ------------------------------------------------------------------ replay

    def _replay_segment(self, segment: Path, seq: int, first: bool) -> float | None:
        records = _read_frames(segment)
        if not records:                          # created but its header never reached the disk
            return None
        header = records[0]
        if not (isinstance(header, dict) and header.get("format") == JOURNAL_FORMAT and header.get("seq") == seq):
            found = header.get("format") if isinstance(header, dict) else None
            raise StateFileError(f"{segment} is not a {JOURNAL_FORMAT} segment {seq} (found {found or 'no format tag'})")
        emulator = self.emulator
        if first:
            emulator.ids = IdFactory(*header["ids"])
        elif tuple(header["ids"]) != (emulator.ids.seed, emulator.ids.issued):
            raise StateFileError(f"{segment} does not continue the state before it (found {JOURNAL_FORMAT}; "
                                 f"ids {tuple(header['ids'])} where the replay reached {(emulator.ids.seed, emulator.ids.issued)})")
        last_time = None
        settings = emulator.settings
        saved = settings.region, settings.phase_seconds
        settings.region, settings.phase_seconds = header["region"], header["phase_seconds"]
        try:
            for n, record in enumerate(records[1:], start=1):
                try:
                    self._replay(record)
                except (PaiError, KeyError, TypeError, ValueError, AttributeError) as e:
                    what = e.message if isinstance(e, PaiError) else f"{e.__class__.__name__}: {e}"
                    raise StateFileError(f"{segment} record {n} ({record.get('k')} {record.get('a', '')}) does not "
                                         f"replay (found {JOURNAL_FORMAT}; {what})"[:400]) from None
                last_time = record.get("t", last_time)
        finally:
            settings.region, settings.phase_seconds = saved
        return last_time

    def _replay(self, record: dict) -> None:
        emulator = self.emulator
        kind = record["k"]
        self._replaying = record
        try:
            if kind == "op":
                op = emulator.catalog.get(record["p"], record["a"])
                if op is None:
                    raise KeyError(f"no operation {record['p']} {record['a']}")
                self.replay_write(op, record["who"], pickle.loads(record["params"]), record["rid"], record["base"])
            elif kind == "account":
                with emulator.clock.pinned(record["t"]), self._covered():
                    emulator.world.account(record["id"])
                self._check_ids(record)
            elif kind == "outcome":
                with emulator.clock.pinned(record["t"]):
                    emulator.set_outcome(record["job"], record["spec"])
                self._check_ids(record)
            elif kind == "reset":
                emulator.reset_state(record["seed"])
            elif kind == "nonce":
                emulator.auth.nonces.restore(record["key"], record["nonce"], record["exp"], time.time())
            elif kind != "clock":                # a clock move only sets the time the replay ends at
                raise KeyError(f"unknown record kind {kind!r}")
        finally:
            self._replaying = None

    def _check_ids(self, record: dict) -> None:
        if self.emulator.ids.issued != record["ids"]:
            raise ValueError(f"it drew ids up to {self.emulator.ids.issued}, the first time up to {record['ids']}")

    # ------------------------------------------------------------------ live

    @contextmanager
    def _covered(self):
        """A record's change is being made: writes made inside it (the demo filling a new account)
        are part of that record, not records of their own, and replay with it."""
        self._covering += 1
        try:
            yield
        finally:
            self._covering -= 1

    def write(self, op, principal, params: dict, rid: str, base_url: str = ""):
        """`with journal.write(...):` around a write's handler: the clock answers one instant (the
        record's, on replay); on success the write is journaled (and synced) before the caller
        answers."""
        if self._covering:                       # part of the record being made (or replayed)
            return _PART_OF_A_RECORD
        replaying = self._replaying
        if replaying is None and self.broken:
            raise PaiError(503, "ServiceUnavailable", f"fakepai cannot keep writes ({self.broken}); restart it.")
        at = replaying["t"] if replaying is not None else self.emulator.clock.now()
        if replaying is None and self._fd is None:
            # No state file: nothing to journal or check, so the block is the clock's pin alone (a
            # write nested in it pins the same instant again). Calls per write, benchmarks/README.md.
            return self.emulator.clock.pinned(at)
        # The params are pickled before the handler runs, in case it changes the dict it was given.
        params_blob = pickle.dumps(params, pickle.HIGHEST_PROTOCOL) if replaying is None else None
        return _JournaledWrite(self, op, principal, rid, base_url, at, params_blob, replaying)

    def _written(self, write: _JournaledWrite) -> None:
        """A write's handler succeeded: check a replay drew the ids it drew the first time, or
        journal the write."""
        if write.replaying is not None:
            self._check_ids(write.replaying)
        elif write.params_blob is not None:
            principal = write.principal
            self._append({"k": "op", "t": write.at, "p": write.op.product, "a": write.op.action, "rid": write.rid,
                          "params": write.params_blob, "base": write.base_url,
                          "who": (principal.account_id, principal.key_id, principal.method, principal.workspaces),
                          "ids": self.emulator.ids.issued}, sync=False)
            self._appended += 1

    async def synced(self, op) -> None:
        """Return once every write journaled so far is on disk (at durability fsync; at once for a
        read, or at durability write, where the record is with the OS already). Group commit: one
        fsync, in a worker thread, covers every write appended before it started, and the server
        answers other requests meanwhile."""
        target = self._appended
        if not op.mutating or self.durability != "fsync":
            return
        while self._synced < target:
            if self._sync is None:
                self._sync = asyncio.ensure_future(self._sync_appended())
            await asyncio.shield(self._sync)

    async def _sync_appended(self) -> None:
        upto = self._appended
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._flush, self._take_unsynced())
        except OSError as e:
            self.broken = f"{self._segment_path(self._seq)}: {e.strerror or e}"
            raise PaiError(500, "InternalError", f"fakepai could not journal this write ({self.broken}); it is not kept.")
        finally:
            self._sync = None
            self._close_synced()
        self._synced = max(self._synced, upto)

    def _take_unsynced(self) -> tuple[list[int], int, bool]:
        """What the next sync covers: the segments rotated away since the last one (closed after),
        the current one, and the directory when a segment was created."""
        retired, self._unsynced = self._unsynced, []
        directory, self._new_directory_entry = self._new_directory_entry, False
        return retired, self._fd, directory

    def _flush(self, work: tuple[list[int], int, bool]) -> None:
        retired, current, directory = work
        for fd in (*retired, current):
            _datasync(fd)
        if directory:
            snapshot.sync_directory(self.path.parent)
        self._closable.extend(retired)

    def _close_synced(self) -> None:
        """Close retired segments once synced, never under a sync thread that may still use one."""
        if self._sync is None:
            closable, self._closable = self._closable, []
            for fd in closable:
                os.close(fd)

    def record(self, kind: str, *, sync: bool = True, **fields) -> None:
        """Journal a change that did not come through a PAI write (a clock move, an outcome, a reset,
        a used nonce). Nothing while replaying or without a state file."""
        if self._replaying is None and self._fd is not None:
            self._append({"k": kind, **fields}, sync)

    def record_outcome(self, job_id: str, spec: dict, at: float) -> None:
        self.record("outcome", t=at, job=job_id, spec=copy.deepcopy(spec), ids=self.emulator.ids.issued)

    def _new_account(self, fill, account) -> None:
        at = self.emulator.clock.now()
        with self.emulator.clock.pinned(at), self._covered():
            fill(account)
        self.record("account", t=at, id=account.account_id, ids=self.emulator.ids.issued)

    def _append(self, record: dict, sync: bool = True) -> None:
        payload = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
        frame = _FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        try:
            _write_all(self._fd, frame)
            if sync and self.durability == "fsync":
                self._flush(self._take_unsynced())
                self._close_synced()
        except OSError as e:
            self.broken = f"{self._segment_path(self._seq)}: {e.strerror or e}"
            raise PaiError(500, "InternalError", f"fakepai could not journal this write ({self.broken}); it is not kept.")
        self._segment_bytes += len(frame)
        if self._compaction is None and self._segment_bytes > max(self.compact_after_bytes, self._snapshot_bytes):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return                           # no server loop: the next save compacts
            self._compaction = loop.create_task(self._compact())
            self._compaction.add_done_callback(_report)

    def _open_segment(self, seq: int) -> None:
        """Start appending to segment `seq`; its header says where the id sequence stands and the
        settings the records were written under."""
        path = self._segment_path(seq)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
        settings = self.emulator.settings
        header = {"format": JOURNAL_FORMAT, "seq": seq, "ids": (self.emulator.ids.seed, self.emulator.ids.issued),
                  "region": settings.region, "phase_seconds": dict(settings.phase_seconds)}
        payload = pickle.dumps(header, pickle.HIGHEST_PROTOCOL)
        frame = _FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        _write_all(fd, frame)
        if self._fd is not None:
            self._retire(self._fd)
        self._fd, self._seq, self._segment_bytes = fd, seq, len(frame)
        # Synced with the first write it holds (in the worker thread), not here on the loop.
        self._new_directory_entry = True

    def _retire(self, fd: int) -> None:
        """Done appending to a segment: at durability fsync the next sync still covers (then
        closes) it, for the writes in it that wait for their sync."""
        if self.durability == "fsync":
            self._unsynced.append(fd)
        else:
            os.close(fd)

    # ------------------------------------------------------------------ compaction

    async def compact(self) -> str | None:
        """Write a snapshot now (after any compaction already running) and drop the segments it
        covers. The server keeps answering meanwhile. None without a state file."""
        if self._fd is None:
            return None
        while self._compaction is not None:
            try:
                await asyncio.shield(self._compaction)
            except Exception:
                pass                             # logged by _report; this call tries again
        self._compaction = asyncio.ensure_future(self._compact())
        return await asyncio.shield(self._compaction)

    def _image(self) -> dict:
        """The snapshot's payload: the state as of now, to be followed by the current segment."""
        emulator = self.emulator
        return {"accounts": emulator.world.accounts, "now": float(emulator.clock.now()),
                "ids": (emulator.ids.seed, emulator.ids.issued),
                "nonces": emulator.auth.nonces.entries(time.time()), "journal": self._seq}

    async def _compact(self) -> str:
        try:
            # Synchronous up to the fork: no request runs between the new segment and the image.
            self._open_segment(self._seq + 1)
            payload = self._image()
            with _gc_frozen():
                pid = _fork_writer(self.path, payload, keep_fd=self._lock_fd)
                if pid is None:
                    self._snapshot_bytes = snapshot.write(self.path, payload)
                else:
                    _, status = await asyncio.get_running_loop().run_in_executor(None, os.waitpid, pid, 0)
                    if os.waitstatus_to_exitcode(status) != 0:
                        self.path.with_name(f"{self.path.name}.tmp-{pid}").unlink(missing_ok=True)
                        raise OSError(f"the snapshot writer exited with {os.waitstatus_to_exitcode(status)}")
                    self._snapshot_bytes = self.path.stat().st_size
            for seq, segment in self._segments():
                if seq < payload["journal"]:
                    segment.unlink(missing_ok=True)
            return str(self.path)
        finally:
            self._compaction = None

    async def close(self) -> str | None:
        """At shutdown: a last compaction (so the next start replays nothing), then unlock."""
        if self._fd is None:
            return None
        try:
            saved = await self.compact()
        finally:
            if self.durability == "fsync":
                self._flush(self._take_unsynced())
                self._close_synced()
            os.close(self._fd)
            self._fd = None
            self._unlock()
        return saved


# ---------------------------------------------------------------------- helpers

def _report(task: asyncio.Future) -> None:
    """A background compaction that failed: the journal still holds everything, so say why and go on."""
    if not task.cancelled() and task.exception() is not None:
        log.error("fakepai: compacting the state file failed (the journal keeps every write): %s", task.exception())


@contextmanager
def _gc_frozen():
    """While a snapshot writer shares the server's pages, the server's collector leaves every
    object that existed at the fork alone (`gc.freeze`). A full collection walks every object,
    writing to each one's header: at 100,000 jobs (1.4 M objects) it holds the event loop for
    0.7 s, and with a writer alive 1.6 s, as each page it touches is copied first. Writes during
    a compaction bring one about often enough (the collector runs a full pass each time the
    objects that outlived a pass grow by a quarter). Frozen, a pass sees only the objects made
    since the fork. The thaw (both calls are O(1)) puts them all back in the oldest generation,
    and the full pass that came due meanwhile runs soon after, with no writer left to copy for."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _fork_writer(path: Path, payload: dict, keep_fd: int | None) -> int | None:
    """Fork a child that writes the snapshot from its copy-on-write image of the state; its pid,
    or None where there is no fork (the caller writes inline)."""
    if not hasattr(os, "fork"):
        return None
    parent = os.getpid()
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() with threads running: the child only writes one file.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        gc.disable()                              # no collection: it would only touch (and copy) pages
        _die_with(parent)
        os.nice(10)                               # on a busy machine the server gets the CPU first
        # The child needs none of the server's descriptors (sockets stay the parent's alone); the
        # lock stays held by it, so a restart waits for a child of a killed server to end.
        os.closerange(3, keep_fd if keep_fd is not None else 3)
        if keep_fd is not None:
            os.closerange(keep_fd + 1, 1 << 16)
        snapshot.write(path, payload)
        code = 0
    except BaseException as e:                    # noqa: BLE001 - the child must reach os._exit
        try:
            sys.stderr.write(f"fakepai: the snapshot writer failed: {e!r}\n")
            sys.stderr.flush()
        except Exception:
            pass
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:
    """A snapshot writer whose server was killed stops too (Linux's parent-death signal)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)             # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:                   # the server died before the prctl
        os._exit(1)


def _read_frames(segment: Path) -> list:
    """The records of a segment. A torn last record (the crash came mid-append: it was never
    answered) ends the list; a bad record with good data after it is damage, and refused."""
    data = segment.read_bytes()
    records, at = [], 0
    while at < len(data):
        if len(data) - at < _FRAME.size:
            break
        length, crc = _FRAME.unpack_from(data, at)
        start, end = at + _FRAME.size, at + _FRAME.size + length
        if end > len(data) or zlib.crc32(data[start:end]) != crc:
            if end >= len(data) or not data[at:].strip(b"\0"):
                break                             # the torn tail
            raise StateFileError(f"{segment} is damaged at byte {at} (found {JOURNAL_FORMAT} records that fail "
                                 f"their checksum before the end)")
        try:
            records.append(pickle.loads(data[start:end]))
        except Exception as e:
            raise StateFileError(f"{segment} is damaged at byte {at} (found a record that does not unpickle: "
                                 f"{e.__class__.__name__})") from None
        at = end
    return records


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


_datasync = getattr(os, "fdatasync", os.fsync)
