"""Identifier formats observed in the reference (behavior.md §3), drawn from a seeded RNG."""
from __future__ import annotations

import random
import string
import uuid
from contextlib import contextmanager

_ALNUM = string.ascii_lowercase + string.digits


class IdFactory:
    """Deterministic for a given seed, so a replayed scenario yields the same ids."""

    def __init__(self, seed: int | str = 0):
        self._rng = random.Random(seed)

    def token(self, n: int) -> str:
        return "".join(self._rng.choice(_ALNUM) for _ in range(n))

    def prefixed(self, prefix: str, n: int) -> str:
        return prefix + self.token(n)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    @contextmanager
    def atomic(self):
        """Ids drawn inside are given back if the block fails: a rejected request must not shift
        the ids of later ones, or a seeded scenario would not replay the same."""
        state = self._rng.getstate()
        try:
            yield self
        except BaseException:
            self._rng.setstate(state)
            raise


def request_id() -> str:
    """Upper-case UUID, as the real gateway returns (behavior.md §3)."""
    return str(uuid.uuid4()).upper()
