"""Hostile requests over real sockets: each gets a problem+json answer, never a closed socket or an
HTML page. The body cases once closed the connection (the handler died in parsing); the header and
length cases are what API Gateway refuses before any function runs."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

from tests.api.conftest import LocalStack

pytestmark = pytest.mark.api

FILING = {"category": "salary_not_paid", "subject": "Salary not paid", "description": "Not paid since November."}


def _raw_exchange(stack: LocalStack, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (requests would refuse to) and read one answer."""
    address = urlsplit(stack.url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def _problem_code(content_type: str, body: bytes) -> str:
    assert content_type.startswith("application/problem+json"), (content_type, body[:200])
    return str(json.loads(body)["code"])


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"category": ' + b"[" * 1000 + b"]" * 1000 + b"}", 422, "validation_error"),
        (b'{"category": ' + b"9" * 5000 + b"}", 422, "validation_error"),
        (json.dumps(FILING).encode().replace(b"not paid", "pay\u00e9".encode("latin-1")), 400, "invalid_encoding"),
        (json.dumps({**FILING, "description": "x" * 300_000}).encode(), 413, "body_too_large"),
    ],
    ids=["1000-deep", "5000-digits", "latin-1", "300-KB"],
)
def test_a_hostile_body_gets_a_problem_not_a_closed_socket(
    local_stack: LocalStack, body: bytes, status: int, code: str
) -> None:
    employee = local_stack.login("employee2")
    reply = local_stack.call(
        "POST", "/v1/grievances", as_=employee, data=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == status, reply.text[:300]
    assert _problem_code(reply.headers["Content-Type"], reply.content) == code


def test_headers_over_api_gateway_s_10_kb_are_a_431_problem(local_stack: LocalStack) -> None:
    reply = requests.get(f"{local_stack.url}/v1/transparency/keys", headers={"X-Padding": "p" * 11_000}, timeout=30)
    assert reply.status_code == 431
    assert _problem_code(reply.headers["Content-Type"], reply.content) == "headers_too_large"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_a_body_over_10_mb_is_refused_from_its_length_before_it_is_read(local_stack: LocalStack) -> None:
    # Given a request that announces 20 MB and sends none of it
    request = (
        b"POST /v1/auth/otp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: 20000000\r\n\r\n"
    )
    # Then the answer comes at once (the gateway would otherwise wait for 20 MB) and the connection closes
    status, headers, body = _raw_exchange(local_stack, request)
    assert status == 413 and _problem_code(headers["content-type"], body) == "body_too_large"


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GET /v1/programme HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "bad_request"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "uri_too_long"),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(120)) + b"\r\n", 431, "headers_too_large"),
        (b"GET / HTTP/1.1 trailing-word\r\n\r\n", 400, "bad_request"),
    ],
    ids=["negative-length", "70-KB-path", "120-headers", "garbage"],
)
def test_what_the_http_server_itself_refuses_is_problem_json_too(
    local_stack: LocalStack, request_bytes: bytes, status: int, code: str
) -> None:
    got, headers, body = _raw_exchange(local_stack, request_bytes)
    assert got == status
    assert _problem_code(headers["content-type"], body) == code
