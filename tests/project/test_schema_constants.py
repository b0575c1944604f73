"""Constants in code that restate a schema agree with it (issue #14 §2: the schema is the single
source). Where code can read the catalog it does (a list's sort keys, paging bounds and defaults:
tests/operations/test_list_specs.py); the constants below stay in code because code below the
services (fakepai/sim) or outside a request (the CLI, outcome labels) needs them, and each fails
here when it and its schema part ways."""
from __future__ import annotations

import pytest

from fakepai.catalog import default_catalog
from fakepai.services.dlc import job_spec, lifecycle, pods, sanity_runs, templates, tensorboards
from fakepai.services.paiplugin import models as plugin_models
from fakepai.services.paistudio import metrics_ops
from fakepai.sim import metrics

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
    assert list(sanity_runs.PHASES) == _enum("pai-dlc", "GetJobSanityCheckResult", "SanityCheckPhase")
    assert lifecycle.SANITY_PHASES is sanity_runs.PHASES


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
