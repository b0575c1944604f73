"""Deterministic pseudo-randomness keyed by strings (job id, pod id, metric...).

Everything a DLC job shows that is not decided by the caller (phase lengths, node names, IPs,
metric values, log figures) is drawn from here, so the same job id always tells the same story
and a replayed scenario is byte-for-byte identical (DESIGN §4).
"""
from __future__ import annotations

import hashlib
import random
import uuid


def _digest(*keys: object) -> bytes:
    return hashlib.sha256("\x1f".join(str(k) for k in keys).encode()).digest()


def unit(*keys: object) -> float:
    """A number in [0, 1) fixed by `keys`."""
    return int.from_bytes(_digest(*keys)[:8], "big") / 2**64


def between(low: float, high: float, *keys: object) -> float:
    return low + (high - low) * unit(*keys)


def rng(*keys: object) -> random.Random:
    return random.Random(int.from_bytes(_digest(*keys)[:16], "big"))


def uuid_for(*keys: object) -> str:
    """A version-4-shaped UUID fixed by `keys` (k8s pod uids)."""
    return str(uuid.UUID(bytes=_digest(*keys)[:16], version=4))
