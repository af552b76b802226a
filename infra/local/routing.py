"""Matches a request to one of the template's HttpApi routes, as API Gateway does.

A literal segment beats a `{parameter}` at the same position, so /v1/registrations/{id}/submit
is never taken for /v1/registrations/{id}/documents/{doc}.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from infra.local.template import HttpRoute


@dataclass(frozen=True)
class RouteMatch:
    route: HttpRoute
    parameters: dict[str, str]


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


class RouteTable:
    def __init__(self, routes: Iterable[HttpRoute]) -> None:
        # Most literal segments first: the more specific route wins.
        self._routes = sorted(routes, key=lambda r: [s.startswith("{") for s in _segments(r.path)])

    def _candidates(self, path: str) -> list[RouteMatch]:
        parts = _segments(path)
        found = []
        for route in self._routes:
            pattern = _segments(route.path)
            if len(pattern) != len(parts):
                continue
            parameters: dict[str, str] = {}
            for expected, actual in zip(pattern, parts, strict=True):
                if expected.startswith("{") and expected.endswith("}"):
                    parameters[expected[1:-1]] = actual
                elif expected != actual:
                    break
            else:
                found.append(RouteMatch(route, parameters))
        return found

    def match(self, method: str, path: str) -> RouteMatch | None:
        return next((m for m in self._candidates(path) if m.route.method == method.upper()), None)

    def methods_for(self, path: str) -> set[str]:
        return {m.route.method for m in self._candidates(path)}
