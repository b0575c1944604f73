"""PageNumber/PageSize bounds are the request schema's, enforced by the binder before any handler
runs (no handler re-checks them, issue #14 §2): on every operation that pages, a page size of 0,
one past the declared maximum, and a page number of 0 (or past its declared maximum) are 400
InvalidParameter naming the parameter, through the gateway URL form."""
from __future__ import annotations

import pytest

from fakepai.catalog import default_catalog
from tests.helpers import assert_error

PAGED = sorted((op for product in ("PaiStudio", "pai-dlc", "PaiPlugin") for op in default_catalog().by_product(product)
                if "PageSize" in op.params), key=lambda op: op.key)


def _bad_values(op) -> list[tuple[str, int]]:
    size, number = op.params["PageSize"], op.params.get("PageNumber", {})
    bad = [("PageSize", size["minimum"] - 1), ("PageSize", size["maximum"] + 1)]
    if "minimum" in number:
        bad.append(("PageNumber", number["minimum"] - 1))
    if number.get("maximum", 2 ** 63 - 1) < 2 ** 63 - 1:
        bad.append(("PageNumber", number["maximum"] + 1))
    return bad


def test_every_paging_operation_declares_its_bounds():
    assert len(PAGED) >= 12, [op.key for op in PAGED]
    for op in PAGED:
        assert op.params["PageSize"]["minimum"] == 1 and op.params["PageSize"]["maximum"] >= 100, op.key
        assert op.params["PageNumber"]["minimum"] == 1, op.key


@pytest.mark.parametrize("op", PAGED, ids=lambda op: f"{op.product}.{op.action}")
def test_paging_bounds_are_the_binders(gw, fakepai, op):
    url = f"/api/{op.product}/{op.version}/{op.action}"
    required = {name: "x" for name in op.required}          # bounds fail first, whatever the ids name
    for name, value in _bad_values(op):
        body = assert_error(gw.request(op.method, url, params={**required, name: value}), 400, "InvalidParameter")
        assert name in body["Message"], (op.key, name, body)
