"""Every declared list operation (`fakepai.state.paging.ListSpec`) agrees with its request schema:
its filters are request parameters, and it has a sort key for every SortBy value the schema
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
            ("PaiStudio", "ListAlgorithms"), ("PaiStudio", "ListAlgorithmVersions"),
            ("PaiPlugin", "ListAlgorithms"), ("PaiPlugin", "ListCampaigns"),
            ("PaiPlugin", "ListTrainingJobs")} <= declared


def test_list_specs_agree_with_their_schemas():
    for spec in _specs():
        params = spec.operation.params
        assert set(spec.filters) <= set(params), (spec.action, set(spec.filters) - set(params))
        assert set(spec.parse) <= set(spec.filters), spec.action
        sort = params.get("SortBy", {})
        assert set(sort.get("enum", ())) <= set(spec.sort_keys), (spec.action, sort.get("enum"))
        assert sort.get("default", spec.default_sort) in spec.sort_keys, spec.action
        if "SortBy" not in params:
            assert spec.default_sort in spec.sort_keys, spec.action
        order = params.get("Order", {})
        assert order.get("default", spec.default_order).lower() in ("asc", "desc"), spec.action


def test_sort_key_tables_outside_list_specs_agree_with_their_schemas():
    """ListTrainingJobs (its creation-index fast path) and ListEcsSpecs (catalogue order by
    default) sort by their own tables: each has a key for every SortBy value the schema allows."""
    from fakepai.catalog import default_catalog
    from fakepai.services.dlc import ecs_specs
    from fakepai.services.paistudio import training_jobs

    studio = default_catalog().get("PaiStudio", "ListTrainingJobs").params["SortBy"]
    assert set(studio["enum"]) == set(training_jobs.SORT_KEYS) and studio["default"] in training_jobs.SORT_KEYS
    ecs = default_catalog().get("pai-dlc", "ListEcsSpecs").params["SortBy"]
    # GmtCreateTime is the catalogue's own order (no field to sort on).
    assert set(ecs["enum"]) == set(ecs_specs._SORT_KEYS) | {"GmtCreateTime"}
