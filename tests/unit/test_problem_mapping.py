"""Domain errors become RFC 9457 problem+json with a stable code, in one place."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from core import errors
from core.http import PROBLEM_JSON, create_resolver, domain_problem
from infra.local.events import http_api_event


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.Unauthenticated(), 401, "unauthenticated"),
        (errors.Forbidden("roles", roles=["admin"]), 403, "forbidden"),
        (errors.RegistrationClosed(closed_at=datetime(2026, 1, 31, 18, 29, tzinfo=UTC)), 403, "registration_closed"),
        (errors.VerificationClosed(closed_at=datetime(2026, 2, 28, 18, 29, tzinfo=UTC)), 403, "verification_closed"),
        (errors.NotFound("registration", registration_id="REG-1"), 404, "not_found"),
        (errors.VersionConflict("stale", sent_version=1, current_version=2), 409, "version_conflict"),
        (errors.RegistrationExists(registration_id="REG-1"), 409, "registration_exists"),
        (errors.RequestInProgress(), 409, "request_in_progress"),
        (errors.Incomplete(missing_documents=[], missing_fields=["bank"]), 422, "registration_incomplete"),
        (errors.IdempotencyKeyReused(), 422, "idempotency_key_reused"),
        (errors.Busy(), 503, "busy"),
        (errors.DocumentNotRetained(), 503, "document_not_retained"),
    ],
)
def test_each_domain_error_has_its_status_and_code(error: errors.DomainError, status: int, code: str) -> None:
    response = domain_problem(error)
    body = json.loads(response.body)
    assert response.status_code == status
    assert response.content_type == PROBLEM_JSON
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"].endswith(f"/problems/{code}")
    assert body["title"] and body["detail"]
    assert response.headers["Content-Language"] == "en"


def test_extra_fields_travel_with_the_problem() -> None:
    body = json.loads(domain_problem(errors.RegistrationExists(registration_id="REG-1")).body)
    assert body["registration_id"] == "REG-1"
    assert "REG-1" in body["detail"]


def test_codes_are_unique() -> None:
    def all_subclasses(cls: type) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in [direct, *all_subclasses(direct)]]

    codes = [cls.code for cls in all_subclasses(errors.DomainError)]
    assert len(codes) == len(set(codes))


def _resolve_raising(error: Exception) -> dict:
    app = create_resolver()

    @app.get("/boom")
    def boom() -> dict:
        raise error

    return app.resolve(http_api_event(method="GET", route="/boom", path="/boom"), None)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (IdempotencyAlreadyInProgressError("in progress"), 409, "request_in_progress"),
        (IdempotencyValidationError("other payload"), 422, "idempotency_key_reused"),
        (errors.VersionConflict("stale", sent_version=2, current_version=3), 409, "version_conflict"),
    ],
)
def test_the_resolver_answers_problems_for_domain_and_idempotency_errors(
    error: Exception, status: int, code: str
) -> None:
    response = _resolve_raising(error)
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == PROBLEM_JSON
    assert json.loads(response["body"])["code"] == code


def test_unknown_routes_are_problems_too() -> None:
    response = create_resolver().resolve(http_api_event(method="GET", route="/nope", path="/nope"), None)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["code"] == "route_not_found"
