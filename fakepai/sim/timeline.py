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

FOREVER = float("inf")


@dataclass(slots=True)
class Phase:
    status: str
    start: float
    reason_code: str | None = None
    reason_message: str | None = None


@dataclass(slots=True)
class Outcome:
    """How a scripted resource ends. Accepted spellings come from the control plane, labels and env.

    result:  succeed | fail | hang | timeout
    after:   seconds spent in the phase the outcome concerns (Running for succeed/fail by default)
    phase:   the status in which to fail or hang
    reason_code / reason_message / error_info: what a failure reports
    """

    result: str = "succeed"
    after: float | None = None
    phase: str | None = None
    reason_code: str | None = None
    reason_message: str | None = None
    error_info: dict | None = None

    RESULTS = ("succeed", "fail", "hang", "timeout")

    @classmethod
    def parse(cls, spec: dict | None) -> "Outcome":
        if not spec:
            return cls()
        if not isinstance(spec, dict):
            raise ValueError("an outcome is a JSON object")
        result = str(spec.get("result", spec.get("outcome", "succeed"))).lower()
        aliases = {"success": "succeed", "succeeded": "succeed", "failure": "fail", "failed": "fail"}
        result = aliases.get(result, result)
        if result not in cls.RESULTS:
            raise ValueError(f"result must be one of {', '.join(cls.RESULTS)}")
        after = spec.get("after", spec.get("afterSeconds"))
        if after is not None:
            after = float(after)
            if after < 0:
                raise ValueError("after must be >= 0")
        info = spec.get("errorInfo", spec.get("error_info"))
        if info is not None and not isinstance(info, dict):
            raise ValueError("errorInfo must be an object")
        return cls(result=result, after=after, phase=spec.get("phase"),
                   reason_code=spec.get("reasonCode", spec.get("reason_code")),
                   reason_message=spec.get("reasonMessage", spec.get("reason_message")),
                   error_info=info)

    @classmethod
    def from_tag(cls, text: str) -> "Outcome":
        """The creation-time convention: a label/tag `fakepai.outcome` on the resource.

        Either a JSON object (the control plane's spec) or the short form
        `<result>[:<phase>][@<seconds>]`, e.g. `fail`, `fail:Initializing`, `hang:Queuing`,
        `succeed@30`, `fail:Running@12`, `timeout`.
        """
        text = (text or "").strip()
        if text.startswith("{"):
            import json
            try:
                return cls.parse(json.loads(text))
            except ValueError as e:
                raise ValueError(f"fakepai.outcome: {e}")
        after = None
        if "@" in text:
            text, _, seconds = text.partition("@")
            after = seconds
        result, _, phase = text.partition(":")
        spec = {"result": result or "succeed"}
        if phase:
            spec["phase"] = phase
        if after is not None:
            try:
                spec["after"] = float(after)
            except ValueError:
                raise ValueError(f"fakepai.outcome: {after!r} is not a number of seconds")
        return cls.parse(spec)


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
    phases: list[Phase] = []
    t = start
    for status, default in lifecycle.steps:
        duration = configured_seconds(status, durations.get(status, default))
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
