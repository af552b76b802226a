"""After a send-back (the verify function's decision), corrections are accepted until 28 February."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.audit import Actor
from core.clock import IST, SettableClock
from core.registration import RegistrationStatus
from infra.local.template import http_routes, load_template
from register import handler
from tests.factories import employee
from tests.integration.conftest import call
from tests.integration.test_registration_journey import complete_draft, submit, upload

pytestmark = pytest.mark.usefixtures("seeded")

AFTER_REGISTRATION = datetime(2026, 2, 10, 12, 0, tzinfo=IST)
AFTER_VERIFICATION = datetime(2026, 3, 1, 0, 0, tzinfo=IST)


def sent_back() -> str:
    """A submitted registration that its DDO sent back (recorded as the verify function will)."""
    reg_id, version = complete_draft()
    submit(reg_id, version)
    service = handler.wiring.service
    registration = service._registrations.get(reg_id)
    assert registration is not None
    service._recorder.record(
        before=registration,
        after=registration.model_copy(update={"status": RegistrationStatus.SENT_BACK}),
        event_type="verification.sent_back",
        actor=Actor(id="user:ddo1", role="ddo"),
        at=registration.updated_at,
        reason="The pay proof is illegible; upload a clearer copy.",
    )
    return reg_id


def test_sent_back_record_is_corrected_and_resubmitted_after_the_registration_deadline(
    clock: SettableClock,
) -> None:
    reg_id = sent_back()
    clock.set(AFTER_REGISTRATION, frozen=True)
    # A replacement document can be uploaded, and its URL ends with the verification window at the latest
    assert upload(reg_id, "pay_proof").body["document"]["status"] == "UPLOADED"
    current = call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body
    reply = submit(reg_id, current["version"])
    assert reply.status == 200
    assert reply.body["registration"]["status"] == "SUBMITTED"
    types = [e["type"] for e in call("GET", f"/v1/registrations/{reg_id}/history", as_=employee()).body["events"]]
    assert types[-3:] == ["verification.sent_back", "document.accepted", "registration.resubmitted"]


def test_sent_back_record_is_frozen_once_verification_closes(clock: SettableClock) -> None:
    reg_id = sent_back()
    version = call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body["version"]
    clock.set(AFTER_VERIFICATION, frozen=True)
    reply = submit(reg_id, version)
    assert reply.status == 403
    assert reply.code == "verification_closed"
    grant = call(
        "POST",
        f"/v1/registrations/{reg_id}/documents",
        as_=employee(),
        body={"type": "pay_proof", "content_type": "application/pdf", "size_bytes": 100},
    )
    assert grant.status == 403
    assert grant.code == "verification_closed"


def test_a_draft_cannot_upload_once_registration_closed_even_if_verification_is_open(clock: SettableClock) -> None:
    reg_id = call("POST", "/v1/registrations", as_=employee(), body={}).body["registration_id"]
    clock.set(AFTER_REGISTRATION, frozen=True)
    grant = call(
        "POST",
        f"/v1/registrations/{reg_id}/documents",
        as_=employee(),
        body={"type": "pay_proof", "content_type": "application/pdf", "size_bytes": 100},
    )
    assert grant.status == 403
    assert grant.code == "registration_closed"


def test_submitted_record_cannot_be_edited() -> None:
    reg_id, version = complete_draft()
    submit(reg_id, version)
    reply = call("PATCH", f"/v1/registrations/{reg_id}", as_=employee(), body={"version": version + 1})
    assert reply.status == 409
    assert reply.code == "invalid_state"
    assert reply.body["current_status"] == "SUBMITTED"


def test_openapi_describes_every_template_route() -> None:
    spec = call("GET", "/openapi.json", as_=None).body
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    declared = {(r.method, r.path) for r in http_routes(load_template()) if r.path not in ("/openapi.json", "/docs")}
    assert declared == documented
    assert "<html" in call("GET", "/docs", as_=None).body.lower()
    submit_op = spec["paths"]["/v1/registrations/{id}/submit"]["post"]
    assert "application/problem+json" in submit_op["responses"]["409"]["content"]
