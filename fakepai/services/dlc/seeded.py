"""Deterministic pseudo-randomness keyed by strings (job id, pod id, metric...), for DLC.

Everything a DLC job shows that is not decided by the caller (phase lengths, node names, IPs,
metric values, log figures) is drawn from here, so the same job id always tells the same story
and a replayed scenario is byte-for-byte identical (DESIGN §4). The hashing is the simulation's
one source, `fakepai.sim.noise`; this module only keeps the names DLC code calls.
"""
from __future__ import annotations

from fakepai.sim.noise import between, rng, unit, uuid_for

__all__ = ["unit", "between", "rng", "uuid_for"]

