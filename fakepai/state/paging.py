"""The one list mechanism: a `ListSpec` declares a list operation (filters as a table of
parameter -> predicate, sort keys named as the schema's SortBy enum names them, default order) and
`ListSpec.select` filters, sorts and pages a collection by it (docs/architecture.md, "Lists").
Besides it: the order, sort-key and time-window parameter checks list requests share. Each check
raises 400 InvalidParameter naming the parameter (DESIGN §3), so a list request with a bad value is
rejected before anything is read. PageNumber/PageSize bounds are the binder's (from the schema)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from fakepai.catalog import Operation, default_catalog
from fakepai.errors import invalid_parameter
from fakepai.timestamps import parse_iso

WEEK = 7 * 24 * 3600

T = TypeVar("T")


def page(items: Sequence[T], page_number: int, page_size: int) -> list[T]:
    """Page `page_number` (1-based) of `items`; an empty list past the end, never an error."""
    start = (page_number - 1) * page_size
    return list(items[start:start + page_size])


def order(params: dict, default: str = "desc") -> str:
    """`Order` as "asc" or "desc", accepted in either case (DESIGN §3); 400 naming it otherwise."""
    value = params.get("Order") or default
    if str(value).lower() not in ("asc", "desc"):
        raise invalid_parameter("Order", f"{value!r} is not one of asc, desc")
    return str(value).lower()


def sort_by(params: dict, allowed: Iterable[str], default: str) -> str:
    """`SortBy`, one of `allowed` (default `default`); 400 naming it otherwise."""
    value = params.get("SortBy") or default
    allowed = list(allowed)
    if value not in allowed:
        raise invalid_parameter("SortBy", f"{value!r} is not one of {', '.join(allowed)}")
    return value


def sort_items(items: Iterable[T], key: Callable[[T], Any], order: str | None, default_desc: bool = True) -> list[T]:
    """Sort by `key` with `Order` accepted in either case (DESIGN §3); ties keep creation order."""
    desc = default_desc if not order else order.lower() == "desc"
    return sorted(items, key=key, reverse=desc)


def contains_ci(haystack: str | None, needle: str | None) -> bool:
    """Name filters are case-insensitive substring matches (DESIGN §3)."""
    if not needle:
        return True
    return needle.lower() in (haystack or "").lower()


def time_param(params: dict, name: str) -> float | None:
    """An ISO-8601 time parameter (`2024-01-01T00:00:00Z`), or None when absent; 400 naming it
    when it does not parse."""
    value = params.get(name)
    if value is None:               # "" is not absent: the schema's `format: date-time` refuses it
        return None
    try:
        return parse_iso(str(value))
    except (ValueError, TypeError, OverflowError):
        raise invalid_parameter(name, "expected an ISO-8601 time such as 2024-01-01T00:00:00Z")


def creation_window(params: dict, now: float, span: float = WEEK) -> tuple[float, float]:
    """StartTime/EndTime on creation time; defaults now - span .. now [META list requests]."""
    start, end = time_param(params, "StartTime"), time_param(params, "EndTime")
    return (now - span if start is None else start), (now if end is None else end)


def _absent(value) -> bool:
    """A filter parameter not asked for: absent, empty text or an empty object/list."""
    return value is None or (isinstance(value, (str, dict, list)) and not value)


def _same(value):
    return value


@dataclass(frozen=True)
class ListSpec:
    """One list operation, declared.

    filters: {parameter: predicate(item, value)}; a predicate runs only when its parameter is
      given (not None, "" or empty), so 0 and False are values. Value checks the binder cannot do
      happen in the handler before `select`.
    sort_keys: {SortBy value: key(item)}; the allowed names are the schema's SortBy enum where it
      declares one (tests/operations/test_list_specs.py: every enum name has a key here).
      Keys carry their own tie-breaker (creation order) so equal keys keep creation order.
    default_sort: the key used without SortBy when the schema declares no default.
    default_order: "asc" or "desc" when the schema declares no Order default.
    parse: {parameter: parse(value)} for filters whose value is read once per request (a
      comma-separated list, say) rather than once per item."""
    product: str
    action: str
    sort_keys: Mapping[str, Callable[[Any], Any]]
    default_sort: str
    filters: Mapping[str, Callable[[Any, Any], bool]] = field(default_factory=dict)
    default_order: str = "desc"
    parse: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)

    @cached_property
    def operation(self) -> Operation:
        op = default_catalog().get(self.product, self.action)
        if op is None:
            raise LookupError(f"no schema for {self.product} {self.action}")
        return op

    def _default(self, name: str, fallback):
        return self.operation.params.get(name, {}).get("default", fallback)

    @cached_property
    def sort_names(self) -> tuple[str, ...]:
        """SortBy's allowed values: the schema's enum, else the keys declared here."""
        return tuple(self.operation.params.get("SortBy", {}).get("enum") or self.sort_keys)

    def select(self, params: dict, items: Iterable[T], *, where: Iterable[Callable[[T], bool]] = ()
               ) -> tuple[list[T], int]:
        """(the requested page of the matching items, how many match). `where`: per-request
        conditions that are no single parameter (visibility, ShowOwn, a time window)."""
        tests = [(pred, self.parse.get(name, _same)(params[name]))
                 for name, pred in self.filters.items() if not _absent(params.get(name))]
        conditions = list(where)
        default_sort = self._default("SortBy", self.default_sort)
        if "SortBy" in self.operation.params:
            key = self.sort_keys[sort_by(params, self.sort_names, default_sort)]
        else:
            key = self.sort_keys[default_sort]
        desc = order(params, self._default("Order", self.default_order)) == "desc"
        matches = [item for item in items
                   if all(cond(item) for cond in conditions) and all(pred(item, value) for pred, value in tests)]
        matches.sort(key=key, reverse=desc)
        number = params.get("PageNumber") or self._default("PageNumber", 1)
        size = params.get("PageSize") or self._default("PageSize", 10)
        return page(matches, number, size), len(matches)

    def page_params(self, params: dict) -> dict:
        """PageNumber and PageSize as the request had them (or their defaults), for bodies that echo them."""
        return {"PageNumber": params.get("PageNumber") or self._default("PageNumber", 1),
                "PageSize": params.get("PageSize") or self._default("PageSize", 10)}
