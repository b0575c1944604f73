"""PaiStudio algorithms and algorithm versions (behavior.md §4.8), and how a training job
resolves its algorithm.

Create/Update of algorithms and versions arrive form-encoded, `AlgorithmSpec` as a JSON string
(the wire layer decodes both). Response casing quirks come from the schemas' `requestIdField`:
`requestId` in DeleteAlgorithm, none at all in Create/Get/UpdateAlgorithmVersion.

Decisions where the reference is silent [INFERRED]:
- AlgorithmName is required and unique per workspace (duplicates -> 400 InvalidParameter);
- an AlgorithmSpec needs Command, Image and JobType (the model's required fields);
- deleting an algorithm deletes its versions; ListAlgorithms is newest first and ListAlgorithmVersions
  oldest first (alipai reads its last item as the latest [PAISDK]), PageSize 1..100 default 10;
- provider `pai` names fakepai's small built-in catalogue (`BUILTIN`), readable through Get/List
  and usable by CreateTrainingJob but not writable (403 Forbidden). A job that names an algorithm
  without a provider resolves the caller's own algorithm first, then the built-in one;
- a job that names no AlgorithmVersion gets the algorithm's newest version.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter

from fakepai import jsontext
from fakepai.catalog import default_catalog
from fakepai.errors import PaiError, invalid_parameter, missing_parameter, not_found
from fakepai.services.paistudio import PRODUCT, hyperparameters
from fakepai.services.registry import Context, operation
from fakepai.state.paging import ListSpec, contains, equals
from fakepai.state.store import AccountStore
from fakepai.timestamps import iso_z

PAI = "pai"


@dataclass
class AlgorithmVersion:
    version: str
    spec: dict
    created: float
    modified: float


@dataclass
class Algorithm:
    id: str
    name: str
    workspace_id: str | None
    display_name: str | None
    description: str | None
    created: float
    modified: float
    user_id: str | None
    provider: str | None = None
    versions: dict[str, AlgorithmVersion] = field(default_factory=dict)   # in creation order


class AlgorithmStore(AccountStore):
    def __init__(self):
        super().__init__()
        self.algorithms: dict[str, Algorithm] = {}

    def named(self, name: str, workspace_id: str | None) -> Algorithm | None:
        """The caller's algorithm called `name`: in `workspace_id` first, else one with no workspace."""
        matches = [a for a in self.algorithms.values() if a.name == name]
        for algo in matches:
            if algo.workspace_id == workspace_id:
                return algo
        return next((a for a in matches if not a.workspace_id), None)


# --- the built-in catalogue (provider `pai`) ------------------------------------------------
# fakepai's own small catalogue, not a copy of PAI's: enough for jobs that name a PAI-provided
# algorithm to get definitions, metrics and progress. Times are fixed so responses are stable.
_BUILTIN_TIME = 1672531200.0   # 2023-01-01T00:00:00Z
_LOSS = r".*loss=([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"
_BUILTIN_SPECS = {
    ("algo-pytorchddp1", "pytorch_ddp", "PyTorch distributed data-parallel training"): {
        "Command": ["python", "-m", "torch.distributed.run", "/ml/usercode/train.py"],
        "Image": "pai-image/pytorch-training:2.1-gpu-py310-cu121",
        "JobType": "PyTorchJob",
        "SupportsDistributedTraining": True,
        "HyperParameters": [
            {"Name": "lr", "Type": "Float", "DefaultValue": "0.001", "Description": "learning rate",
             "Range": {"Minimum": "0", "ExclusiveMinimum": True, "Maximum": "1"}},
            {"Name": "epochs", "Type": "Int", "Description": "training epochs", "Range": {"Minimum": "1", "Maximum": "1000"}},
            {"Name": "batch_size", "Type": "Int", "Range": {"Enum": ["16", "32", "64", "128"]}},
        ],
        "MetricDefinitions": [{"Name": "loss", "Regex": _LOSS, "Description": "training loss"},
                              {"Name": "accuracy", "Regex": r".*accuracy=([0-9]*\.?[0-9]+).*"}],
        "ProgressDefinitions": {"OverallProgress": {"Regex": r".*progress=([0-9]*\.?[0-9]+).*"},
                                "RemainingTime": {"Regex": r".*remaining=([0-9]+)s.*"}},
        "InputChannels": [{"Name": "train", "Required": False}],
        "OutputChannels": [{"Name": "model", "Required": True}, {"Name": "checkpoints"}],
    },
    ("algo-xgboostcls1", "xgboost_classification", "XGBoost binary classification"): {
        "Command": ["python", "/ml/usercode/xgb_train.py"],
        "Image": "pai-image/xgboost:1.7-cpu-py310",
        "JobType": "XGBoostJob",
        "HyperParameters": [
            {"Name": "num_round", "Type": "Int", "DefaultValue": "100", "Range": {"Minimum": "1", "Maximum": "10000"}},
            {"Name": "max_depth", "Type": "Int", "DefaultValue": "6", "Range": {"Minimum": "1", "Maximum": "20"}},
            {"Name": "eta", "Type": "Float", "DefaultValue": "0.3", "Range": {"Minimum": "0", "Maximum": "1"}},
            {"Name": "objective", "Type": "String", "DefaultValue": "binary:logistic",
             "Range": {"Enum": ["binary:logistic", "binary:hinge", "reg:squarederror"]}},
        ],
        "MetricDefinitions": [{"Name": "validation-logloss", "Regex": r".*validation-logloss:([0-9]*\.?[0-9]+).*"}],
        "InputChannels": [{"Name": "train", "Required": True}, {"Name": "validation"}],
        "OutputChannels": [{"Name": "model", "Required": True}],
    },
}


@lru_cache(maxsize=1)
def builtins() -> dict[str, Algorithm]:
    out = {}
    for (algo_id, name, description), spec in _BUILTIN_SPECS.items():
        algo = Algorithm(algo_id, name, None, name, description, _BUILTIN_TIME, _BUILTIN_TIME, None, PAI)
        for i, version in enumerate(("v0.1.0", "v1.0.0")):
            when = _BUILTIN_TIME + i * 86400
            algo.versions[version] = AlgorithmVersion(version, spec, when, when)
        out[algo_id] = algo
    return out


@lru_cache(maxsize=1)
def _builtins_by_name() -> dict[str, Algorithm]:
    """The built-in catalogue by name (the first of a name, as a scan of `builtins()` finds it): a
    job naming one looks it up without a scan (calls per request, benchmarks/README.md)."""
    out: dict[str, Algorithm] = {}
    for algo in builtins().values():
        out.setdefault(algo.name, algo)
    return out


def _algorithm(ctx: Context, algo_id: str, *, write: bool = False) -> Algorithm:
    """The caller's or a PAI-provided algorithm; 403 Forbidden.RAM for one in a workspace the key may
    not use (so its versions are out of reach too)."""
    algo = ctx.store(AlgorithmStore).algorithms.get(algo_id)
    if algo is not None:
        ctx.check_workspace(algo.workspace_id)
        return algo
    if algo_id in builtins():
        if write:
            raise PaiError(403, "Forbidden", f"The algorithm {algo_id} is provided by pai and cannot be modified.")
        return builtins()[algo_id]
    raise not_found("Algorithm", algo_id)


def _version(algo: Algorithm, version: str) -> AlgorithmVersion:
    found = algo.versions.get(version)
    if found is None:
        raise not_found("AlgorithmVersion", f"{algo.id}/{version}")
    return found


def _drop_none(body: dict) -> dict:
    return {k: v for k, v in body.items() if v is not None}


# AlgorithmProvider is always present: alipai reads `AlgorithmProvider` of a version unconditionally
# (AlgorithmEstimator.__init__) [PAISDK]; for the caller's own algorithms it is empty [INFERRED], which
# CreateTrainingJob reads as "my own" (docs/clients.md).
def _algorithm_view(algo: Algorithm, item: bool = False) -> dict:
    body = {"AlgorithmId": algo.id, "AlgorithmName": algo.name, "AlgorithmProvider": algo.provider or "",
            "AlgorithmDescription": algo.description, "DisplayName": algo.display_name,
            "GmtCreateTime": iso_z(algo.created), "GmtModifiedTime": iso_z(algo.modified),
            "UserId": algo.user_id, "WorkspaceId": algo.workspace_id}
    if not item:
        body["TenantId"] = algo.user_id     # GetAlgorithm only; the list item has no TenantId [SDK-ST]
    return _drop_none(body)


def _version_view(algo: Algorithm, version: AlgorithmVersion, with_spec: bool) -> dict:
    body = {"AlgorithmId": algo.id, "AlgorithmName": algo.name, "AlgorithmProvider": algo.provider or "",
            "AlgorithmVersion": version.version, "GmtCreateTime": iso_z(version.created),
            "GmtModifiedTime": iso_z(version.modified), "TenantId": algo.user_id, "UserId": algo.user_id}
    if with_spec:
        body["AlgorithmSpec"] = copy.deepcopy(version.spec)
    return _drop_none(body)


# --- AlgorithmSpec ----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _spec_fields() -> tuple:
    """The AlgorithmSpec model's schema and a resolver for it (from the response schema), for
    dropping unknown keys; built once, as the catalog is."""
    op = default_catalog().get(PRODUCT, "GetAlgorithmVersion")
    return op.response_schema["properties"]["AlgorithmSpec"], op.registry.resolver()


def _known_only(value, schema, resolver):
    """`value` without keys its schema does not name (the gateway ignores unknown fields)."""
    while "$ref" in schema:
        schema = resolver.lookup(schema["$ref"]).contents
    if isinstance(value, dict) and "properties" in schema:
        return {k: _known_only(v, schema["properties"][k], resolver) for k, v in value.items()
                if k in schema["properties"] and v is not None}
    if isinstance(value, list) and "items" in schema:
        return [_known_only(v, schema["items"], resolver) for v in value]
    return value


def validate_algorithm_spec(spec, where: str = "AlgorithmSpec", *, require_core: bool = True) -> dict:
    """Check an AlgorithmSpec and return it without unknown keys."""
    if not isinstance(spec, dict):
        raise invalid_parameter(where, "expected a JSON object")
    if require_core:
        for key in ("Command", "Image", "JobType"):     # required in the AlgorithmSpec model [SDK-ST]
            if not spec.get(key):
                raise missing_parameter(f"{where}.{key}")
    hyperparameters.validate_spec(spec, where)
    schema, resolver = _spec_fields()
    return _known_only(copy.deepcopy(spec), schema, resolver)


# --- algorithms -------------------------------------------------------------------------------

@operation(PRODUCT, "CreateAlgorithm")
def create_algorithm(ctx: Context, params: dict) -> dict:
    name = params["AlgorithmName"]                 # required, not empty: the schema's
    workspace = params.get("WorkspaceId")
    if any(a.name == name and a.workspace_id == workspace for a in ctx.store(AlgorithmStore).algorithms.values()):
        raise invalid_parameter("AlgorithmName", f"an algorithm named {name!r} already exists in this workspace")
    now = ctx.now()
    algo = Algorithm(id=ctx.ids.prefixed("algo-", 11), name=name, workspace_id=workspace,
                     display_name=params.get("DisplayName"), description=params.get("AlgorithmDescription"),
                     created=now, modified=now, user_id=ctx.user_id)
    ctx.store(AlgorithmStore).algorithms[algo.id] = algo
    return {"AlgorithmId": algo.id}


@operation(PRODUCT, "GetAlgorithm")
def get_algorithm(ctx: Context, params: dict) -> dict:
    return _algorithm_view(_algorithm(ctx, params["AlgorithmId"]))


# DESIGN §3: unpublished paging defaults, PageNumber 1, PageSize 10 (1..100) -- in the schemas.
LIST_ALGORITHMS = ListSpec(
    PRODUCT, "ListAlgorithms",
    sort_keys={"GmtCreateTime": lambda a: (a.created, a.id)},       # newest first
    default_sort="GmtCreateTime",
    filters={
        "AlgorithmId": equals("id"),
        "AlgorithmName": contains("name"),       # DESIGN §3: case-insensitive substring
        "AlgorithmProvider": lambda a, v: (a.provider or "").lower() == v.lower(),
        "WorkspaceId": lambda a, v: a.workspace_id in (v, None),
    })


@operation(PRODUCT, "ListAlgorithms")
def list_algorithms(ctx: Context, params: dict) -> dict:
    provider = params.get("AlgorithmProvider")
    source = builtins().values() if (provider or "").lower() == PAI else ctx.store(AlgorithmStore).algorithms.values()
    where = [] if params.get("WorkspaceId") else [lambda a: ctx.may_use_workspace(a.workspace_id)]
    chosen, total = LIST_ALGORITHMS.select(params, source, where=where)
    return {"Algorithms": [_algorithm_view(a, item=True) for a in chosen], "TotalCount": total}


@operation(PRODUCT, "UpdateAlgorithm")
def update_algorithm(ctx: Context, params: dict) -> dict:
    algo = _algorithm(ctx, params["AlgorithmId"], write=True)
    if params.get("DisplayName") is not None:
        algo.display_name = params["DisplayName"]
    if params.get("AlgorithmDescription") is not None:
        algo.description = params["AlgorithmDescription"]
    algo.modified = ctx.now()
    return {"AlgorithmId": algo.id}


@operation(PRODUCT, "DeleteAlgorithm")
def delete_algorithm(ctx: Context, params: dict) -> dict:
    algo = _algorithm(ctx, params["AlgorithmId"], write=True)
    del ctx.store(AlgorithmStore).algorithms[algo.id]           # its versions go with it [INFERRED]
    return {}


# --- versions ---------------------------------------------------------------------------------

def _spec_param(params: dict) -> dict:
    if params.get("AlgorithmSpec") is None:
        raise missing_parameter("AlgorithmSpec")
    return validate_algorithm_spec(params["AlgorithmSpec"])


@operation(PRODUCT, "CreateAlgorithmVersion")
def create_algorithm_version(ctx: Context, params: dict) -> dict:
    algo = _algorithm(ctx, params["AlgorithmId"], write=True)
    version = params["AlgorithmVersion"]
    spec = _spec_param(params)
    if version in algo.versions:
        raise invalid_parameter("AlgorithmVersion", f"version {version!r} already exists")
    now = ctx.now()
    algo.versions[version] = AlgorithmVersion(version, spec, now, now)
    algo.modified = now
    return {"AlgorithmId": algo.id, "AlgorithmVersion": version}


@operation(PRODUCT, "GetAlgorithmVersion")
def get_algorithm_version(ctx: Context, params: dict) -> dict:
    algo = _algorithm(ctx, params["AlgorithmId"])
    return _version_view(algo, _version(algo, params["AlgorithmVersion"]), with_spec=True)


# Oldest first: alipai takes the LAST item as the latest version [PAISDK pai/estimator.py
# AlgorithmEstimator._get_algo_version, `items[-1]`]. Stable on ties: creation order.
LIST_ALGORITHM_VERSIONS = ListSpec(
    PRODUCT, "ListAlgorithmVersions",
    sort_keys={"GmtCreateTime": lambda v: v.created}, default_sort="GmtCreateTime", default_order="asc")


@operation(PRODUCT, "ListAlgorithmVersions")
def list_algorithm_versions(ctx: Context, params: dict) -> dict:
    algo = _algorithm(ctx, params["AlgorithmId"])
    chosen, total = LIST_ALGORITHM_VERSIONS.select(params, algo.versions.values())
    return {"AlgorithmVersions": [_version_view(algo, v, with_spec=False) for v in chosen], "TotalCount": total}


@operation(PRODUCT, "UpdateAlgorithmVersion")
def update_algorithm_version(ctx: Context, params: dict) -> dict:
    algo = _algorithm(ctx, params["AlgorithmId"], write=True)
    version = _version(algo, params["AlgorithmVersion"])
    version.spec = _spec_param(params)
    version.modified = algo.modified = ctx.now()
    return {"AlgorithmId": algo.id, "AlgorithmVersion": version.version}


@operation(PRODUCT, "DeleteAlgorithmVersion")
def delete_algorithm_version(ctx: Context, params: dict) -> dict:
    algo = _algorithm(ctx, params["AlgorithmId"], write=True)
    _version(algo, params["AlgorithmVersion"])
    del algo.versions[params["AlgorithmVersion"]]
    return {}


# --- CreateTrainingJob ------------------------------------------------------------------------

def _named_algorithm(ctx: Context, params: dict) -> Algorithm:
    name, provider = params["AlgorithmName"], (params.get("AlgorithmProvider") or "").lower()
    if provider and provider != PAI:
        raise not_found("Algorithm", f"{params['AlgorithmProvider']}/{name}")
    own = None if provider == PAI else ctx.store(AlgorithmStore).named(name, params.get("WorkspaceId"))
    if own is not None:
        return own
    builtin = _builtins_by_name().get(name)
    if builtin is None:
        raise not_found("Algorithm", name)
    return builtin


def resolve_for_job(ctx: Context, params: dict) -> tuple[dict | None, dict]:
    """(the resolved algorithm record or None, the job spec to store).

    An inline AlgorithmSpec is checked like a version's (definitions only: Command/Image/JobType
    stay the client's business for temporary algorithms). A named algorithm resolves to a
    registered version. Either way the job's HyperParameters are checked against the
    definitions and defaults are filled. Raises before anything is stored.
    """
    spec = jsontext.copy(params)       # a plain dict: the job keeps it, not the binder's Params
    if params.get("AlgorithmSpec") is not None:
        spec["AlgorithmSpec"] = validate_algorithm_spec(params["AlgorithmSpec"], require_core=False)
        spec["HyperParameters"] = hyperparameters.apply_to_job(spec["AlgorithmSpec"], params.get("HyperParameters"))
        return None, spec
    algo = _named_algorithm(ctx, params)
    wanted = params.get("AlgorithmVersion")
    if wanted:
        version = _version(algo, wanted)
    elif algo.versions:
        version = max(algo.versions.values(), key=attrgetter("created"))
    else:
        raise not_found("AlgorithmVersion", f"{algo.id} has no versions")
    spec["HyperParameters"] = hyperparameters.apply_to_job(version.spec, params.get("HyperParameters"))
    spec["AlgorithmVersion"] = version.version
    if algo.provider:
        spec["AlgorithmProvider"] = algo.provider
    # The version's spec is shared, not copied (100,000 jobs of one algorithm hold one spec): specs
    # are never changed in place, UpdateAlgorithmVersion replaces the whole dict.
    record = {"AlgorithmId": algo.id, "AlgorithmName": algo.name, "AlgorithmProvider": algo.provider,
              "AlgorithmVersion": version.version, "AlgorithmSpec": version.spec}
    return record, spec
