"""Timelines: the planned life of a resource as timed status phases (DESIGN §4).

A plan is decided at creation from the resource's spec, a seed and its scripted outcome. Reads
materialise state at `clock.now()`; nothing ticks in the background, so idle resources cost
nothing and every run is reproducible. Stops and scripted outcomes rewrite the rest of the plan:
phases already passed are never changed.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable

from fakepai.outcome_spec import MAX_RESTARTS, MAX_SECONDS, Outcome, unknown_phase  # noqa: F401 - the timeline's vocabulary

FOREVER = float("inf")


@dataclass(slots=True)
class Phase:
    status: str
    start: float
    reason_code: str | None = None
    reason_message: str | None = None


@dataclass
class Lifecycle:
    """A product's vocabulary: its normal phase sequence and how it ends.

    steps:        the live statuses in order, each with its default duration in seconds
    running:      the status where the work happens (its duration is the job's run time)
    succeeded:    terminal success status
    failed_in:    status reached when failing in a given phase (default: `failed`)
    failed:       the generic failure status
    success_reason / failure_reason / timeout_reason: (code, message)
    """

    steps: list[tuple[str, float]]
    running: str
    succeeded: str
    failed: str
    success_reason: tuple[str, str]
    failure_reason: tuple[str, str]
    timeout_reason: tuple[str, str]
    failed_in: dict[str, str] = field(default_factory=dict)

    def statuses(self) -> list[str]:
        return [s for s, _ in self.steps]

    def check(self, outcome: Outcome) -> Outcome:
        """ValueError naming the phases when the outcome's phase is not one of them (it would
        never be reached, so the outcome would silently never apply)."""
        why = unknown_phase(outcome.phase, self.statuses())
        if why:
            raise ValueError(why)
        return outcome


@dataclass(slots=True)
class Timeline:
    phases: list[Phase]

    def at(self, t: float) -> Phase:
        current = self.phases[0]
        for phase in self.phases:
            if phase.start <= t:
                current = phase
            else:
                break
        return current

    def status_at(self, t: float) -> str:
        return self.at(t).status

    def passed(self, t: float) -> list[tuple[Phase, float | None]]:
        """The phases entered by `t`, each with its end time (None while it lasts)."""
        out = []
        entered = [p for p in self.phases if p.start <= t]
        for i, p in enumerate(entered):
            end = entered[i + 1].start if i + 1 < len(entered) else None
            out.append((p, end))
        return out

    def entered(self, status: str, t: float) -> float | None:
        for p in self.phases:
            if p.status == status and p.start <= t:
                return p.start
        return None

    def end_time(self, terminal: set[str]) -> float | None:
        for p in self.phases:
            if p.status in terminal:
                return p.start
        return None

    def cut(self, t: float, tail: list[Phase]) -> None:
        """Drop every phase after `t` and continue with `tail` (whose starts are >= t)."""
        self.phases = [p for p in self.phases if p.start <= t] + tail


# The emulator's phase-length profile (`fakepai serve --phase-seconds Running=5`,
# `FakePAI(phase_seconds=...)`): status -> seconds, winning over every service's own defaults.
# Set around each request and control-plane call, so plans made anywhere agree.
_PHASE_SECONDS: ContextVar[dict[str, float]] = ContextVar("phase_seconds", default={})


# Every status whose length the profile can set: the steps of each product's plans (PaiStudio
# jobs, DLC jobs and TensorBoards, PaiPlugin's numbered statuses) and DLC's Restarting pause.
# tests/steering/test_typos.py keeps it equal to what the services' lifecycles name.
PROFILE_STATUSES = ("Creating", "Created", "Initializing", "Submitted", "Queuing", "Bidding", "EnvPreparing",
                    "SanityChecking", "Running", "Restarting", "0", "1", "2")


def check_phase_seconds(profile: dict[str, float]) -> None:
    """A misspelt status (`Runing=5`) would otherwise set nothing: refuse it, naming the valid ones."""
    unknown = [status for status in profile if status not in PROFILE_STATUSES]
    if unknown:
        raise ValueError(f"unknown phase {unknown[0]!r} in the phase seconds; known: {', '.join(PROFILE_STATUSES)}")


@contextmanager
def phase_profile(overrides: dict[str, float] | None):
    token = _PHASE_SECONDS.set(dict(overrides or {}))
    try:
        yield
    finally:
        _PHASE_SECONDS.reset(token)


def configured_seconds(status: str, default: float) -> float:
    """How long `status` lasts: the profile's figure if it names the status, else `default`."""
    return float(_PHASE_SECONDS.get().get(status, default))


def plan(lifecycle: Lifecycle, start: float, outcome: Outcome, *, max_running: float | None = None,
         durations: dict[str, float] | None = None) -> Timeline:
    """The full timeline from `start` for `outcome`."""
    durations = durations or {}
    lifecycle.check(outcome)
    phases: list[Phase] = []
    t = start
    configured = _PHASE_SECONDS.get()      # read once, not per step (configured_seconds' rule, inline)
    for status, default in lifecycle.steps:
        duration = float(configured.get(status, durations.get(status, default)))
        if status == lifecycle.running and outcome.result == "succeed" and outcome.after is not None \
                and (outcome.phase in (None, status)):
            duration = outcome.after
        if status == lifecycle.running and outcome.result == "timeout":
            duration = max_running if max_running else duration
        phases.append(Phase(status, t))
        concerned = outcome.phase or lifecycle.running
        if outcome.result == "hang" and status == concerned:
            return Timeline(phases)
        if outcome.result == "fail" and status == concerned:
            after = outcome.after if outcome.after is not None else duration / 2
            code, msg = lifecycle.failure_reason
            phases.append(Phase(lifecycle.failed_in.get(status, lifecycle.failed), t + after,
                                outcome.reason_code or code, outcome.reason_message or msg))
            return Timeline(phases)
        if outcome.result == "timeout" and status == lifecycle.running:
            code, msg = lifecycle.timeout_reason
            phases.append(Phase(lifecycle.failed, t + duration, outcome.reason_code or code, outcome.reason_message or msg))
            return Timeline(phases)
        t += duration
    code, msg = lifecycle.success_reason
    phases.append(Phase(lifecycle.succeeded, t, code, msg))
    return Timeline(phases)


def _running_segments(timeline: Timeline, running: str, origin: float):
    """(phase index, begin, end) of each stretch of `running` after `origin`, in order."""
    phases = timeline.phases
    for i, phase in enumerate(phases):
        end = phases[i + 1].start if i + 1 < len(phases) else FOREVER
        if phase.status == running and end > origin:
            yield i, max(phase.start, origin), end


def moment_of(timeline: Timeline, running: str, origin: float, offset: float) -> tuple[float, int] | None:
    """When `offset` seconds of `running` time have passed since `origin`, with the index of the
    phase it falls in; None when the plan's running time ends first."""
    ran = 0.0
    for i, begin, end in _running_segments(timeline, running, origin):
        if ran + (end - begin) > offset:
            return begin + (offset - ran), i
        ran += end - begin
    return None


def running_seconds(timeline: Timeline, running: str, origin: float) -> float:
    """Seconds of `running` time the plan holds after `origin` (FOREVER if it never ends)."""
    return sum(end - begin for _, begin, end in _running_segments(timeline, running, origin))


def reached(timeline: Timeline, running: str, origin: float, offset: float) -> tuple[float, int]:
    """`moment_of`, or ValueError when the plan's running time ends before `offset`."""
    found = moment_of(timeline, running, origin, offset)
    if found is None:
        ran = running_seconds(timeline, running, origin)
        if ran == 0:
            raise ValueError("restarts: the job never runs (its outcome ends it before Running), so it cannot restart")
        raise ValueError(f"restarts: a fault at {offset:g} s of running comes after the run ends "
                         f"({ran:g} s); script a longer run (succeed@<seconds>)")
    return found


def insert_restarts(timeline: Timeline, running: str, restarting: str, origin: float,
                    offsets: tuple[float, ...], seconds: Callable[[int], float],
                    reason: Callable[[int], tuple[str, str]], first: int = 1) -> None:
    """Faults at `offsets` seconds of `running` time counted from `origin`: at each, the resource
    goes `restarting` for `seconds(k)` and then runs again; every later phase moves that much
    later, so the work still takes as long (k counts restarts from `first`; `reason(k)` is the
    Restarting phase's code and message). Raises ValueError for a fault the run does not reach."""
    for k, offset in enumerate(sorted(offsets), start=first):
        fault_at, index = reached(timeline, running, origin, offset)
        pause = seconds(k)
        code, message = reason(k)
        phases = timeline.phases
        later = [Phase(p.status, p.start + pause, p.reason_code, p.reason_message) for p in phases[index + 1:]]
        timeline.phases = phases[:index + 1] + [Phase(restarting, fault_at, code, message),
                                                Phase(running, fault_at + pause)] + later


def replan(timeline: Timeline, lifecycle: Lifecycle, start: float, now: float, outcome: Outcome,
           *, max_running: float | None = None, durations: dict[str, float] | None = None,
           terminal: set[str]) -> None:
    """Rewrite the rest of `timeline` for a new outcome; the past stays as it was.

    If the new plan agrees with what has happened so far it simply continues; if the outcome
    concerns a phase already passed (fail while Creating, but the job is Running), it takes
    effect now, in the current phase.
    """
    current = timeline.at(now)
    if current.status in terminal:
        raise ValueError(f"the resource already ended ({current.status})")
    fresh = plan(lifecycle, start, outcome, max_running=max_running, durations=durations)
    if fresh.status_at(now) == current.status:
        timeline.cut(now, [p for p in fresh.phases if p.start > now])
        return
    # The outcome's moment is gone: end (or hang) now.
    if outcome.result == "hang":
        timeline.cut(now, [])
    elif outcome.result == "succeed":
        code, msg = lifecycle.success_reason
        timeline.cut(now, [Phase(lifecycle.succeeded, now, code, msg)])
    else:
        code, msg = lifecycle.failure_reason if outcome.result == "fail" else lifecycle.timeout_reason
        timeline.cut(now, [Phase(lifecycle.failed_in.get(current.status, lifecycle.failed), now,
                                 outcome.reason_code or code, outcome.reason_message or msg)])
