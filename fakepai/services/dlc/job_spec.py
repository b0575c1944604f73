"""What makes a CreateJob body valid (behavior.md §5.3), and the resources it asks for.

The request schema checks types, enums, bounds and the rules it can state (a role is one of its
JobType's, DefaultRoute, MountAccess, a GPU type's drivers) when the body arrives, and again over a
body merged from a template (jobs.create_job has the binder check it: `Context.check_request`). This module checks what
a schema cannot say. Every rule raises 400 naming the parameter, before anything is stored.
"""
from __future__ import annotations

import re
from functools import cache

from fakepai.catalog import default_catalog
from fakepai.errors import invalid_parameter, missing_parameter
from fakepai.services.dlc import PRODUCT
from fakepai.services.dlc.ecs_specs import lookup

# JobSpec.Type per JobType [SDK `_job_spec.py`]. MPIJob's Launcher/Worker follow the kubeflow MPI
# operator; SlurmJob and DataJuicerJob are not documented and are [INFERRED]. Declared in CreateJob's
# schema from here (tools/gen_schemas.py), which enforces them.
ROLES = {
    "TFJob": ("Chief", "PS", "Worker", "Evaluator", "GraphLearn"),
    "PyTorchJob": ("Worker", "Master"),
    "XGBoostJob": ("Worker", "Master"),
    "OneFlowJob": ("Worker", "Master"),
    "ElasticBatchJob": ("Worker", "Master"),
    "MPIJob": ("Launcher", "Worker"),
    "SlurmJob": ("Master", "Worker"),
    "RayJob": ("Head", "Worker"),
    "DataJuicerJob": ("Head", "Worker"),
}
WORKER_GROUPS = ("RayJob", "DataJuicerJob")       # also accept `Worker-<group>` roles
_INSTANCE_TYPE = re.compile(r"^(ecs|ml)\.[a-z0-9-]+(\.[a-z0-9-]+)+$")
_SIZE = re.compile(r"\.(\d*)x?large$|\.(large|medium|small)$")
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|[KMGT]|B)?\s*$", re.I)
_MEMORY_UNITS = {"": 1.0, "b": 1 / 2**30, "k": 1 / 2**20, "m": 1 / 2**10, "g": 1.0, "t": 2**10}


def clean(value):
    """Drop None and empty lists: the SDK sends `[]` for every unset nested list, and `[]` means
    the same as absent (behavior.md §1.1)."""
    if isinstance(value, dict):
        out = type(value)() if type(value) is not dict else {}
        for key, item in value.items():
            item = clean(item)
            if item is None or item == []:
                continue
            out[key] = item
        if hasattr(value, "supplied"):       # bound Params: keep what the caller actually sent
            out.supplied = value.supplied
        return out
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def parse_memory(text: str, name: str) -> float:
    """`16Gi`, `16G`, `16`, `1024Mi` -> GiB."""
    m = _MEMORY.match(str(text))
    if not m:
        raise invalid_parameter(name, f"{text!r} is not a memory size such as 16Gi")
    unit = (m.group(2) or "").lower()[:1]
    return float(m.group(1)) * _MEMORY_UNITS[unit]


def _number(text: str, name: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise invalid_parameter(name, f"{text!r} is not a number")
    if value < 0:
        raise invalid_parameter(name, f"{text!r} must not be negative")
    return value


def estimate(instance_type: str) -> dict:
    """CPU/GPU/memory of an instance type outside the catalogue, from its size suffix
    (`.2xlarge` = 8 vCPU, 4 GiB per vCPU; `gn*` families carry one GPU) [INFERRED]."""
    m = _SIZE.search(instance_type)
    cpu = 4
    if m and m.group(1) is not None:
        cpu = 4 * int(m.group(1) or 1)
    elif m:
        cpu = {"large": 2, "medium": 1, "small": 1}[m.group(2)]
    family = instance_type.split(".")[1]
    return {"Cpu": cpu, "Memory": cpu * 4, "Gpu": 1 if family.startswith("gn") else 0, "GpuType": ""}


def pod_resources(spec: dict, where: str = "JobSpecs") -> tuple[float, float, float]:
    """(CPU, GPU, memory GiB) of one pod of `spec`."""
    if spec.get("EcsSpec"):
        known = lookup(spec["EcsSpec"]) or estimate(spec["EcsSpec"])
        return float(known["Cpu"]), float(known["Gpu"]), float(known["Memory"])
    rc = spec.get("ResourceConfig") or {}
    cpu = _number(rc.get("CPU") or 0, f"{where}.ResourceConfig.CPU")
    gpu = _number(rc.get("GPU") or 0, f"{where}.ResourceConfig.GPU")
    mem = parse_memory(rc.get("Memory") or "0", f"{where}.ResourceConfig.Memory")
    return cpu, gpu, mem


def totals(body: dict) -> tuple[int, float, float]:
    """RequestCPU / RequestGPU / RequestMemory (GiB) of the whole job."""
    cpu = gpu = mem = 0.0
    for spec in body.get("JobSpecs") or []:
        c, g, m = pod_resources(spec)
        n = int(spec.get("PodCount") or 1)
        cpu, gpu, mem = cpu + c * n, gpu + g * n, mem + m * n
    return int(round(cpu)), gpu, mem


@cache
def declared(bound: str, action: str = "CreateJob") -> int:
    """A cross-field bound the operation's schema declares on JobSpecs as `x-fakepai-<bound>`
    (maxTotalPodCount, maxPodRestarts, maxScaledOutPods): docs/limits.md [INFERRED]."""
    return default_catalog().get(PRODUCT, action).params["JobSpecs"][f"x-fakepai-{bound}"]


@cache
def pod_bounds() -> tuple[int, int]:
    """(pods per role, pods per job): declared in the schemas (JobSpec.request PodCount maximum,
    CreateJob JobSpecs x-fakepai-maxTotalPodCount), see docs/limits.md [INFERRED]."""
    spec = default_catalog().definition("https://fakepai.local/schemas/_shared/pai-dlc.json#/$defs/JobSpec.request")
    return spec["properties"]["PodCount"]["maximum"], declared("maxTotalPodCount")


def check_pod_count(count, name: str) -> None:
    per_role = pod_bounds()[0]
    if count is None or isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= per_role:
        raise invalid_parameter(name, f"{count!r} is out of range (1..{per_role})")


def check_total_pods(counts: list[int], name: str = "JobSpecs") -> None:
    """Every GetJob/ListJobs lists every pod: the whole job's pods are bounded too."""
    per_job = pod_bounds()[1]
    if sum(counts) > per_job:
        raise invalid_parameter(name, f"{sum(counts)} pods in all is out of range (at most {per_job} per job)")


def validate_specs(body: dict) -> None:
    quota = bool(body.get("ResourceId"))
    # One JobSpec per role: the schema's `uniqueBy` rule (fakepai/rules.py), checked on the wire and,
    # after a template merge, by the binder again (jobs._merge_template, ctx.check_request).
    for i, spec in enumerate(body["JobSpecs"]):
        where = f"JobSpecs[{i}]"
        if not isinstance(spec, dict):
            raise invalid_parameter(where, "expected an object")
        check_pod_count(spec.get("PodCount", 1), f"{where}.PodCount")
        ecs, rc = spec.get("EcsSpec"), spec.get("ResourceConfig")
        # EcsSpec (public resources) xor ResourceConfig (a quota's resources) [SKILL Red Line 1].
        if ecs and rc:
            raise invalid_parameter(where, "EcsSpec and ResourceConfig are mutually exclusive")
        if not ecs and not rc:
            raise missing_parameter(f"{where}.{'ResourceConfig' if quota else 'EcsSpec'}")
        if rc and not quota:
            raise invalid_parameter(f"{where}.ResourceConfig", "ResourceConfig needs ResourceId (a resource quota); public resources take EcsSpec")
        if ecs and not _INSTANCE_TYPE.match(ecs):
            raise invalid_parameter(f"{where}.EcsSpec", f"{ecs!r} is not an instance type such as ecs.gn7i-c8g1.2xlarge")
        pod_resources(spec, where)
        spot = spec.get("SpotSpec") or {}
        if spot.get("SpotDiscountLimit") is not None and spot.get("SpotPriceLimit") is not None:
            raise invalid_parameter(f"{where}.SpotSpec", "set SpotDiscountLimit or SpotPriceLimit, not both")
    check_total_pods([spec.get("PodCount", 1) for spec in body["JobSpecs"]])


def validate_create(body: dict) -> None:
    """What CreateJob's schema cannot say, over a body the schema has accepted (a direct one when it
    was bound, one merged over a template in jobs.create_job)."""
    validate_specs(body)
    for i, ds in enumerate(body.get("DataSources") or []):
        if not ds.get("DataSourceId") and not ds.get("Uri"):
            raise missing_parameter(f"DataSources[{i}].DataSourceId")
    for i, env in enumerate(body.get("CustomEnvs") or []):
        if not env.get("Key"):
            raise missing_parameter(f"CustomEnvs[{i}].Key")
    vpc = body.get("UserVpc") or {}
    if vpc.get("VpcId"):
        for name in ("SwitchId", "SecurityGroupId"):
            if not vpc.get(name):
                raise missing_parameter(f"UserVpc.{name}")
    reserved = (body.get("Settings") or {}).get("JobReservedMinutes")
    if reserved is not None and reserved < 0:
        raise invalid_parameter("Settings.JobReservedMinutes", f"{reserved} must not be negative")


def resource_type(body: dict) -> str:
    """ECS for general-purpose instance types, Lingjun for `ml.*` ones [SDK ResourceType]."""
    ml = any(str(s.get("EcsSpec", "")).startswith("ml.") for s in body.get("JobSpecs") or [])
    return "Lingjun" if ml else "ECS"


def bids(body: dict) -> bool:
    """Whether the job bids for spot capacity before its environment is prepared: `Bidding` is a
    status "only Lingjun spot jobs" go through [SDK GetJob Status]."""
    spot = any(s.get("UseSpotInstance") for s in body.get("JobSpecs") or [])
    return spot and resource_type(body) == "Lingjun"
