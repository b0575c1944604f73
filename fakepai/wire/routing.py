"""HTTP method + path -> operation, for both URL forms of DESIGN §3.

Native (ROA): the SDK's own paths, `GET /api/v1/trainingjobs/{TrainingJobId}`. Several products
share a path (`/api/v1/algorithms` is both PaiStudio's and, under v2, PaiPlugin's; training jobs
exist in PaiStudio and PaiPlugin under different prefixes), so ties are broken by the
`x-acs-action`/`x-acs-version` headers, then by the Host, then by the most literal path.

Gateway (the seed's form): `/api/{Product}/{Version}/{Action}[/path params...]`; trailing
segments fill the operation's path parameters in order, literal segments such as `labels` are
skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from fakepai.catalog import Catalog, Operation, canonical_product
from fakepai.errors import PaiError

_HOST_HINTS = {"pai-dlc": "pai-dlc", "paiplugin": "PaiPlugin", "pai.": "PaiStudio"}


@dataclass(frozen=True)
class Route:
    """Shared by every request with the same request line (Router.resolve keeps them): read-only."""
    operation: Operation
    path_values: dict[str, str] = field(default_factory=dict)
    form: str = "native"  # "native" | "gateway"


def unknown_api(method: str, path: str) -> PaiError:
    return PaiError(404, "InvalidApi.NotFound", f"Specified api is not found, please check your url and method: {method} {path}")


class Router:
    KNOWN_ROUTES = 4096       # request lines whose route is kept (resolve)

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._known: dict[tuple[str, str], Route] = {}
        self._by_method: dict[str, list[Operation]] = {}
        for op in catalog.operations.values():
            self._by_method.setdefault(op.method, []).append(op)
        for ops in self._by_method.values():
            ops.sort(key=lambda o: -o.literal_segments)
        # Native paths only match paths with as many segments, so index by (method, segments).
        self._by_shape: dict[tuple[str, int], list[Operation]] = {}
        for method, ops in self._by_method.items():
            for op in ops:
                self._by_shape.setdefault((method, op.path.count("/")), []).append(op)

    def resolve(self, method: str, path: str, headers: dict[str, str]) -> Route:
        """`path` is the raw, still percent-encoded path: each segment is decoded exactly once, so
        an id holding an encoded `/` or `%` (the SDKs percent-encode path parameters) stays one
        segment and is not decoded twice.

        A route that the method and path alone decide (every gateway path; a native path only one
        operation matches, so no header breaks a tie) is kept, and the same request line is
        answered from `_known` next time (a client reads the same job over and over). The
        cache is bounded: full, it is emptied and fills again."""
        key = (method, path)
        known = self._known.get(key)
        if known is not None:
            return known
        method = method.upper()
        parts = path.split("/")
        if len(parts) >= 5 and parts[1] == "api" and canonical_product(unquote(parts[2])):
            route = self._gateway(method, parts)
        else:
            route, decided = self._native(method, path, headers)
            if not decided:
                return route
        if len(self._known) >= self.KNOWN_ROUTES:
            self._known.clear()
        self._known[key] = route
        return route

    def _native(self, method: str, path: str, headers: dict[str, str]) -> tuple[Route, bool]:
        """The route, and whether the path alone decided it (no tie for the headers to break)."""
        candidates: list[tuple[Operation, dict[str, str]]] = []
        # Literal segments are matched decoded; `/` and `%` inside a segment stay escaped until the
        # captured value is unquoted below.
        path = "/".join(unquote(seg).replace("%", "%25").replace("/", "%2F") for seg in path.split("/"))
        for op in self._by_shape.get((method, path.rstrip("/").count("/")), []):
            m = op.path_regex.match(path)
            if m:
                candidates.append((op, {k: unquote(v) for k, v in m.groupdict().items()}))
        if not candidates:
            raise unknown_api(method, path)
        decided = len(candidates) == 1
        if not decided:
            candidates = self._break_tie(candidates, headers)
        op, values = candidates[0]
        return Route(op, values, "native"), decided

    @staticmethod
    def _break_tie(candidates, headers):
        action = headers.get("x-acs-action")
        version = headers.get("x-acs-version")
        if action:
            named = [c for c in candidates if c[0].action == action and (not version or c[0].version == version)]
            if named:
                return named
        host = headers.get("host", "").lower()
        for hint, product in _HOST_HINTS.items():
            if host.startswith(hint) or f".{hint}" in host:
                hinted = [c for c in candidates if c[0].product == product]
                if hinted:
                    return hinted
        # Otherwise the most literal path wins (candidates arrive sorted by literal segments).
        return candidates

    def _gateway(self, method: str, parts: list[str]) -> Route:
        product = canonical_product(unquote(parts[2]))
        version, action = unquote(parts[3]), unquote(parts[4])
        op = self.catalog.get(product, action)
        if op is None or op.version != version:
            raise PaiError(404, "InvalidApi.NotFound", f"Specified api is not found: {parts[2]} {version} {action}")
        if op.method != method:
            raise PaiError(404, "InvalidApi.NotFound", f"{product} {action} is served for {op.method}, not {method}")
        # The trailing segments mirror the native path from its first parameter on
        # (`/UpdateTrainingJobLabels/train76rcaupa2cz/labels`): a segment equal to the template's
        # next literal ("labels", "versions") is that literal; anything else fills the next
        # parameter, and literals the caller left out are skipped. The prefix (`api`, `v1`,
        # `algorithms`) is not part of it, so an id such as algorithm version "v1" stays an id.
        template = op.path.strip("/").split("/")
        tail = template[next((i for i, t in enumerate(template) if t.startswith("{")), len(template)):]
        values: dict[str, str] = {}
        at = 0
        for seg in parts[5:]:
            if not seg:
                continue
            seg = unquote(seg)
            if at < len(tail) and tail[at] == seg and not seg.startswith("{"):
                at += 1
                continue
            while at < len(tail) and not tail[at].startswith("{"):
                at += 1
            if at >= len(tail):
                raise unknown_api(method, "/".join(parts))
            values[tail[at][1:-1]] = seg
            at += 1
        return Route(op, values, "gateway")
