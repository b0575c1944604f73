"""What list and telemetry reads take that their request schema declares is enforced by the binder
before any handler runs, so no handler re-checks it (issue #14 §2; the paging bounds:
test_list_paging_bounds.py): on every operation that declares them, a value outside Order's,
SortBy's, MetricType's or TimeStep's enum is 400 InvalidParameter whose message names the parameter
and lists the schema's values in the schema's order; MaxLines/MaxEventsNum below 1 is 400
InvalidParameter; a JSON-text map (Tags, Labels) that is no object is 400 InvalidParameter; a
required parameter left out (MetricType, ListJobTemplates' WorkspaceId) is 400 MissingParameter."""
from __future__ import annotations

import pytest

from fakepai.catalog import default_catalog
from tests.helpers import assert_error

ENUMERATED = ("Order", "SortBy", "MetricType", "TimeStep")
CASES = sorted(((op, name) for product in ("PaiStudio", "pai-dlc", "PaiPlugin")
                for op in default_catalog().by_product(product)
                for name in ENUMERATED if "enum" in op.params.get(name, {})),
               key=lambda case: (case[0].key, case[1]))


def _url(op) -> str:
    return f"/api/{op.product}/{op.version}/{op.action}"


def _required(op, but: str) -> dict:
    """Every required parameter but `but`: ids as text (the binder fails before any id is looked up),
    enums as their first value."""
    return {name: op.params[name].get("enum", ["x"])[0] for name in op.required if name != but}


def test_the_enumerated_list_parameters_are_declared():
    declared = {(op.action, name) for op, name in CASES}
    assert {("ListJobs", "SortBy"), ("ListJobs", "Order"), ("ListTrainingJobs", "SortBy"),
            ("ListTrainingJobInstanceMetrics", "MetricType"), ("ListTrainingJobInstanceMetrics", "TimeStep"),
            ("ListTrainingJobMetrics", "Order"), ("ListJobSanityCheckResults", "Order"),
            ("ListEcsSpecs", "SortBy"), ("ListTensorboards", "Order")} <= declared


@pytest.mark.parametrize("op,name", [pytest.param(op, name, id=f"{op.product}.{op.action}.{name}")
                                     for op, name in CASES])
def test_a_value_outside_the_enum_is_the_binders_400(gw, fakepai, op, name):
    allowed = op.params[name]["enum"]
    body = assert_error(gw.request(op.method, _url(op), params={**_required(op, name), name: "Sideways"}),
                        400, "InvalidParameter")
    assert body["Message"] == (f"The parameter \"{name}\" is invalid: 'Sideways' is not one of "
                               f"{', '.join(map(str, allowed))}"), body


def test_order_is_accepted_in_either_case_and_no_other(gw, fakepai):
    op = default_catalog().get("pai-dlc", "ListJobs")
    for spelling in ("asc", "ASC", "desc", "DESC"):
        assert gw.get(_url(op), params={"Order": spelling}).status_code == 200, spelling
    assert_error(gw.get(_url(op), params={"Order": "Desc"}), 400, "InvalidParameter")


def test_a_missing_required_metric_type_is_the_binders_400(gw, fakepai):
    op = default_catalog().get("PaiStudio", "ListTrainingJobInstanceMetrics")
    body = assert_error(gw.get(_url(op), params={"TrainingJobId": "train-nosuchjob", "TimeStep": "10s"}),
                        400, "MissingParameter")
    assert '"MetricType"' in body["Message"], body


LIMITS = sorted(((op, name) for product in ("PaiStudio", "pai-dlc", "PaiPlugin")
                 for op in default_catalog().by_product(product)
                 for name in ("MaxLines", "MaxEventsNum") if name in op.params),
                key=lambda case: (case[0].key, case[1]))


@pytest.mark.parametrize("op,name", [pytest.param(op, name, id=f"{op.action}.{name}") for op, name in LIMITS])
def test_a_line_limit_below_one_is_the_binders_400(gw, fakepai, op, name):
    assert op.params[name]["minimum"] == 1
    body = assert_error(gw.request(op.method, _url(op), params={**_required(op, name), name: 0}),
                        400, "InvalidParameter")
    assert body["Message"] == f"The parameter \"{name}\" is invalid: 0 is out of range (minimum 1)", body


@pytest.mark.parametrize("action,name", [("ListJobs", "Tags"), ("ListTrainingJobs", "Labels")])
def test_a_json_map_that_is_no_object_is_the_binders_400(gw, fakepai, action, name):
    op = default_catalog().get("pai-dlc" if action == "ListJobs" else "PaiStudio", action)
    for text, why in (("[1, 2]", "expected object, got list"), ("{not json", "expected a JSON document")):
        body = assert_error(gw.get(_url(op), params={name: text}), 400, "InvalidParameter")
        assert body["Message"] == f"The parameter \"{name}\" is invalid: {why}", body


def test_list_job_templates_without_a_workspace_is_the_binders_400(gw, fakepai):
    op = default_catalog().get("pai-dlc", "ListJobTemplates")
    for params in ({}, {"WorkspaceId": ""}):
        body = assert_error(gw.get(_url(op), params=params), 400, "MissingParameter")
        assert '"WorkspaceId"' in body["Message"], body
