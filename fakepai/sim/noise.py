"""Deterministic randomness for generators: a value is a pure function of its key.

Generators never hold a random state that advances as they are read: the i-th log line, the k-th
metric point or a series sample is computed from (seed, what, index) alone, so any item can be
produced on demand, in any order, and is the same every time and in every emulator.
"""
from __future__ import annotations

import hashlib

_SCALE = float(1 << 64)


def unit(*key) -> float:
    """A number in [0, 1), fixed for `key` (its parts are joined by '|')."""
    digest = hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def spread(*key) -> float:
    """A number in [-1, 1), fixed for `key`, roughly bell-shaped (mean of two uniforms)."""
    return unit(*key, "a") + unit(*key, "b") - 1.0


def pick(options, *key):
    """One of `options`, fixed for `key`."""
    return options[int(unit(*key) * len(options))]
