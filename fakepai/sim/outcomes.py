"""Scripted outcomes by id: services register how to find their resources and apply an outcome,
so `PUT /_fakepai/jobs/{id}/outcome` works for every kind of job without knowing any of them."""
from __future__ import annotations

from typing import Callable

# (emulator, job_id, spec) -> True when the id was one of this service's resources
Applier = Callable[[object, str, dict], bool]
_APPLIERS: list[Applier] = []


def register(applier: Applier) -> Applier:
    _APPLIERS.append(applier)
    return applier


def apply(emulator, job_id: str, spec: dict) -> bool:
    from fakepai.services.registry import load_services
    load_services()
    for applier in _APPLIERS:
        if applier(emulator, job_id, spec):
            return True
    return False
