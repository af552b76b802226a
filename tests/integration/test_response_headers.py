"""The headers every answer carries, whatever route or outcome: no type sniffing; no caching of
personal data unless the route says it may be cached; the API's own page may not be framed and
runs only its own scripts."""

from __future__ import annotations

import pytest

from tests.factories import ddo, employee
from tests.integration.conftest import call

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.mark.parametrize(
    ("method", "path", "as_", "status"),
    [
        ("GET", "/v1/me", employee(), 200),
        ("POST", "/v1/registrations", employee(), 201),
        ("GET", "/v1/registrations/REG-2026-000999", employee(), 404),
        ("POST", "/v1/registrations", ddo(), 403),
        ("GET", "/v1/verifications", ddo(), 200),
        ("GET", "/v1/grievances", employee(), 200),
    ],
)
def test_personal_answers_and_problems_are_not_sniffed_or_stored(
    method: str, path: str, as_: dict[str, str], status: int
) -> None:
    reply = call(method, path, as_=as_, body={} if method == "POST" else None)
    assert reply.status == status, reply.body
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-store"


def test_a_route_that_may_be_cached_keeps_its_own_cache_control() -> None:
    reply = call("GET", "/v1/transparency/stats", as_=None)
    assert reply.status == 200
    assert reply.headers["Cache-Control"].startswith("public, max-age=")
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_the_api_page_cannot_be_framed_and_runs_only_its_own_scripts() -> None:
    reply = call("GET", "/docs", as_=None)
    assert reply.status == 200
    assert reply.headers["X-Frame-Options"] == "DENY"
    policy = dict(part.strip().split(" ", 1) for part in reply.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    # Only hashes: no 'unsafe-inline' and no other origin may run script here
    assert all(source.startswith("'sha256-") for source in policy["script-src"].split())
    assert policy["script-src"].count("sha256-") == reply.body.count("</script>")
