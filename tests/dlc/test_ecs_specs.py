"""pai-dlc ListEcsSpecs: the instance catalogue with its filters, sorting and paging."""
from __future__ import annotations

import pytest
from alibabacloud_pai_dlc20201203 import models as m

from tests.helpers import assert_error, assert_valid_response
from tests.dlc.calls import GW, call, create, get, spec


def specs(client, **kw) -> dict:
    body = client.list_ecs_specs(m.ListEcsSpecsRequest(**kw)).body.to_map()
    assert_valid_response("pai-dlc", "ListEcsSpecs", body)
    return body


def test_the_catalogue_holds_real_instance_types(fakepai, dlc_client):
    body = specs(dlc_client, page_size=100)
    by_type = {s["InstanceType"]: s for s in body["EcsSpecs"]}
    assert body["TotalCount"] == len(by_type) >= 20
    a10 = by_type["ecs.gn7i-c8g1.2xlarge"]
    assert (a10["Cpu"], a10["Memory"], a10["Gpu"], a10["GpuType"], a10["GpuMemory"]) == (8, 30, 1, "A10", 24)
    assert a10["AcceleratorType"] == "GPU" and a10["ResourceType"] == "ECS" and a10["IsAvailable"] is True
    assert a10["DefaultGPUDriver"] in a10["SupportedGPUDrivers"] and "Spot" in a10["PaymentTypes"]
    assert by_type["ecs.gn6v-c8g1.2xlarge"]["GpuType"] == "V100"
    g6 = by_type["ecs.g6.xlarge"]
    assert (g6["Cpu"], g6["Memory"], g6["Gpu"], g6["AcceleratorType"]) == (4, 16, 0, "CPU")


def test_filters(fakepai, dlc_client):
    gpu = specs(dlc_client, accelerator_type="GPU", page_size=100)["EcsSpecs"]
    cpu = specs(dlc_client, accelerator_type="cpu", page_size=100)["EcsSpecs"]
    assert gpu and cpu and all(s["Gpu"] > 0 for s in gpu) and all(s["Gpu"] == 0 for s in cpu)
    assert len(gpu) + len(cpu) == specs(dlc_client)["TotalCount"]
    picked = specs(dlc_client, instance_types="ecs.g6.xlarge, ecs.gn6v-c8g1.2xlarge,ecs.nope")
    assert {s["InstanceType"] for s in picked["EcsSpecs"]} == {"ecs.g6.xlarge", "ecs.gn6v-c8g1.2xlarge"}
    assert picked["TotalCount"] == 2
    lingjun = specs(dlc_client, resource_type="Lingjun")["EcsSpecs"]
    assert lingjun and all(s["InstanceType"].startswith("ml.") and s["PaymentTypes"] == ["PrePaid"] for s in lingjun)


# `Gpu` / `Cpu`: the response field spellings alipai sends (docs/clients.md); lower case is not PAI's.
@pytest.mark.parametrize("sort_by, field", [("CPU", "Cpu"), ("GPU", "Gpu"), ("Memory", "Memory"), ("Gpu", "Gpu"),
                                            ("Cpu", "Cpu")])
def test_sorting_and_paging(fakepai, gw, sort_by, field):
    full = call(gw, "ListEcsSpecs", SortBy=sort_by, Order="asc", PageSize=100)["EcsSpecs"]
    values = [s[field] for s in full]
    assert values == sorted(values)
    desc = call(gw, "ListEcsSpecs", SortBy=sort_by, Order="DESC", PageSize=100)["EcsSpecs"]
    assert [s[field] for s in desc] == sorted(values, reverse=True)
    pages = [call(gw, "ListEcsSpecs", SortBy=sort_by, Order="asc", PageSize=7, PageNumber=n) for n in range(1, 6)]
    assert all(p["TotalCount"] == len(full) for p in pages)
    assert [s for p in pages for s in p["EcsSpecs"]] == full                 # pages partition the list


def test_catalogue_order_and_its_reverse(fakepai, gw):
    """No SortBy (or GmtCreateTime): the catalogue's own order; Order=desc reverses it."""
    default = [s["InstanceType"] for s in call(gw, "ListEcsSpecs", PageSize=100)["EcsSpecs"]]
    for params in ({"Order": "desc"}, {"SortBy": "GmtCreateTime", "Order": "desc"}):
        reversed_ = [s["InstanceType"] for s in call(gw, "ListEcsSpecs", PageSize=100, **params)["EcsSpecs"]]
        assert reversed_ == default[::-1], params
    assert [s["InstanceType"] for s in call(gw, "ListEcsSpecs", PageSize=100, Order="asc")["EcsSpecs"]] == default


def test_bad_requests(fakepai, gw):
    for params in ({"AcceleratorType": "TPU"}, {"ResourceType": "Mainframe"}, {"SortBy": "Price"}, {"SortBy": "gpu"},
                   {"Order": "random"}, {"PageSize": 0}, {"PageSize": 101}, {"PageNumber": 0}):
        assert_error(gw.get(f"{GW}/ListEcsSpecs", params=params), 400, "InvalidParameter")


def test_jobs_request_what_their_instance_types_offer(fakepai, dlc_client):
    job_id = create(dlc_client, job_specs=[spec(pod_count=2, ecs_spec="ecs.gn6v-c8g1.8xlarge"),
                                           spec(type="Master", ecs_spec="ecs.g6.xlarge")])
    job = get(dlc_client, job_id)
    assert (job["RequestCPU"], job["RequestGPU"], job["RequestMemory"]) == (2 * 32 + 4, 8, 2 * 128 + 16)
