"""Status vocabularies the response schemas leave open (they type `Status` as a plain string).

A status value outside its product's vocabulary — including the same name with different casing —
is a contract failure: clients compare these strings exactly (alipai's `TrainingJobStatus`,
DLC's completed-status sets). Sources are behavior.md's sections named beside each set.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator


# behavior.md §4.4 (PAISDK TrainingJobStatus): note `Succeed`, and `Terminated` after a stop.
PAISTUDIO_TRAINING_JOB = frozenset({"Creating", "Created", "Initializing", "Submitted", "Running", "Succeed",
                                    "Failed", "Terminated", "CreateFailed", "InitializeFailed"})
# behavior.md §5.2: the 13 SDK values plus `Dequeued` from the older SDK.
DLC_JOB = frozenset({"Creating", "Queuing", "Bidding", "EnvPreparing", "SanityChecking", "Running", "Restarting",
                     "Stopping", "SucceededReserving", "FailedReserving", "Succeeded", "Failed", "Stopped", "Dequeued"})
# behavior.md §5.2 (Pods[].Status).
DLC_POD = frozenset({"Pending", "Running", "Succeeded", "Failed", "Unknown"})
# behavior.md §7 + DESIGN §3 (capital initial; live casing is an open question, behavior.md §11.6 — a live
# "running" shows up here as a finding, which is exactly the drift to record).
DLC_TENSORBOARD = frozenset({"Pending", "Creating", "Running", "Stopping", "Stopped", "Succeeded", "Failed",
                             "Creating_Failed", "Deleting", "Deleted"})
# behavior.md §8: 0 queued, 1 submitted, 2 running, 3 succeeded, 4 failed.
PAIPLUGIN_TRAINING_JOB = frozenset({0, 1, 2, 3, 4})


_RULES: dict[tuple[str, str], list[tuple[str, frozenset]]] = {
    ("PaiStudio", "GetTrainingJob"): [("$.Status", PAISTUDIO_TRAINING_JOB),
                                      ("$.StatusTransitions[*].Status", PAISTUDIO_TRAINING_JOB)],
    ("PaiStudio", "ListTrainingJobs"): [("$.TrainingJobs[*].Status", PAISTUDIO_TRAINING_JOB),
                                        ("$.TrainingJobs[*].StatusTransitions[*].Status", PAISTUDIO_TRAINING_JOB)],
    ("pai-dlc", "GetJob"): [("$.Status", DLC_JOB), ("$.StatusHistory[*].Status", DLC_JOB),
                            ("$.Pods[*].Status", DLC_POD)],
    ("pai-dlc", "ListJobs"): [("$.Jobs[*].Status", DLC_JOB), ("$.Jobs[*].StatusHistory[*].Status", DLC_JOB),
                              ("$.Jobs[*].Pods[*].Status", DLC_POD)],
    ("pai-dlc", "GetTensorboard"): [("$.Status", DLC_TENSORBOARD)],
    ("pai-dlc", "ListTensorboards"): [("$.Tensorboards[*].Status", DLC_TENSORBOARD)],
    ("PaiPlugin", "GetTrainingJob"): [("$.Data.Status", PAIPLUGIN_TRAINING_JOB)],
    ("PaiPlugin", "CreateTrainingJob"): [("$.Data.Status", PAIPLUGIN_TRAINING_JOB)],
    ("PaiPlugin", "ListTrainingJobs"): [("$.Data.TrainingJobs[*].Status", PAIPLUGIN_TRAINING_JOB)],
}


def values_at(doc: Any, pattern: str) -> Iterator[tuple[str, Any]]:
    """(concrete path, value) for a `$.A[*].B` pattern; absent fields yield nothing."""
    items: list[tuple[str, Any]] = [("$", doc)]
    for part in pattern[2:].split("."):
        star = part.endswith("[*]")
        name = part[:-3] if star else part
        nxt: list[tuple[str, Any]] = []
        for path, node in items:
            if not isinstance(node, dict) or name not in node:
                continue
            child, cpath = node[name], f"{path}.{name}"
            if star:
                if isinstance(child, list):
                    nxt.extend((f"{cpath}[{i}]", v) for i, v in enumerate(child))
            else:
                nxt.append((cpath, child))
        items = nxt
    return iter(items)


def known_statuses(product: str, action: str) -> list[tuple[str, frozenset]]:
    return _RULES.get((product, action), [])


# ------------------------------------------------------------------------------- error answers
# What each kind of failure answers, per product: the one place the kit's error expectations live.

@dataclass(frozen=True)
class ExpectedError:
    status: int
    codes: frozenset = frozenset()        # exact codes
    families: tuple[str, ...] = ()        # code prefixes ("InvalidParameter" covers "InvalidParameter.TooLarge")

    def accepts(self, status: int, code: str | None) -> bool:
        if status != self.status:
            return False
        if not self.codes and not self.families:
            return True
        return bool(code) and (code in self.codes or code.startswith(self.families))

    def describe(self) -> str:
        names = sorted(self.codes) + [f + "*" for f in self.families]
        return f"{self.status} {' | '.join(names) or '(any code)'}"


_INVALID = ExpectedError(400, families=("InvalidParameter",))        # behavior.md §2.3 [SKILL]
_MISSING = ExpectedError(400, families=("MissingParameter",))        # behavior.md §2.3 (generic gateway list)
# A required parameter sent empty: missing to some gateways, a bad value to others [INFERRED].
_EMPTY_REQUIRED = ExpectedError(400, families=("MissingParameter", "InvalidParameter"))
_NOT_FOUND_FAMILY = ExpectedError(404, codes=frozenset({"NotFound"}), families=("NotFound.",))  # [INFERRED] behavior.md §2.3
# pai-dlc follows behavior.md §2.3 (docs/clients.md "Error codes"): an unknown JobId, TensorboardId or
# PodId is 404 `NotFound`, job templates keep their documented codes; an illegal DLC job transition
# (StopJob on a finished job) is 400 `BadRequest` [SKILL related-apis.md, job-management.md].
ERRORS: dict[str, dict[str, ExpectedError]] = {
    "PaiStudio": {"missing": _MISSING, "invalid": _INVALID, "empty-required": _EMPTY_REQUIRED, "not-found": _NOT_FOUND_FAMILY,
                  "illegal-state": ExpectedError(400)},
    "pai-dlc": {"missing": _MISSING, "invalid": _INVALID, "empty-required": _EMPTY_REQUIRED,
                "not-found": ExpectedError(404, codes=frozenset({"NotFound", "NotFound.JobTemplate", "NotFound.JobTemplateVersion"})),
                "illegal-state": ExpectedError(400, codes=frozenset({"BadRequest"}))},
    "PaiPlugin": {"missing": _MISSING, "invalid": _INVALID, "empty-required": _EMPTY_REQUIRED, "not-found": _NOT_FOUND_FAMILY,
                  "illegal-state": ExpectedError(400)},
}


def expected_error(product: str, failure: str) -> ExpectedError:
    """`failure`: missing | invalid | empty-required | not-found | illegal-state."""
    return ERRORS[product][failure]
