"""A scripted outcome: how a resource ends, as the control plane, a label, a tag or an env spells it.

The grammar is read here, below the simulation, because the request validator reads it too: the
schemas declare the outcome tag with `x-fakepai-outcome` (fakepai/rules.py), so a tag the
simulation would refuse is refused by the binder, naming the tag, before any handler runs. The
timeline (fakepai/sim/timeline.py) plans what an `Outcome` says.
"""
from __future__ import annotations

from dataclasses import dataclass

from fakepai import jsontext

TAG = "fakepai.outcome"          # the label / tag / env name that scripts a resource at creation

# The longest a scripted outcome may wait (ten years): plans stay within what timestamps, log
# arithmetic and clients can show. Longer is what `hang` is for.
MAX_SECONDS = 10 * 365 * 24 * 3600.0


def unknown_phase(phase: str | None, phases: list[str]) -> str | None:
    """Why an outcome's `phase` would never apply (None for no phase or one of `phases`): a
    resource that never enters it would never meet the outcome, so it is refused, not ignored."""
    if phase is None or phase in phases:
        return None
    return f"phase {phase!r} is not one this resource goes through; known: {', '.join(phases)}"


@dataclass(slots=True)
class Outcome:
    """How a scripted resource ends. Accepted spellings come from the control plane, labels and env.

    result:  succeed | fail | hang | timeout
    after:   seconds spent in the phase the outcome concerns (Running for succeed/fail by default)
    phase:   the status in which to fail or hang
    reason_code / reason_message / error_info: what a failure reports
    restarts: faults the resource recovers from by restarting (DLC jobs only: the `restartable`
             parse): a count, spread evenly over the run, or seconds of running at which each
             fault hits (see `insert_restarts`)
    """

    result: str = "succeed"
    after: float | None = None
    phase: str | None = None
    reason_code: str | None = None
    reason_message: str | None = None
    error_info: dict | None = None
    restarts: int | tuple[float, ...] | None = None

    RESULTS = ("succeed", "fail", "hang", "timeout")
    KEYS = frozenset({"result", "outcome", "after", "afterSeconds", "phase", "reasonCode", "reason_code",
                      "reasonMessage", "reason_message", "errorInfo", "error_info", "restarts"})

    @classmethod
    def parse(cls, spec: dict | None, *, restartable: bool = False) -> "Outcome":
        if not spec:
            return cls()
        if not isinstance(spec, dict):
            raise ValueError("an outcome is a JSON object")
        unknown = sorted(set(spec) - cls.KEYS)
        if unknown:     # a misspelt key would otherwise be ignored and the test pass for nothing
            raise ValueError(f"unknown outcome keys {unknown}; known: {', '.join(sorted(cls.KEYS))}")
        result = str(spec.get("result", spec.get("outcome", "succeed"))).lower()
        aliases = {"success": "succeed", "succeeded": "succeed", "failure": "fail", "failed": "fail"}
        result = aliases.get(result, result)
        if result not in cls.RESULTS:
            raise ValueError(f"result must be one of {', '.join(cls.RESULTS)}")
        after = spec.get("after", spec.get("afterSeconds"))
        if after is not None:
            if isinstance(after, bool) or not isinstance(after, (int, float, str)):
                raise ValueError("after must be a number of seconds")
            try:
                after = float(after)
            except ValueError:
                raise ValueError(f"after: {after!r} is not a number of seconds")
            if not 0 <= after <= MAX_SECONDS:          # also refuses NaN and infinities
                raise ValueError(f"after must be 0..{MAX_SECONDS:.0f} seconds")
        info = spec.get("errorInfo", spec.get("error_info"))
        if info is not None and not isinstance(info, dict):
            raise ValueError("errorInfo must be an object")
        texts = {}
        for name, keys in (("phase", ("phase",)), ("reason_code", ("reasonCode", "reason_code")),
                           ("reason_message", ("reasonMessage", "reason_message"))):
            value = next((spec[k] for k in keys if spec.get(k) is not None), None)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{keys[0]} must be a string")
            texts[name] = value
        restarts = spec.get("restarts")
        if restarts is not None:
            if not restartable:
                raise ValueError("restarts: only DLC jobs restart after a fault (AIMaster fault tolerance)")
            restarts = _restarts(restarts)
        return cls(result=result, after=after, error_info=info, restarts=restarts, **texts)

    @classmethod
    def from_tag(cls, text: str, *, restartable: bool = False) -> "Outcome":
        """The creation-time convention: a label/tag `fakepai.outcome` on the resource.

        Either a JSON object (the control plane's spec) or the short form
        `<result>[:<phase>][@<seconds>][+restarts=<count> | +restarts=<s>s,<s>s...]`, e.g. `fail`,
        `fail:Initializing`, `hang:Queuing`, `succeed@30`, `fail:Running@12`, `timeout`,
        `succeed@600+restarts=2`.
        """
        text = (text or "").strip()
        if text.startswith("{"):
            return cls.parse(jsontext.loads(text), restartable=restartable)
        text, plus, extra = text.partition("+")
        restarts = None
        if plus:
            key, _, restarts = extra.partition("=")
            if key.strip() != "restarts" or not restarts:
                raise ValueError(f"{extra!r} is not restarts=<count> or restarts=<s>s,<s>s...")
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
                raise ValueError(f"{after!r} is not a number of seconds")
        if restarts is not None:
            spec["restarts"] = restarts
        return cls.parse(spec, restartable=restartable)


MAX_RESTARTS = 100      # scripted faults per outcome: ten times the default cap, and bounded work


def _restarts(value) -> int | tuple[float, ...]:
    """A count (`2`, `"2"`) or the seconds of running at which faults hit (`[30, 90]`, `"30s,90s"`)."""
    if isinstance(value, str):
        text, parts = value, [p.strip() for p in value.split(",") if p.strip()]
        try:
            if len(parts) == 1 and parts[0].isdigit():
                value = int(parts[0])
            elif parts and all(p.endswith("s") for p in parts):
                value = [float(p[:-1]) for p in parts]
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"restarts: {text!r} is neither a count (2) nor seconds of running (30s,90s)")
    if isinstance(value, bool):
        raise ValueError("restarts must be a count or a list of seconds")
    if isinstance(value, int):
        if not 0 <= value <= MAX_RESTARTS:
            raise ValueError(f"restarts must be 0..{MAX_RESTARTS}")
        return value
    if isinstance(value, list) and len(value) > MAX_RESTARTS:
        raise ValueError(f"restarts: at most {MAX_RESTARTS} faults")
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        if not all(0 < v <= MAX_SECONDS for v in value):     # also refuses NaN and infinities
            raise ValueError(f"restarts: every fault time must be in 0..{MAX_SECONDS:.0f} seconds of running")
        if len(set(value)) < len(value):
            raise ValueError("restarts: two faults at the same moment; one fault restarts the job once")
        return tuple(sorted(float(v) for v in value))
    raise ValueError("restarts must be a count or a non-empty list of seconds")
