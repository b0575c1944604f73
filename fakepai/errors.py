"""The one exception type handlers raise, and constructors for the error decisions of DESIGN §3.

Every decision about an undocumented error code lives here so it can be revisited in one place
when live PAI says otherwise.
"""
from __future__ import annotations


class PaiError(Exception):
    """An API error: rendered as {RequestId, HostId, Code, Message, Recommend} with `status`."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def parameter_path(path) -> str:
    """How a message names a nested parameter: `("JobSpecs", 0, "Image")` -> `JobSpecs[0].Image`
    (the notation of template constraint paths too, behavior.md §6.3)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def missing_parameter(name: str, why: str = "") -> PaiError:
    # DESIGN §3: missing required parameter -> 400 MissingParameter naming it (and, where another
    # field asks for it, which: `why`).
    return PaiError(400, "MissingParameter", f"The input parameter \"{name}\" that is mandatory for processing this "
                                             f"request is not supplied{f' ({why})' if why else ''}.")


def invalid_parameter(name: str, why: str, code: str = "InvalidParameter") -> PaiError:
    # DESIGN §3: bad type / enum / range -> 400 InvalidParameter naming the parameter and the rule.
    return PaiError(400, code, f"The parameter \"{name}\" is invalid: {why}")


def not_found(resource: str, resource_id: str, code: str | None = None) -> PaiError:
    # DESIGN §3 / behavior.md §11.1: unknown id -> 404 NotFound.<Resource>, unless the product
    # documents another code (pai-dlc answers plain `NotFound`: DLC_NOT_FOUND, docs/clients.md).
    return PaiError(404, code or f"NotFound.{resource}", f"The specified {resource} \"{resource_id}\" does not exist.")


# pai-dlc answers a wrong JobId / TensorboardId / PodId with plain `NotFound` [SKILL related-apis.md
# "Common Errors"; behavior.md §2.3]; job templates keep their own codes (NotFound.JobTemplate,
# NotFound.JobTemplateVersion), which the same table lists.
DLC_NOT_FOUND = "NotFound"


def invalid_status(message: str, code: str = "InvalidStatus") -> PaiError:
    # Observed style (behavior.md §2.3): "Job can't be stopped, because it is Stopped", HTTP 400.
    return PaiError(400, code, message)


# A DLC job asked to do what its status forbids (stop a finished job, ...) answers 400 `BadRequest`
# [SKILL job-management.md "Common Pitfalls"; behavior.md §2.3]. Other resources keep InvalidStatus.
DLC_JOB_BAD_STATE = "BadRequest"


def not_implemented(product: str, action: str) -> PaiError:
    return PaiError(501, "NotImplemented", f"fakepai does not implement {product} {action} yet.")
