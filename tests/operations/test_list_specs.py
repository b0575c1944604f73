"""Every List* operation over a collection is declared as a `fakepai.state.paging.ListSpec`, and each
spec agrees with its request schema: its filters are request parameters, its sort keys are exactly
the SortBy values the schema allows, and the paging it reads is defaulted there (issue #14 items 2 and 4:
a constant in code fails a test when it disagrees with its schema)."""
from __future__ import annotations

import sys

import fakepai.services  # noqa: F401  (imports every product's handlers)
from fakepai.catalog import default_catalog
from fakepai.state.paging import ListSpec


def _specs() -> list[ListSpec]:
    found = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("fakepai.services."):
            for value in vars(module).values():
                if isinstance(value, ListSpec):
                    found[(value.product, value.action)] = value
    return list(found.values())


# The List* actions that are no collection to filter, sort and page: PaiStudio's telemetry reads
# page time-ordered lines or series of one job (fakepai/services/paistudio/windows.py, another
# shape), and a job's output models are at most one.
NOT_COLLECTIONS = {("PaiStudio", action) for action in (
    "ListTrainingJobLogs", "ListTrainingJobEvents", "ListTrainingJobInstanceEvents", "ListTrainingJobMetrics",
    "ListTrainingJobInstanceMetrics", "ListTrainingJobOutputModels")}


def test_every_list_operation_is_declared():
    lists = {(op.product, op.action) for product in ("PaiStudio", "pai-dlc", "PaiPlugin")
             for op in default_catalog().by_product(product) if op.action.startswith("List")}
    declared = {(s.product, s.action) for s in _specs()}
    assert len(declared) == 11
    assert declared == lists - NOT_COLLECTIONS, (lists - NOT_COLLECTIONS) ^ declared


def test_list_specs_agree_with_their_schemas():
    for spec in _specs():
        params = spec.operation.params
        assert set(spec.filters) <= set(params), (spec.action, set(spec.filters) - set(params))
        assert set(spec.parse) <= set(spec.filters), spec.action
        sort = params.get("SortBy", {})
        if "enum" in sort:
            assert set(sort["enum"]) == set(spec.sort_keys), (spec.action, sort["enum"], set(spec.sort_keys))
        assert sort.get("default", spec.default_sort) in spec.sort_keys, spec.action
        if "SortBy" not in params:
            assert spec.default_sort in spec.sort_keys, spec.action
        order = params.get("Order", {})
        assert order.get("default", spec.default_order).lower() in ("asc", "desc"), spec.action
        if "PageSize" in params:            # select() pages by the bound values: the schema defaults both
            assert "default" in params["PageSize"] and "default" in params["PageNumber"], spec.action
