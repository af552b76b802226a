"""Domain errors become RFC 9457 problem+json with a stable code, in one place."""

from __future__ import annotations

import json

import pytest

from core import errors
from core.http import PROBLEM_JSON, domain_problem


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.Unauthenticated("x"), 401, "unauthenticated"),
        (errors.Forbidden("x"), 403, "forbidden"),
        (errors.RegistrationClosed("x"), 403, "registration_closed"),
        (errors.VerificationClosed("x"), 403, "verification_closed"),
        (errors.NotFound("x"), 404, "not_found"),
        (errors.VersionConflict("x"), 409, "version_conflict"),
        (errors.RegistrationExists("x"), 409, "registration_exists"),
        (errors.RequestInProgress("x"), 409, "request_in_progress"),
        (errors.Incomplete("x"), 422, "registration_incomplete"),
        (errors.IdempotencyKeyReused("x"), 422, "idempotency_key_reused"),
        (errors.Busy("x"), 503, "busy"),
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
    assert body["title"] == error.title
    assert body["detail"] == "x"


def test_extra_fields_travel_with_the_problem() -> None:
    body = json.loads(domain_problem(errors.RegistrationExists("dup", registration_id="REG-1")).body)
    assert body["registration_id"] == "REG-1"


def test_codes_are_unique() -> None:
    def all_subclasses(cls: type) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in [direct, *all_subclasses(direct)]]

    codes = [cls.code for cls in all_subclasses(errors.DomainError)]
    assert len(codes) == len(set(codes))
