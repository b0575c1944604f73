"""Scripted outcomes by id: `PUT /_fakepai/jobs/{id}/outcome` and `FakePAI.set_outcome` reach every
kind of job without knowing any of them.

A service declares where its resources live and how to rescript one:

    @outcomes.scripted(TrainingJobStore, "jobs", accepts=lambda rid: rid.startswith("train"))
    def _rescript(job, now, spec): ...

The id is looked up in that store of every account (the control plane does not know the account).
Services register here when their modules are imported, which the `Emulator` does when it is built;
the `Emulator` (`set_outcome`) is the one caller.
"""
from __future__ import annotations

from typing import Callable

# (emulator, resource_id, spec) -> True when the id was one of this service's resources
Applier = Callable[[object, str, dict], bool]
_APPLIERS: list[Applier] = []


def register(applier: Applier) -> Applier:
    _APPLIERS.append(applier)
    return applier


def scripted(store_cls: type, collection: str, *, accepts: Callable[[str], bool] = lambda rid: True):
    """Register `fn(record, now, spec)` for the records in `store_cls().<collection>` (a dict by id)."""
    def decorate(fn: Callable[[object, float, dict], None]):
        def applier(emulator, resource_id: str, spec: dict) -> bool:
            if not accepts(resource_id):
                return False
            for account in list(emulator.world.accounts.values()):
                store = account.peek(store_cls)
                record = getattr(store, collection).get(resource_id) if store is not None else None
                if record is not None:
                    fn(record, emulator.clock.now(), spec)
                    return True
            return False

        register(applier)
        return fn

    return decorate


def apply(emulator, job_id: str, spec: dict) -> bool:
    """Rescript the job with this id, whatever its kind; False when no service holds it. Called
    through `Emulator.set_outcome`, which applies the phase profile, pins the clock and journals it."""
    return any(applier(emulator, job_id, spec) for applier in _APPLIERS)
