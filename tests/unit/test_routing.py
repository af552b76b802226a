"""Route matching as API Gateway does it: literal segments beat parameters."""

from __future__ import annotations

from infra.local.routing import RouteTable
from infra.local.template import HttpRoute, http_routes, load_template


def route(method: str, path: str) -> HttpRoute:
    return HttpRoute(method=method, path=path, function_id="F", handler="m.h", requires_auth=True)


def test_literal_segment_wins_over_parameter() -> None:
    table = RouteTable([route("GET", "/v1/things/{id}"), route("GET", "/v1/things/mine")])
    match = table.match("GET", "/v1/things/mine")
    assert match is not None
    assert match.route.path == "/v1/things/mine"
    other = table.match("GET", "/v1/things/T-1")
    assert other is not None
    assert other.parameters == {"id": "T-1"}


def test_method_and_length_must_match() -> None:
    table = RouteTable([route("POST", "/v1/things/{id}/submit")])
    assert table.match("GET", "/v1/things/T-1/submit") is None
    assert table.match("POST", "/v1/things/T-1") is None
    assert table.methods_for("/v1/things/T-1/submit") == {"POST"}


def test_every_template_route_matches_itself() -> None:
    routes = http_routes(load_template())
    table = RouteTable(routes)
    for r in routes:
        concrete = "/".join("X-1" if s.startswith("{") else s for s in r.path.split("/"))
        match = table.match(r.method, concrete)
        assert match is not None
        assert match.route == r
