"""The instance-type catalogue DLC jobs run on, and ListEcsSpecs over it.

Real Alibaba Cloud instance types with their published vCPU / memory / GPU figures (ECS instance
family pages; Lingjun `ml.*` types from the PAI console). CreateJob uses the same table to work out
a job's RequestCPU / RequestGPU / RequestMemory, so the catalogue and the jobs agree.
Spot discounts, stock states and driver lists are plausible values, not live data.
"""
from __future__ import annotations

from fakepai.errors import invalid_parameter
from fakepai.services.dlc import PRODUCT
from fakepai.services.registry import Context, operation
from fakepai.state.paging import ListSpec

_DRIVERS = ["470.82.01", "535.161.08", "550.54.15"]

# (InstanceType, ResourceType, Cpu, Memory GiB, Gpu, GpuType, GpuMemory GiB per card, spot discount,
#  spot stock, available). Listed oldest generation first: that order is the `GmtCreateTime` sort.
_ROWS = [
    ("ecs.c6.large", "ECS", 2, 4, 0, "", 0, 0.18, "WithStock", True),
    ("ecs.c6.2xlarge", "ECS", 8, 16, 0, "", 0, 0.17, "WithStock", True),
    ("ecs.g6.xlarge", "ECS", 4, 16, 0, "", 0, 0.16, "WithStock", True),
    ("ecs.g6.2xlarge", "ECS", 8, 32, 0, "", 0, 0.16, "WithStock", True),
    ("ecs.g6.4xlarge", "ECS", 16, 64, 0, "", 0, 0.15, "WithStock", True),
    ("ecs.r6.xlarge", "ECS", 4, 32, 0, "", 0, 0.2, "WithStock", True),
    ("ecs.g7.2xlarge", "ECS", 8, 32, 0, "", 0, 0.19, "WithStock", True),
    ("ecs.gn5-c4g1.xlarge", "ECS", 4, 30, 1, "P100", 16, 0.3, "ClosedWithStock", False),
    ("ecs.gn5i-c4g1.xlarge", "ECS", 4, 16, 1, "P4", 8, 0.28, "WithStock", True),
    ("ecs.gn6i-c4g1.xlarge", "ECS", 4, 15, 1, "T4", 16, 0.25, "WithStock", True),
    ("ecs.gn6i-c8g1.2xlarge", "ECS", 8, 31, 1, "T4", 16, 0.24, "WithStock", True),
    ("ecs.gn6i-c24g1.6xlarge", "ECS", 24, 93, 1, "T4", 16, 0.24, "WithStock", True),
    ("ecs.gn6v-c8g1.2xlarge", "ECS", 8, 32, 1, "V100", 16, 0.22, "WithStock", True),
    ("ecs.gn6v-c8g1.8xlarge", "ECS", 32, 128, 4, "V100", 16, 0.21, "WithStock", True),
    ("ecs.gn6v-c8g1.16xlarge", "ECS", 64, 256, 8, "V100", 16, 0.2, "NoStock", True),
    ("ecs.gn6e-c12g1.3xlarge", "ECS", 12, 92, 1, "V100", 32, 0.22, "WithStock", True),
    ("ecs.gn7i-c8g1.2xlarge", "ECS", 8, 30, 1, "A10", 24, 0.27, "WithStock", True),
    ("ecs.gn7i-c16g1.4xlarge", "ECS", 16, 60, 1, "A10", 24, 0.26, "WithStock", True),
    ("ecs.gn7i-c32g1.8xlarge", "ECS", 32, 188, 1, "A10", 24, 0.26, "WithStock", True),
    ("ecs.gn7i-c32g1.16xlarge", "ECS", 64, 376, 2, "A10", 24, 0.25, "WithStock", True),
    ("ecs.gn7-c12g1.3xlarge", "ECS", 12, 94, 1, "A100", 40, 0.3, "WithStock", True),
    ("ecs.gn7-c13g1.13xlarge", "ECS", 52, 378, 4, "A100", 40, 0.3, "NoStock", True),
    ("ecs.gn7e-c16g1.4xlarge", "ECS", 16, 125, 1, "A100", 80, 0.32, "WithStock", True),
    ("ml.gu7ef.c96m1600.8-gu100", "Lingjun", 96, 1600, 8, "GU100", 80, 0.0, "NoStock", True),
    ("ml.gu7xf.c96m1600.8-gu108", "Lingjun", 96, 1600, 8, "GU108", 80, 0.0, "NoStock", True),
]


def _spec(row: tuple) -> dict:
    itype, rtype, cpu, mem, gpu, gtype, gmem, discount, stock, available = row
    spec = {
        "InstanceType": itype,
        "ResourceType": rtype,
        "AcceleratorType": "GPU" if gpu else "CPU",
        "Cpu": cpu,
        "Memory": mem,
        "Gpu": gpu,
        "GpuType": gtype,
        "GpuMemory": gmem,
        "IsAvailable": available,
        # Lingjun is bought as quota (PrePaid); public ECS types are pay-as-you-go, most also as spot.
        "PaymentTypes": ["PrePaid"] if rtype == "Lingjun" else ["PostPaid", "Spot"],
        "NonProtectSpotDiscount": discount,
        "SpotStockStatus": stock,
    }
    if gpu:
        spec["DefaultGPUDriver"] = "535.161.08"
        spec["SupportedGPUDrivers"] = list(_DRIVERS)
    return spec


CATALOGUE: list[dict] = [_spec(row) for row in _ROWS]
_BY_TYPE = {spec["InstanceType"]: spec for spec in CATALOGUE}


def lookup(instance_type: str | None) -> dict | None:
    return _BY_TYPE.get(instance_type or "")


_POSITION = {spec["InstanceType"]: i for i, spec in enumerate(CATALOGUE)}


def _by_field(field: str):
    return lambda spec: spec[field]


# SortBy: the SDK's names, and the response field names alipai sends (`Gpu`) [PAISDK]; the schema's
# enum lists both and nothing else (lower case is rejected [SKILL e80d822]), docs/clients.md.
# GmtCreateTime is the catalogue's own order, oldest generation first [INFERRED]. The sort is
# stable, so ties keep catalogue order in both directions.
LIST_ECS_SPECS = ListSpec(
    PRODUCT, "ListEcsSpecs",
    sort_keys={"CPU": _by_field("Cpu"), "GPU": _by_field("Gpu"), "Memory": _by_field("Memory"),
               "Cpu": _by_field("Cpu"), "Gpu": _by_field("Gpu"),
               "GmtCreateTime": lambda spec: _POSITION[spec["InstanceType"]]},
    default_sort="GmtCreateTime",
    parse={"InstanceTypes": lambda v: {t.strip() for t in v.split(",") if t.strip()}},
    filters={
        # No ResourceType -> every resource type (the filter is optional in the SDK) [INFERRED].
        "AcceleratorType": lambda spec, v: spec["AcceleratorType"] == v,
        "ResourceType": lambda spec, v: spec["ResourceType"] == v,
        "InstanceTypes": lambda spec, v: not v or spec["InstanceType"] in v,
    })


def _choice(params: dict, name: str, allowed: tuple[str, ...]) -> str | None:
    """A case-insensitive enum value, canonicalised; 400 InvalidParameter otherwise."""
    value = params.get(name)
    if not value:
        return None
    for option in allowed:
        if value.lower() == option.lower():
            return option
    raise invalid_parameter(name, f"{value!r} is not one of {', '.join(allowed)}")


@operation(PRODUCT, "ListEcsSpecs")
def list_ecs_specs(ctx: Context, params: dict) -> dict:
    # Matched case-insensitively, filtered on their canonical spelling.
    canonical = {"AcceleratorType": _choice(params, "AcceleratorType", ("CPU", "GPU")),
                 "ResourceType": _choice(params, "ResourceType", ("ECS", "Lingjun", "ACS"))}
    # The default (no SortBy, no Order) is the catalogue's own order; a SortBy alone sorts descending.
    direction = params.get("Order") or ("desc" if params.get("SortBy") else "asc")
    chosen, total = LIST_ECS_SPECS.select({**params, **canonical, "Order": direction}, CATALOGUE)
    return {"EcsSpecs": [dict(s) for s in chosen], "TotalCount": total}
