"""Constants in code that restate a schema agree with it (issue #14 §2: the schema is the single
source). Where code can read the catalog it does (a list's sort keys, paging bounds and defaults:
tests/operations/test_list_specs.py); the constants below stay in code because code below the
services (fakepai/sim) or outside a request (the CLI, outcome labels) needs them, and each fails
here when it and its schema part ways."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fakepai.catalog import default_catalog
from fakepai.services.dlc import job_spec, lifecycle, pods, restarts, templates, tensorboards
from fakepai.services.paiplugin import models as plugin_models
from fakepai.services.paistudio import lifecycle as studio_lifecycle, metrics_ops, views as studio_views
from fakepai.sim import metrics, pod_lives, sanity_check

PRODUCTS = ("PaiStudio", "pai-dlc", "PaiPlugin")


def _param(product: str, action: str, name: str) -> dict:
    op = default_catalog().get(product, action)
    assert op is not None and name in op.params, (product, action, name)
    return op.params[name]


def _enum(product: str, action: str, name: str) -> list:
    return _param(product, action, name)["enum"]


def test_order_is_asc_or_desc_in_either_case_wherever_it_is_taken():
    # paging.order() only lower-cases: it relies on every Order parameter being this enum.
    orders = [(op.key, op.params["Order"]) for product in PRODUCTS
              for op in default_catalog().by_product(product) if "Order" in op.params]
    assert len(orders) >= 6
    for key, spec in orders:
        assert spec.get("enum") == ["asc", "desc", "ASC", "DESC"], key
        assert spec.get("default", "desc").lower() in ("asc", "desc"), key


@pytest.mark.parametrize("product,action", [("PaiStudio", "ListTrainingJobInstanceMetrics"),
                                            ("pai-dlc", "GetJobMetrics")])
def test_resource_metric_types_are_the_schemas(product, action):
    assert list(metrics.RESOURCE_METRIC_TYPES) == _enum(product, action, "MetricType")


def test_every_resource_metric_type_has_a_series():
    for metric_type in _enum("PaiStudio", "ListTrainingJobInstanceMetrics", "MetricType"):
        assert metrics.resource_series("job/pod", metric_type, 0.0, 600.0, 300.0, 600.0), metric_type


def test_time_steps_are_the_schemas():
    steps = _enum("PaiStudio", "ListTrainingJobInstanceMetrics", "TimeStep")
    assert list(metrics.TIME_STEPS) == steps
    # PaiStudio's default (the schema has none) is DLC's GetJobMetrics default, one of the steps.
    assert metrics_ops.DEFAULT_TIME_STEP in steps
    assert metrics_ops.DEFAULT_TIME_STEP == _param("pai-dlc", "GetJobMetrics", "TimeStep")["default"]


def test_sanity_check_phases_are_the_schemas():
    assert list(sanity_check.PHASES) == _enum("pai-dlc", "GetJobSanityCheckResult", "SanityCheckPhase")
    assert lifecycle.SANITY_PHASES is sanity_check.PHASES


def test_dlc_job_type_tables_cover_the_schemas_job_types():
    job_types = _enum("pai-dlc", "CreateJob", "JobType")
    assert list(templates.JOB_TYPES) == job_types
    assert set(job_spec.ROLES) == set(job_types)            # each type's roles
    assert set(pods.MAIN_CONTAINER) == set(job_types)       # each type's main container


def test_tensorboard_accessibility_is_the_schemas():
    # Create/UpdateTensorboard take it in any case (no enum there); what they store is what
    # ListTensorboards filters by.
    assert list(tensorboards.ACCESSIBILITY) == _enum("pai-dlc", "ListTensorboards", "Accessibility")
    assert list(tensorboards.ACCESSIBILITY) == _enum("pai-dlc", "CreateJob", "Accessibility")


def test_paiplugin_training_job_statuses_are_the_schemas():
    codes = (plugin_models.QUEUED, plugin_models.SUBMITTED, plugin_models.RUNNING,
             plugin_models.SUCCEEDED, plugin_models.FAILED)
    assert [int(code) for code in codes] == _enum("PaiPlugin", "ListTrainingJobs", "Status")


# -- response status vocabularies ---------------------------------------------------------------
# Every status a response carries is declared as an enum in its response schema
# (tools/gen_schemas.py, RESPONSE_STATUS). The services' status constants say the same: each status
# their plans and views can produce is one of the schema's, and where the constant is the whole
# vocabulary, all of it.

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
# Status fields no source gives a vocabulary for: a job's SubStatus (the reference: "can be
# Restarting"; fakepai never sets it) and an ECS type's spot stock (plausible values, not live data).
UNDECLARED_STATUS_FIELDS = {"pai-dlc GetJob.SubStatus", "pai-dlc ListJobs.Jobs.SubStatus",
                            "pai-dlc ListEcsSpecs.EcsSpecs.SpotStockStatus"}


def _shared(ref: str) -> dict:
    document, _, pointer = ref.partition("#/$defs/")
    return json.loads((SCHEMAS / "_shared" / document.rsplit("/", 1)[1]).read_text(encoding="utf-8"))["$defs"][pointer]


def _status_fields(node, where: str, seen: set[str]):
    """(where, schema) of every property named *Status in a response schema, through $refs."""
    if isinstance(node, dict):
        if "$ref" in node and node["$ref"] not in seen:
            seen.add(node["$ref"])
            yield from _status_fields(_shared(node["$ref"]), node["$ref"].rsplit("/", 1)[1], seen)
        for name, prop in (node.get("properties") or {}).items():
            if name.endswith("Status"):
                yield f"{where}.{name}", name, prop
            yield from _status_fields(prop, f"{where}.{name}", seen)
        if "items" in node:
            yield from _status_fields(node["items"], where, seen)


def _response_enum(product: str, action: str, dotted: str) -> list:
    node = default_catalog().get(product, action).response_schema
    for part in dotted.split("."):
        while "items" in node or "$ref" in node:
            node = node["items"] if "items" in node else _shared(node["$ref"])
        node = node["properties"][part]
    node = _shared(node["$ref"]) if "$ref" in node else node
    return node["enum"]


def test_every_response_status_field_declares_its_values():
    found, undeclared = 0, []
    for product in PRODUCTS:
        for op in default_catalog().by_product(product):
            for where, _, prop in _status_fields(op.response_schema, f"{product} {op.action}", set()):
                found += 1
                if "$ref" not in prop and "enum" not in prop:
                    undeclared.append(where)
    assert found >= 20
    assert sorted(undeclared) == sorted(UNDECLARED_STATUS_FIELDS)


def test_dlc_job_statuses_are_the_schemas():
    declared = _response_enum("pai-dlc", "GetJob", "Status")
    assert _response_enum("pai-dlc", "ListJobs", "Jobs.Status") == declared
    assert _response_enum("pai-dlc", "GetJob", "StatusHistory.Status") == declared
    # Every status a plan can hold: the steps with every option on, reserving, stopping and the ends.
    planned = set(lifecycle.lifecycle_for(sanity=True, bidding=True).statuses())
    planned |= set(lifecycle.RESERVING) | set(lifecycle.TERMINAL) | {"Stopping", restarts.RESTARTING}
    assert planned == set(declared)
    # ListJobs' Status filter takes the same statuses (and the older SDK's Dequeued).
    assert set(declared) <= set(re.findall(r"\w+", _param("pai-dlc", "ListJobs", "Status")["pattern"]))


def test_dlc_pod_and_restart_statuses_are_the_schemas():
    pod = set(_response_enum("pai-dlc", "GetJob", "Pods.Status"))
    assert set(_response_enum("pai-dlc", "GetJob", "Pods.HistoryPods.Status")) == pod
    assert {"Pending", "Running"} | set(pod_lives.POD_END.values()) <= pod
    assert set(_response_enum("pai-dlc", "GetJob", "Pods.SubStatus")) >= {"Normal"}
    assert set(_response_enum("pai-dlc", "GetJob", "RestartRecord.RestartStatus")) == set(restarts.RESTART_STATUSES)


def test_sanity_check_result_statuses_are_the_schemas():
    assert _response_enum("pai-dlc", "GetJobSanityCheckResult", "SanityCheckResult.Phase") == list(sanity_check.PHASES)
    assert _response_enum("pai-dlc", "GetJobSanityCheckResult", "SanityCheckResult.Status") \
        == list(sanity_check.STATUSES)


def test_tensorboard_statuses_are_the_schemas():
    declared = set(_response_enum("pai-dlc", "GetTensorboard", "Status"))
    assert _response_enum("pai-dlc", "ListTensorboards", "Tensorboards.Status") == \
        _response_enum("pai-dlc", "GetTensorboard", "Status")
    lived = set(tensorboards.LIFECYCLE.statuses()) | tensorboards.TERMINAL | tensorboards.LIVE
    assert lived <= declared


def test_paistudio_statuses_are_the_schemas():
    declared = _response_enum("PaiStudio", "GetTrainingJob", "Status")
    assert _response_enum("PaiStudio", "GetTrainingJob", "StatusTransitions.Status") == declared
    assert _response_enum("PaiStudio", "ListTrainingJobs", "TrainingJobs.Status") == declared
    assert _response_enum("PaiStudio", "ListTrainingJobs", "TrainingJobs.StatusTransitions.Status") == declared
    life = studio_lifecycle.LIFECYCLE
    planned = set(life.statuses()) | {life.succeeded, life.failed} | set(life.failed_in.values())
    assert planned | studio_lifecycle.TERMINAL | studio_lifecycle.FAILED == set(declared)
    # Instances: one status per job status, from the instance vocabulary.
    instance = _response_enum("PaiStudio", "GetTrainingJob", "Instances.Status")
    assert set(studio_views.INSTANCE_STATUS) <= set(declared)
    assert set(studio_views.INSTANCE_STATUS.values()) == set(instance)


def test_paiplugin_training_job_response_statuses_are_the_schemas():
    codes = [int(code) for code in plugin_models.LIFECYCLE.statuses()] + [int(plugin_models.SUCCEEDED),
                                                                             int(plugin_models.FAILED)]
    for action, dotted in (("CreateTrainingJob", "Data.Status"), ("GetTrainingJob", "Data.Status"),
                           ("ListTrainingJobs", "Data.TrainingJobs.Status")):
        assert sorted(codes) == _response_enum("PaiPlugin", action, dotted), action
