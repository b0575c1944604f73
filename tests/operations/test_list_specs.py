"""Every declared list operation (`fakepai.state.paging.ListSpec`) agrees with its request schema:
its filters are request parameters, and its sort keys are exactly the SortBy values the schema
allows (issue #14 §2: a constant in code fails a test when it disagrees with its schema)."""
from __future__ import annotations

import sys

import fakepai.services  # noqa: F401  (imports every product's handlers)
from fakepai.state.paging import ListSpec


def _specs() -> list[ListSpec]:
    found = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("fakepai.services."):
            for value in vars(module).values():
                if isinstance(value, ListSpec):
                    found[(value.product, value.action)] = value
    return list(found.values())


def test_list_operations_are_declared():
    declared = {(s.product, s.action) for s in _specs()}
    assert {("pai-dlc", "ListJobs"), ("pai-dlc", "ListJobTemplates"), ("pai-dlc", "ListTensorboards"),
            ("pai-dlc", "ListEcsSpecs"), ("PaiStudio", "ListAlgorithms"), ("PaiStudio", "ListTrainingJobs"), ("PaiStudio", "ListAlgorithmVersions"),
            ("PaiPlugin", "ListAlgorithms"), ("PaiPlugin", "ListCampaigns"),
            ("PaiPlugin", "ListTrainingJobs")} <= declared


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

