"""Hostile bodies get a problem+json answer and write nothing.

Each case here once crashed the handler (a closed socket locally, a bare 500 in the cloud) or was
taken as something the client never meant: a body nested 1,000 deep (RecursionError), a 5,000-digit
integer (Python's int-string limit), invalid UTF-8 (stored with replacement characters), duplicate
keys (the last one won), a JSON array where an object belongs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.observability import logger
from core.request_body import MAX_BODY_BYTES
from grievance import service as grievance_service
from tests.factories import employee
from tests.integration.conftest import Reply, call

pytestmark = pytest.mark.usefixtures("seeded")

FILING = {
    "category": "salary_not_paid",
    "subject": "Salary not paid since November",
    "description": "My salary for November and December 2025 has not been credited to my account.",
}


def file_raw(body: bytes, content_type: str = "application/json") -> Reply:
    return call("POST", "/v1/grievances", as_=employee(), body=body, headers={"content-type": content_type})


def filed_count() -> int:
    reply = call("GET", "/v1/grievances", as_=employee())
    assert reply.status == 200, reply.body
    return len(reply.body["items"])


def filing_with(**extra: Any) -> bytes:
    return json.dumps({**FILING, **extra}).encode()


def _error_types(reply: Reply) -> list[str]:
    return [e["type"] for e in reply.body.get("errors", [])]


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        pytest.param(filing_with()[:-1] + b', "x": ' + b"[" * 1000 + b"]" * 1000 + b"}", "json_too_deep", id="deep"),
        pytest.param(filing_with()[:-1] + b', "x": ' + b"7" * 5000 + b"}", "json_number_too_long", id="5000-digits"),
        pytest.param(filing_with()[:-1] + b', "x": 1e999}', "json_number_too_long", id="infinite-float"),
        pytest.param(filing_with()[:-1] + b', "x": NaN}', "json_invalid", id="nan"),
        pytest.param(filing_with()[:-1] + b', "category": "other"}', "json_duplicate_key", id="duplicate-key"),
        pytest.param(filing_with()[:20], "json_invalid", id="truncated"),
    ],
)
def test_a_body_json_would_crash_on_or_misread_is_a_422_that_writes_nothing(body: bytes, error_type: str) -> None:
    # When an employee's filing carries the hostile part
    reply = file_raw(body)
    # Then it is refused as a validation problem naming what is wrong, and nothing is filed
    assert (reply.status, reply.code) == (422, "validation_error"), reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert error_type in _error_types(reply)
    assert filed_count() == 0


def test_a_json_array_where_the_body_is_an_object_is_a_422() -> None:
    reply = file_raw(json.dumps([FILING]).encode())
    assert (reply.status, reply.code) == (422, "validation_error"), reply.body
    assert filed_count() == 0


def test_a_body_over_the_limit_is_a_413_before_it_is_parsed() -> None:
    # Given a filing padded past the limit (a description the model would refuse anyway: the size is checked first)
    body = filing_with(description="x" * MAX_BODY_BYTES)
    # When it is sent
    reply = file_raw(body)
    # Then 413 says the limit and the size, in KB
    assert (reply.status, reply.code) == (413, "body_too_large"), reply.body
    assert reply.body["limit_kb"] == MAX_BODY_BYTES // 1024 and reply.body["size_kb"] > reply.body["limit_kb"]
    assert filed_count() == 0


def test_a_body_that_is_not_utf8_is_a_400_and_is_never_stored_with_replacement_characters() -> None:
    # Given a subject in Latin-1 (what a misconfigured client sends for "Salary not paid — Dec")
    body = filing_with(subject="Salary not paid DEC").replace(b"DEC", "D\u00e9c".encode("latin-1"))
    reply = file_raw(body)
    assert (reply.status, reply.code) == (400, "invalid_encoding"), reply.body
    assert filed_count() == 0


def test_hindi_in_utf8_is_text_not_an_encoding_error() -> None:
    reply = file_raw(filing_with(subject="दिसंबर का वेतन नहीं मिला"))
    assert reply.status == 201, reply.body
    assert reply.body["subject"] == "दिसंबर का वेतन नहीं मिला"


def test_an_error_no_code_foresaw_is_a_500_problem_with_the_correlation_id_and_no_internals(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a defect deep in the filing (here: an exception no layer maps)
    def broken(*_: Any, **__: Any) -> None:
        raise KeyError("queue_sort of item GRV-secret-internal")

    monkeypatch.setattr(grievance_service.GrievanceService, "file", broken)
    # When an employee files, in Hindi
    reply = call(
        "POST", "/v1/grievances", as_=employee(), body=FILING, headers={"accept-language": "hi", "x-amzn-trace-id": "t"}
    )
    # Then the answer is a readable problem that names the correlation id and nothing of the internals
    assert (reply.status, reply.code) == (500, "internal_error")
    assert reply.headers["Content-Type"] == "application/problem+json"
    correlation_id = reply.body["correlation_id"]
    assert correlation_id and correlation_id in reply.body["detail"]
    assert reply.headers["Content-Language"] == "hi"
    assert "GRV-secret-internal" not in json.dumps(reply.body) and "KeyError" not in json.dumps(reply.body)
    # And the log line that explains it carries the same id and the traceback
    # (formatted as the function's log formatter writes it to CloudWatch)
    logged = [json.loads(logger.registered_formatter.format(r)) for r in caplog.records]
    errors = [line for line in logged if line["message"] == "unhandled error"]
    assert [line["correlation_id"] for line in errors] == [correlation_id]
    assert "KeyError" in errors[0]["exception"]
