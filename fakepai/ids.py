"""Identifier formats observed in the reference (behavior.md §3), derived from (seed, draw number).

The whole state of the sequence is two numbers, so the state file keeps it exactly and a journal
replay can check that every write drew the ids it drew the first time (docs/durability.md).
"""
from __future__ import annotations

import hashlib
import os
import random
import string
import uuid

_ALNUM = string.ascii_lowercase + string.digits


class IdFactory:
    """Deterministic for a given seed, so a replayed scenario yields the same ids: draw number n
    of seed s is a hash of (s, n), and `issued` counts the draws so far."""

    def __init__(self, seed: int | str = 0, issued: int = 0):
        self.seed = seed
        self.issued = issued

    def _draw(self) -> bytes:
        digest = hashlib.blake2b(f"{self.seed}/{self.issued}".encode(), digest_size=32).digest()
        self.issued += 1
        return digest

    def token(self, n: int) -> str:
        out: list[str] = []
        while len(out) < n:
            out.extend([_ALNUM[b % 36] for b in self._draw() if b < 252])   # 252 = 7 x 36: no bias
        return "".join(out[:n])

    def prefixed(self, prefix: str, n: int) -> str:
        return prefix + self.token(n)

    def uuid(self) -> str:
        return str(uuid.UUID(int=int.from_bytes(self._draw()[:16], "big"), version=4))


def request_id() -> str:
    """Upper-case UUID, as the real gateway returns (behavior.md §3): a version-4 UUID, as
    `str(uuid.uuid4()).upper()` gives (122 random bits, the version digit 4, the variant digit
    8, 9, A or B), formatted straight from random hex (a third of the time: every request pays it).
    The bits come from a generator of our own, seeded from the OS once (and again in a forked
    child): a request id names a request, it guards nothing, and `os.urandom` is a system call
    on every request (benchmarks/README.md, "Wire and PaiStudio")."""
    h = "%032X" % _random_bits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16)]}{h[17:20]}-{h[20:]}"


_REQUEST_ID_RANDOM = random.Random()       # seeded from os.urandom; user code seeding `random` leaves it alone
_random_bits = _REQUEST_ID_RANDOM.getrandbits
os.register_at_fork(after_in_child=_REQUEST_ID_RANDOM.seed)   # a child never repeats its parent's ids


_VARIANT = "89AB" * 4      # a random hex digit's two low bits -> the RFC 4122 variant digit
