"""Deterministic randomness for generators: a value is a pure function of its key.

Generators never hold a random state that advances as they are read: the i-th log line, the k-th
metric point or a series sample is computed from (seed, what, index) alone, so any item can be
produced on demand, in any order, and is the same every time and in every emulator.
"""
from __future__ import annotations

import hashlib
import random
import uuid
from functools import lru_cache

_SCALE = float(1 << 64)


def _digest(key: tuple) -> bytes:
    return hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=16).digest()


def unit(*key) -> float:
    """A number in [0, 1), fixed for `key` (its parts are joined by '|')."""
    return int.from_bytes(_digest(key)[:8], "big") / _SCALE


def spread(*key) -> float:
    """A number in [-1, 1), fixed for `key`, roughly bell-shaped (mean of two uniforms; one hash)."""
    d = _digest(key)
    return (int.from_bytes(d[:8], "big") + int.from_bytes(d[8:], "big")) / _SCALE - 1.0


@lru_cache(maxsize=65536)
def constant(*key) -> float:
    """`unit(*key)`, remembered: for per-series levels read at every point."""
    return unit(*key)


def between(low: float, high: float, *key) -> float:
    """A number in [low, high), fixed for `key`."""
    return low + (high - low) * unit(*key)


def seed(*key) -> int:
    """A 128-bit integer fixed for `key`: to seed a `random.Random` or shape a UUID from a key."""
    return int.from_bytes(_digest(key), "big")


def pick(options, *key):
    """One of `options`, fixed for `key`."""
    return options[int(unit(*key) * len(options))]


def rng(*key) -> random.Random:
    """A random generator whose whole sequence is fixed by `key` (several draws from one key)."""
    return random.Random(seed(*key))


def uuid_for(*key) -> str:
    """A version-4-shaped UUID fixed by `key` (k8s pod uids)."""
    return str(uuid.UUID(int=seed(*key), version=4))
