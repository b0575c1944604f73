"""pai-dlc job templates: versions, constraints, and how CreateJob applies them (behavior.md §6).

A template is metadata (name, description, metadata map, workspace) plus numbered versions; each
version holds a job configuration `Content` (a JSON object string, stored and returned verbatim)
and its `Constraints` (path -> locked | overridable | required). `apply_template` is the one
function CreateJob uses to merge a template version under its request body.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

from fakepai.errors import invalid_parameter, invalid_status, missing_parameter, not_found
from fakepai.services.dlc import PRODUCT
from fakepai.services.dlc.constraint_paths import delete_path, get_path, parse_path, set_path
from fakepai.services.dlc.job_store import active_jobs_using_template
from fakepai.services.registry import Context, operation
from fakepai.state.paging import ListSpec, contains, equals
from fakepai.state.store import AccountStore
from fakepai.timestamps import iso_z

RULES = ("locked", "overridable", "required")
# behavior.md §5.3; the CreateJob schema's enum wins when it has one.
JOB_TYPES = ("TFJob", "PyTorchJob", "MPIJob", "XGBoostJob", "OneFlowJob", "ElasticBatchJob", "SlurmJob",
             "RayJob", "DataJuicerJob")
# Body keys that name the template itself rather than job configuration.
TEMPLATE_KEYS = ("TemplateId", "TemplateVersion")


@dataclass
class TemplateVersion:
    number: int
    content: str                # the JSON text exactly as the client sent it
    constraints: dict[str, str]
    created_by: str
    created: float

    def view(self) -> dict:
        return {"Version": self.number, "Content": self.content, "Constraints": dict(self.constraints),
                "CreatedBy": self.created_by, "GmtCreateTime": iso_z(self.created)}


@dataclass
class JobTemplate:
    id: str
    name: str
    workspace_id: str
    user_id: str
    created: float
    seq: int
    description: str | None = None
    metadata: dict = field(default_factory=dict)
    modified: float = 0.0
    modified_by: str = ""
    last_used: float | None = None
    default_version: int = 1
    versions: dict[int, TemplateVersion] = field(default_factory=dict)

    def summary(self) -> dict:
        """The fields every template response shares (ListJobTemplates items, GetJobTemplate)."""
        out = {
            "TemplateId": self.id, "TemplateName": self.name, "WorkspaceId": self.workspace_id,
            "Metadata": copy.deepcopy(self.metadata), "DefaultVersion": self.default_version,
            # One user per account here, so the tenant (main account) is the creating user.
            "TenantId": self.user_id, "UserId": self.user_id, "ModifiedBy": self.modified_by,
            "GmtCreateTime": iso_z(self.created), "GmtModifyTime": iso_z(self.modified),
        }
        if self.description is not None:
            out["Description"] = self.description
        # LastUsedTime is left out until a job has been created from the template [SDK].
        if self.last_used is not None:
            out["LastUsedTime"] = iso_z(self.last_used)
        return out


class JobTemplateStore(AccountStore):
    def __init__(self):
        super().__init__()
        self.templates: dict[str, JobTemplate] = {}


def _template(ctx: Context, template_id: str) -> JobTemplate:
    return ctx.lookup(ctx.store(JobTemplateStore).templates, "JobTemplate", template_id, lambda tpl: tpl.workspace_id)


def _version(tpl: JobTemplate, number: int) -> TemplateVersion:
    found = tpl.versions.get(number)
    if found is None:
        raise not_found("JobTemplateVersion", f"{tpl.id} version {number}")
    return found


# -- validation (everything is checked before anything is stored) -------------------------------

# Content is JSON text of a CreateJob body, JobType and JobSpecs required: declared in the schema
# (`x-fakepai-jsonText` -> JobTemplateContent.request, 400 InvalidParameter.Content [SKILL e80d822])
# and checked by the binder before a handler runs (fakepai/rules.py).


def parse_constraints(value) -> dict[str, str]:
    """Keys are dotted paths with [i] indices (an optional `$.` prefix), values locked | overridable |
    required, matched exactly (lower case, as documented): the schema's `keys` rule, which the binder
    has checked (400 InvalidParameter.Constraints [SKILL e80d822]). Left here: two keys naming one
    field (`$.UserCommand` and `UserCommand`), ambiguous, the same 400."""
    if value is None:
        return {}
    seen: dict = {}
    for key in value:
        path = parse_path(key)
        if path in seen:
            raise invalid_parameter("Constraints", f"{key!r} and {seen[path]!r} name the same field",
                                    code="InvalidParameter.Constraints")
        seen[path] = key
    return dict(value)


def _name(params: dict, required: bool) -> str | None:
    name = params.get("TemplateName")
    if name is None:
        if required:
            raise missing_parameter("TemplateName")
        return None
    if not name.strip():
        raise invalid_parameter("TemplateName", "must not be empty")
    return name


# -- operations ---------------------------------------------------------------------------------

@operation(PRODUCT, "CreateJobTemplate")
def create_job_template(ctx: Context, params: dict) -> dict:
    name = _name(params, required=True)
    if not params.get("WorkspaceId"):
        raise missing_parameter("WorkspaceId")
    if params.get("Content") is None:
        raise missing_parameter("Content")
    constraints = parse_constraints(params.get("Constraints"))
    store, now = ctx.store(JobTemplateStore), ctx.now()
    store.seq += 1
    tpl = JobTemplate(id=ctx.ids.prefixed("tpl", 12), name=name, workspace_id=params["WorkspaceId"],
                      user_id=ctx.user_id, created=now, modified=now, modified_by=ctx.user_id, seq=store.seq,
                      description=params.get("Description"), metadata=copy.deepcopy(params.get("Metadata") or {}))
    # A new template is version 1 and its default [SKILL e80d822 §1.4; GO examples].
    tpl.versions[1] = TemplateVersion(1, params["Content"], constraints, ctx.user_id, now)
    store.templates[tpl.id] = tpl
    out = tpl.summary()
    out.pop("ModifiedBy")     # not in CreateJobTemplate's response model
    out["Version"] = 1
    return out


_ALL = "all"
_NUMBER = re.compile(r"^[+-]?\d+$")


@operation(PRODUCT, "GetJobTemplate")
def get_job_template(ctx: Context, params: dict) -> dict:
    """Version omitted -> the default version; "<n>" -> that version; "all" -> every version."""
    tpl = _template(ctx, params["TemplateId"])
    wanted = (params.get("Version") or "").strip()
    if not wanted:
        versions = [_version(tpl, tpl.default_version)]
    elif wanted.lower() == _ALL:
        versions = [tpl.versions[n] for n in sorted(tpl.versions)]
    elif _NUMBER.match(wanted):
        versions = [_version(tpl, int(wanted))]
    else:
        raise invalid_parameter("Version", f"expected a version number or 'all', got {wanted!r}")
    out = tpl.summary()
    out["Versions"] = [v.view() for v in versions]
    out["TotalCount"] = len(versions)
    return out


LIST_TEMPLATES = ListSpec(
    PRODUCT, "ListJobTemplates",
    sort_keys={
        "GmtCreateTime": lambda t: (t.created, t.seq),
        "GmtModifyTime": lambda t: (t.modified, t.seq),
        "LastUsedTime": lambda t: (t.last_used or 0.0, t.seq),
        "TemplateName": lambda t: (t.name, t.seq),
    },
    default_sort="GmtCreateTime",
    filters={
        "WorkspaceId": equals("workspace_id"),
        "TemplateId": equals("id"),
        "TemplateName": contains("name"),
        "Description": contains("description"),
        "UserId": equals("user_id"),
    })


@operation(PRODUCT, "ListJobTemplates")
def list_job_templates(ctx: Context, params: dict) -> dict:
    chosen, total = LIST_TEMPLATES.select(params, ctx.store(JobTemplateStore).templates.values())
    return {"JobTemplates": [t.summary() for t in chosen], "TotalCount": total,
            **LIST_TEMPLATES.page_params(params)}


@operation(PRODUCT, "UpdateJobTemplate")
def update_job_template(ctx: Context, params: dict) -> dict:
    """Without Content: metadata in place, no version. With Content: version max+1, which becomes
    the default only with SetAsDefault. The body key `version` is documented as invalid: ignored."""
    tpl = _template(ctx, params["TemplateId"])
    content = params.get("Content")
    if params.get("Constraints") is not None and content is None:
        # Constraints belong to a version and cannot be updated alone [SKILL e80d822].
        raise invalid_parameter("Constraints", "Constraints can only be updated together with Content",
                                code="InvalidParameter.Constraints")
    # [INFERRED] a new version carries only the Constraints sent with it (none when omitted).
    constraints = parse_constraints(params.get("Constraints"))
    name = _name(params, required=False)
    now = ctx.now()
    if name is not None:
        tpl.name = name
    if params.get("Description") is not None:
        tpl.description = params["Description"]
    if params.get("Metadata") is not None:
        tpl.metadata = copy.deepcopy(params["Metadata"])
    created = content is not None
    if created:
        number = max(tpl.versions) + 1
        tpl.versions[number] = TemplateVersion(number, content, constraints, ctx.user_id, now)
        if params.get("SetAsDefault"):
            tpl.default_version = number
    else:
        # [INFERRED] a metadata-only update reports the current default version.
        number = tpl.default_version
    tpl.modified, tpl.modified_by = now, ctx.user_id
    return {"Version": number, "DefaultVersion": tpl.default_version, "VersionCreated": created,
            "GmtModifyTime": iso_z(now)}


@operation(PRODUCT, "SetJobTemplateDefaultVersion")
def set_job_template_default_version(ctx: Context, params: dict) -> dict:
    tpl = _template(ctx, params["TemplateId"])
    number = params.get("Version")
    if number is None:
        raise missing_parameter("Version")
    if isinstance(number, bool) or not isinstance(number, int):
        raise invalid_parameter("Version", "expected an integer version number")
    _version(tpl, number)
    now = ctx.now()
    tpl.default_version = number
    tpl.modified, tpl.modified_by = now, ctx.user_id
    return {"DefaultVersion": number, "GmtModifyTime": iso_z(now)}


@operation(PRODUCT, "DeleteJobTemplate")
def delete_job_template(ctx: Context, params: dict) -> dict:
    tpl = _template(ctx, params["TemplateId"])
    # "You cannot delete a job template that is in use by a job" [DOC deletejobtemplate]; we block
    # only while a non-terminal job created from it exists ([INFERRED], behavior.md §6.2).
    in_use = active_jobs_using_template(ctx, tpl.id)
    if in_use:
        raise invalid_status(f"JobTemplate can't be deleted, because it is used by running job(s) {', '.join(in_use)}")
    del ctx.store(JobTemplateStore).templates[tpl.id]
    return {"TemplateId": tpl.id}


# -- CreateJob with a template --------------------------------------------------------------------

def apply_template(ctx: Context, template_id: str, template_version: int | None, body: dict) -> tuple[dict, str, str]:
    """The CreateJob body merged over a template version: (merged body, TemplateId, TemplateName).

    The version is `template_version` or the template's DefaultVersion; its Content is the base.
    Top-level body fields replace the template's wholesale ([INFERRED], behavior.md §6.3), then each
    Constraints path is settled as a leaf:
      locked      -> the template's value, whatever the caller sent (DESIGN §3: silently, no error);
      overridable -> the caller's value when given, else the template's;
      required    -> like overridable, but when neither has a value: 400 MissingParameter(path).
    Only what the caller actually sent counts as given: binding fills schema defaults (Priority 1,
    SuccessPolicy AllWorkers) in, and those must not override the template (`Params.supplied`).
    Raises 404 NotFound.JobTemplate / NotFound.JobTemplateVersion. Does NOT touch LastUsedTime:
    call `mark_template_used` once the job has actually been created.
    """
    tpl = _template(ctx, template_id)
    version = _version(tpl, tpl.default_version if template_version is None else template_version)
    base = json.loads(version.content)
    given = _given(body)
    merged = copy.deepcopy(base)
    merged.update(copy.deepcopy(given))
    for key, rule in version.constraints.items():
        path = parse_path(key)
        has_tpl, tpl_value = get_path(base, path)
        has_caller, caller_value = get_path(given, path)
        if rule == "locked":
            if has_tpl:
                set_path(merged, path, copy.deepcopy(tpl_value))
            else:
                delete_path(merged, path)
        elif has_caller:
            set_path(merged, path, copy.deepcopy(caller_value))
        elif has_tpl:
            set_path(merged, path, copy.deepcopy(tpl_value))
        elif rule == "required":
            raise missing_parameter(key)
    return merged, tpl.id, tpl.name


def _given(body: dict) -> dict:
    """The body's job fields that the caller actually set: `body` is bound (its `supplied`, apply_template)."""
    return {key: value for key, value in body.items()
            if key not in TEMPLATE_KEYS and value is not None and key in body.supplied}


def mark_template_used(ctx: Context, template_id: str) -> None:
    """Record that a job was just created from the template (its LastUsedTime) [SDK]."""
    tpl = ctx.store(JobTemplateStore).templates.get(template_id)
    if tpl is not None:
        tpl.last_used = ctx.now()
