"""Pagination laws, for every operation that takes PageNumber and PageSize:

* pages partition the result: walked page by page they hold exactly the items of one big page,
  in the same order, without duplicates, each page at most PageSize long and only the last short;
* TotalCount is the same on every page and equals the number of items;
* a page past the end is empty; sorting (SortBy/Order) holds across the whole listing;
* bounds are enforced: PageSize above its maximum, PageSize 0 and PageNumber 0 are rejected (4xx).

Top-level lists get a population of three resources of their own (named alike, so a name
filter narrows the listing to them when the operation has one); lists under a resource (logs,
events, versions) use that resource. On an emulator the clock is frozen while pages are read,
so a running job's log does not grow between pages.
"""
from __future__ import annotations

import json
import math

import pytest

from contract_tests.cases import operation_params
from contract_tests.checks import ContractViolation, Finding, error_findings, expect_success
from contract_tests.resources import dig
from contract_tests.values import resolve
from contract_tests.vocabulary import expected_error

_PAGE_FIELDS = {"TotalCount", "PageNumber", "PageSize", "RequestId", "RequestID", "requestId"}


def _is_list_op(op) -> bool:
    return "PageSize" in op.params and "PageNumber" in op.params


def _items_path(op) -> str | None:
    """The response's list: the one array property (under Data for PaiPlugin)."""
    schema = resolve(op, op.response_schema)
    prefix = ""
    if op.envelope == "paiplugin":
        schema, prefix = resolve(op, schema.get("properties", {}).get("Data", {})), "Data."
    arrays = [k for k, v in schema.get("properties", {}).items()
              if k not in _PAGE_FIELDS and "array" in str(resolve(op, v).get("type"))]
    return prefix + arrays[0] if len(arrays) == 1 else None


def _total(op, body) -> int | None:
    value = dig(body, "Data.TotalCount" if op.envelope == "paiplugin" else "TotalCount")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _population(kit, op, params: dict) -> dict:
    """Three resources of the listed kind, when it can be created; their shared name prefix goes
    into the operation's name filter if it has one."""
    kind = next((k for k in kit.resources.kinds.values() if k.product == op.product and k.list == op.action), None)
    if kind is None or kind.create is None or not kit.resources.may_create:
        return params
    deps = {p: kit.resources.shared(k) for p, k in kind.needs.items()}
    stem = kit.resources.new_name("page")
    for i in range(3):
        kit.resources.create(kind.name, deps=deps, name=f"{stem}-{i}")
    for p in kind.parent_params:
        params[p] = deps[p].params[p]
    if kind.name_param in op.params and kind.list_name == kind.name_param:
        params[kind.name_param] = stem
    return params


def _key(item) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("op", operation_params(_is_list_op, mutating=False))
def test_pagination_laws(contract_kit, op):
    kit = contract_kit
    items_path = _items_path(op)
    if items_path is None:
        pytest.fail(f"{op.product} {op.action}: cannot tell which response field is the list")
    spec_size = resolve(op, op.params["PageSize"])
    spec_number = resolve(op, op.params["PageNumber"])
    max_size = int(spec_size.get("maximum", 100))
    findings: list[Finding] = []
    name = f"{op.product} {op.action}"

    def page(number: int, size: int, extra: dict | None = None):
        ex = kit.call(op.product, op.action, {**base, "PageNumber": number, "PageSize": size, **(extra or {})})
        expect_success(op, ex, f"page {number} of size {size}")
        return ex, dig(ex.data, items_path) or [], _total(op, ex.data)

    with kit.resources.scope():
        base = kit.prepare(op).params
        base = _population(kit, op, base)
        with kit.frozen_clock():
            _, everything, total = page(1, max_size)
            if total is not None and total <= max_size and len(everything) != total:
                findings.append(Finding(f"$.{items_path}", "TotalCount matches the items", total, len(everything)))
            size = 2 if len(everything) > 2 else 1
            walked: list = []
            pages = math.ceil(len(everything) / size) if everything else 0
            for number in range(1, min(pages, 50) + 1):
                ex, items, page_total = page(number, size)
                if len(items) > size:
                    findings.append(Finding(f"$.{items_path}", f"page {number} holds at most PageSize={size} items",
                                            size, len(items)))
                if number < pages and len(items) < size:
                    findings.append(Finding(f"$.{items_path}", f"page {number} of {pages} is full", size, len(items)))
                if page_total != total:
                    findings.append(Finding("$.TotalCount", f"TotalCount on page {number} is the same as on page 1",
                                            total, page_total))
                walked.extend(items)
            if pages <= 50 and [_key(i) for i in walked] != [_key(i) for i in everything[:len(walked) or None]]:
                findings.append(Finding(f"$.{items_path}", "pages partition the listing, in order",
                                        f"{len(everything)} items in order", _difference(everything, walked)))
            if pages < 1000:
                _, beyond, _ = page(pages + 1, size)
                if beyond:
                    findings.append(Finding(f"$.{items_path}", f"page {pages + 1} (past the end) is empty", 0, len(beyond)))
            findings += _sorting(op, page, items_path, max_size)
        findings += _bounds(kit, op, base, spec_size, spec_number)
    if findings:
        raise ContractViolation(name, "pagination laws do not hold", findings)


def _difference(expected: list, walked: list) -> str:
    exp, got = [_key(i) for i in expected], [_key(i) for i in walked]
    dup = len(got) - len(set(got))
    missing = len(set(exp) - set(got))
    return f"{len(walked)} items walked, {dup} duplicated, {missing} missing, order {'same' if exp[:len(got)] == got else 'different'}"


def _sorting(op, page, items_path: str, max_size: int) -> list[Finding]:
    """With SortBy on a field the items carry, Order asc/desc sorts the listing by it."""
    sort_spec = resolve(op, op.params.get("SortBy", {}))
    order_spec = resolve(op, op.params.get("Order", {}))
    if not sort_spec or not order_spec:
        return []
    fields = sort_spec.get("enum") or ["GmtCreateTime"]
    field = "GmtCreateTime" if "GmtCreateTime" in fields else fields[0]
    out = []
    for order in ("asc", "desc"):
        _, items, _ = page(1, max_size, {"SortBy": field, "Order": order})
        values = [i.get(field) for i in items if isinstance(i, dict) and i.get(field) is not None]
        if len(values) < 2:
            continue
        ordered = sorted(values, reverse=order == "desc")
        if values != ordered:
            out.append(Finding(f"$.{items_path}[*].{field}", f"sorted by SortBy={field} Order={order}",
                               ordered[:5], values[:5]))
    return out


def _bounds(kit, op, base: dict, spec_size: dict, spec_number: dict) -> list[Finding]:
    cases = []
    if "maximum" in spec_size:
        cases.append(("PageSize", int(spec_size["maximum"]) + 1))
    if spec_size.get("minimum", 0) >= 1:
        cases.append(("PageSize", 0))
    if spec_number.get("minimum", 0) >= 1:
        cases.append(("PageNumber", 0))
    out = []
    for param, value in cases:
        ex = kit.call(op.product, op.action, {**base, param: value})
        out += [Finding(f.path, f"{f.problem} [{param}={value} is out of bounds]", f.expected, f.actual)
                for f in error_findings(op, ex, expected_error(op.product, "invalid"))]
    return out
