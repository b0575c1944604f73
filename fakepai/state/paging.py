"""The one list mechanism and the list-request parameters it reads.

A `ListSpec` declares a list operation (filters as a table of parameter -> predicate, sort keys
named as the schema's SortBy enum names them) and `ListSpec.select` filters, sorts and pages a
collection by it (docs/architecture.md, "Lists"). `time_window` is the one StartTime/EndTime parser
(lists and telemetry reads). What the request schema declares (PageNumber/PageSize bounds, the
Order and SortBy enums, defaults) the binder has enforced and filled in before a handler runs;
nothing here checks it again. What is left to check raises 400 InvalidParameter naming the
parameter (DESIGN §3), before anything is read."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
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
    """`Order` as "asc" or "desc". The schema's enum takes it in either case (asc, desc, ASC, DESC;
    DESIGN §3) and nothing else (tests/project/test_schema_constants.py)."""
    return str(params.get("Order") or default).lower()


def contains_ci(haystack: str | None, needle: str | None) -> bool:
    """Name filters are case-insensitive substring matches (DESIGN §3)."""
    if not needle:
        return True
    return needle.lower() in (haystack or "").lower()


def equals(attribute: str) -> Callable[[Any, Any], bool]:
    """A filter-table predicate: the item's `attribute` (dotted: "job.id") equals the parameter."""
    read = attrgetter(attribute)
    return lambda item, value: read(item) == value


def contains(attribute: str) -> Callable[[Any, Any], bool]:
    """A filter-table predicate: the parameter is a case-insensitive substring of the item's
    `attribute` (`contains_ci`, DESIGN §3)."""
    read = attrgetter(attribute)
    return lambda item, value: contains_ci(read(item), value)


def _instant(params: dict, name: str) -> float | None:
    """An ISO-8601 time parameter (`2024-01-01T00:00:00Z`), or None when absent; 400 naming it
    when it does not parse."""
    value = params.get(name)
    if value is None:               # "" is not absent: the schema's `format: date-time` refuses it
        return None
    try:
        return parse_iso(str(value))
    except (ValueError, TypeError, OverflowError):
        raise invalid_parameter(name, "expected an ISO-8601 time such as 2024-01-01T00:00:00Z")


def time_window(params: dict, *, since: float | None = None, until: float | None = None,
                whole_second_end: bool = False) -> tuple[float | None, float | None]:
    """(StartTime, EndTime) as epoch seconds: the one parser of a request's time window.

    since / until: what an absent StartTime / EndTime means (None: open on that side). An absent
      EndTime never falls before the start: a poller moving StartTime past the newest line gets an
      empty window, not an error.
    A StartTime after the EndTime: where the operation's schema declares the `notAfter` rule
      (telemetry reads), the binder has refused it (400 naming StartTime, fakepai/rules.py); where
      not (a list's creation-time filter), and where only a default is late (an EndTime before the
      default start), the window is empty: nothing matches.
    whole_second_end: times are shown to the second, so a whole-second EndTime covers its whole
      second (an item stamped 12:00:05.25, shown as 12:00:05, is inside a window ending 12:00:05)."""
    asked_start, asked_end = _instant(params, "StartTime"), _instant(params, "EndTime")
    start = since if asked_start is None else asked_start
    end = asked_end
    if end is None:
        end = until if until is None or start is None else max(until, start)
    if whole_second_end and asked_end is not None and asked_end == int(asked_end):
        end = asked_end + 0.999999
    return start, end


def creation_window(params: dict, now: float) -> tuple[float, float]:
    """A list's StartTime/EndTime on creation time: defaults a week ago .. now [META list requests];
    a reversed window matches nothing."""
    return time_window(params, since=now - WEEK, until=now)


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
    default_sort: the key used without SortBy when the schema declares no default (or no SortBy).
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

    def _sort_key(self, params: dict) -> Callable[[Any], Any]:
        sort = self.operation.params.get("SortBy")
        if sort is None:
            return self.sort_keys[self.default_sort]
        name = params.get("SortBy") or sort.get("default", self.default_sort)
        # The binder has held SortBy to the schema's enum; where the schema leaves it open, the
        # keys declared here are its values.
        if "enum" not in sort and name not in self.sort_keys:
            raise invalid_parameter("SortBy", f"{name!r} is not one of {', '.join(self.sort_keys)}")
        return self.sort_keys[name]

    def select(self, params: dict, items: Iterable[T], *, where: Iterable[Callable[[T], bool]] = ()
               ) -> tuple[list[T], int]:
        """(the requested page of the matching items, how many match). `where`: per-request
        conditions that are no single parameter (visibility, ShowOwn, a time window)."""
        tests = [(pred, self.parse.get(name, _same)(params[name]))
                 for name, pred in self.filters.items() if not _absent(params.get(name))]
        conditions = list(where)
        key = self._sort_key(params)
        desc = order(params, self._default("Order", self.default_order)) == "desc"
        matches = [item for item in items
                   if all(cond(item) for cond in conditions) and all(pred(item, value) for pred, value in tests)]
        matches.sort(key=key, reverse=desc)
        if "PageSize" not in self.operation.params:
            return matches, len(matches)                # a list the schema does not page
        # Bound, and defaulted by the binder from the schema (tests/operations/test_list_specs.py).
        return page(matches, params["PageNumber"], params["PageSize"]), len(matches)

    @staticmethod
    def page_params(params: dict) -> dict:
        """PageNumber and PageSize as the request had them (or the schema's defaults), for bodies
        that echo them."""
        return {"PageNumber": params["PageNumber"], "PageSize": params["PageSize"]}
