"""The local gateway under concurrency behaves as Lambda does: each function serves one event per
environment at a time, so concurrent requests never share a handler's state, and a crowd of
clients connecting at once is queued, not reset."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.api.conftest import LocalStack

pytestmark = pytest.mark.api

# Employees who file a grievance in the mix, and the roll code each filing must carry.
FILERS = {f"employee{n}": f"EMP-{n:04d}" for n in (25, 27, 28, 29, 30)}
Kind = tuple[int, str, str, dict[str, str], dict[str, Any], str | None]


def test_a_hundred_clients_connecting_at_once_all_get_answers(local_stack: LocalStack) -> None:
    # Given 100 clients, each with its own connection, all at once
    def fetch(_: int) -> int:
        return requests.get(f"{local_stack.url}/v1/transparency/keys", timeout=120).status_code

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(fetch, range(100)))
    # Then every one is answered (no connection reset by a short listen backlog)
    assert statuses == [200] * 100


def test_fifty_concurrent_mixed_requests_each_get_their_own_route_s_status(local_stack: LocalStack) -> None:
    local_stack.set_clock("2026-03-10T10:00:00+05:30")
    ddo = local_stack.login("ddo1")
    filers = [(local_stack.login(name), code) for name, code in FILERS.items()]
    reader = local_stack.login("employee1")
    grievance = {
        "category": "salary_not_paid",
        "subject": "Salary not paid",
        "description": "My salary for February 2026 has not been credited to my account.",
    }
    # Given fifty requests to the same two functions, each kind with its own status (and a filing,
    # its filer's roll code)
    kinds: list[Kind] = []
    for i in range(50):
        match i % 5:
            case 0 if i // 5 < len(filers):
                filer, code = filers[i // 5]
                kinds.append((201, "POST", "/v1/grievances", filer, {"json": grievance}, code))
            case 0:
                kinds.append((200, "GET", "/v1/programme", reader, {}, None))
            case 1:
                kinds.append((200, "GET", "/v1/me", reader, {}, None))
            case 2:
                kinds.append((422, "POST", "/v1/grievances", reader, {"json": {"category": "salary_not_paid"}}, None))
            case 3:
                kinds.append((404, "GET", "/v1/grievances/GRV-2026-999999", reader, {}, None))
            case _:
                kinds.append((403, "POST", "/v1/registrations", ddo, {"json": {}}, None))

    def send(kind: Kind) -> tuple[tuple[int, str | None], tuple[int, str | None], str]:
        expected, method, path, auth, extra, filer_code = kind
        reply = requests.request(method, f"{local_stack.url}{path}", headers=auth, timeout=120, **extra)
        filed_for = reply.json().get("employee_code") if filer_code and reply.status_code == 201 else None
        text = reply.headers.get("Content-Type", "") + " " + reply.text[:300]
        return (expected, filer_code), (reply.status_code, filed_for), text

    # When they are sent at once
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(send, kinds))
    # Then each answer has its route's status and each filing is its filer's (none borrowed from a
    # concurrent request), and every refusal is problem+json
    mismatches = [(expected, got, text) for expected, got, text in results if expected != got]
    assert mismatches == []
    assert all(text.startswith("application/problem+json") for (status, _), _, text in results if status >= 400)


def test_the_gateway_s_own_answers_carry_the_same_headers_and_name_no_version(local_stack: LocalStack) -> None:
    # An unknown route and a missing token are answered by the gateway itself, not a function
    for path in ("/v1/no/such/route", "/v1/me"):
        reply = requests.get(f"{local_stack.url}{path}", timeout=30)
        assert reply.status_code in (401, 404)
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Cache-Control"] == "no-store"
        assert "Python" not in reply.headers["Server"]
