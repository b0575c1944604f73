"""Pagination laws, for every operation that takes PageNumber and PageSize:

* pages partition the result: walked page by page they hold exactly the items of one big page,
  in the same order, without duplicates, each page at most PageSize long and only the last short;
* TotalCount is the same on every page and equals the number of items;
* a page past the end (and far past it) is empty; Order=asc sorts by the sort field and Order=desc
  is its exact reverse (the population is created at distinct times: the emulator's clock moves
  between creates, a live run waits a second);
* bounds are enforced: PageSize above its maximum, PageSize 0 and PageNumber 0 are rejected (4xx).

Top-level lists get a population of three resources of their own (named alike, so a name
filter narrows the listing to them when the operation has one); lists under a resource (logs,
events, versions) use that resource. On an emulator the clock is frozen while pages are read,
so a running job's log does not grow between pages.
"""
from __future__ import annotations

import json
import math
import time

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
        if i:
            _let_time_pass(kit)
        kit.resources.create(kind.name, deps=deps, name=f"{stem}-{i}")
    for p in kind.parent_params:
        params[p] = deps[p].params[p]
    if kind.name_param in op.params and kind.list_name == kind.name_param:
        params[kind.name_param] = stem
    return params


def _let_time_pass(kit) -> None:
    """So the population's creation times differ (a sort by time can then be told from no sort):
    on an emulator its virtual clock moves; elsewhere the kit waits past the second."""
    if kit.target.is_emulator:
        kit.target.advance(2)
    else:
        time.sleep(1.1)


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
            for past in (pages + 1, pages + 10):   # just past the end, and far past it
                if past <= 1000:
                    _, beyond, _ = page(past, size)
                    if beyond:
                        findings.append(Finding(f"$.{items_path}", f"page {past} (past the end) is empty", 0, len(beyond)))
            findings += _sorting(op, page, items_path, max_size)
        findings += _bounds(kit, op, base, spec_size, spec_number)
    if findings:
        raise ContractViolation(name, "pagination laws do not hold", findings)


def _difference(expected: list, walked: list) -> str:
    exp, got = [_key(i) for i in expected], [_key(i) for i in walked]
    dup = len(got) - len(set(got))
    missing = len(set(exp) - set(got))
    return f"{len(walked)} items walked, {dup} duplicated, {missing} missing, order {'same' if exp[:len(got)] == got else 'different'}"


_SORT_FIELDS = ("GmtCreateTime", "Timestamp", "StartedAt")   # what an Order-only list sorts by


def _sorting(op, page, items_path: str, max_size: int) -> list[Finding]:
    """Order=asc sorts the listing by the sort field (SortBy's, GmtCreateTime by preference), and
    Order=desc is its exact reverse: compared on the items whose value of that field is unique
    (the population was created at distinct times, so there are some)."""
    sort_spec = resolve(op, op.params.get("SortBy", {}))
    if not resolve(op, op.params.get("Order", {})):
        return []
    fields = sort_spec.get("enum") or []
    field = "GmtCreateTime" if "GmtCreateTime" in fields or (sort_spec and not fields) else (fields or [None])[0]
    extra = {"SortBy": field} if sort_spec else {}
    listed = {order: page(1, max_size, {**extra, "Order": order})[1] for order in ("asc", "desc")}
    if field is None:   # no SortBy: the order is by time, on whichever time field the items carry
        first = next((i for i in listed["asc"] if isinstance(i, dict)), {})
        field = next((f for f in _SORT_FIELDS if f in first), None)
        if field is None:
            return []
    out = []
    for order, items in listed.items():
        values = [i.get(field) for i in items if isinstance(i, dict) and i.get(field) is not None]
        ordered = sorted(values, reverse=order == "desc")
        if values != ordered:
            out.append(Finding(f"$.{items_path}[*].{field}", f"sorted by {field}, Order={order}", ordered[:5], values[:5]))
    counts: dict = {}
    for i in listed["asc"]:
        counts[i.get(field)] = counts.get(i.get(field), 0) + 1
    asc = [_key(i) for i in listed["asc"] if counts.get(i.get(field)) == 1]
    desc = [_key(i) for i in listed["desc"] if counts.get(i.get(field)) == 1]
    if asc != desc[::-1]:
        out.append(Finding(f"$.{items_path}", f"Order=desc is the exact reverse of Order=asc (by {field})",
                           f"{len(asc)} items, reversed", _difference(asc[::-1], desc)))
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
