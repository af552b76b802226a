"""The verifiable service certificate on moto: pending until the VERIFIED event is sequenced, then
issued, signed and audited; public status and verification; an admin's revocation; a corrected record
supersedes it; a later decision revokes it."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from certificates import handler as certificates_handler
from core.audit import Actor
from core.clock import IST, SettableClock
from core.credential import CertificateClaims, b64url, encode
from core.credential import verify as verify_credential
from core.registration import RegistrationStatus
from infra.local.events import LocalLambdaContext
from tests import factories
from tests.factories import employee
from tests.integration.conftest import Reply, call
from tests.integration.test_verification import DDO, OTHER_DDO, decide, submitted
from transparency import log

pytestmark = pytest.mark.usefixtures("seeded")

ADMIN = factories.claims("admin1", "admin")
HOD = factories.claims("hod1", "hod", department="Health")
DECIDED_AT = datetime(2026, 2, 10, 12, 0, tzinfo=IST)


def sequence() -> None:
    """The transparency sequencer's run (every minute in the cloud)."""
    assert log.lambda_handler({"job": "transparency-sequence"}, LocalLambdaContext("TransparencyLogFunction"))


def verified(clock: SettableClock) -> str:
    reg_id, version = submitted()
    clock.set(DECIDED_AT, frozen=True)
    reply = decide(reg_id, decision="verify", remarks="All documents match.", version=version)
    assert reply.status == 200, reply.body
    return reg_id


def certificate(reg_id: str, as_: dict[str, str] | None = None) -> Reply:
    return call("GET", f"/v1/registrations/{reg_id}/certificate", as_=as_ or employee())


def history_types(reg_id: str) -> list[str]:
    body = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee()).body
    assert body["chain"]["valid"] is True
    return [e["type"] for e in body["events"]]


def check(credential: str) -> Reply:
    return call("POST", "/v1/certificates/verify", as_=None, body={"credential": credential})


def jwks() -> dict:
    return call("GET", "/v1/keys", as_=None).body


def test_pending_until_sequenced_then_issued_once_signed_and_audited(clock: SettableClock) -> None:
    # Given a registration its DDO has just verified
    reg_id = verified(clock)

    # When the employee asks before the sequencer has logged the VERIFIED event
    pending = certificate(reg_id)
    # Then it is pending, with when to come back
    assert pending.status == 409 and pending.code == "certificate_pending"
    assert pending.body["ready_by"] == "2026-02-10T12:01:00+05:30"
    assert pending.headers["Retry-After"] == "60"

    # When the sequencer has run
    sequence()
    issued = certificate(reg_id)
    # Then the certificate is issued: a compact JWS with the attested fields, signed with the published key
    assert issued.status == 200, issued.body
    body = issued.body
    assert body["status"] == "valid"
    attested = body["attested"]
    assert body["serial"].endswith("-C1") and attested["serial"] == body["serial"]
    assert (attested["name"], attested["employee_code"], attested["department"], attested["office"]) == (
        "Sunita Devi",
        "EMP-0001",
        "Health",
        "Civil Hospital",
    )
    assert attested["service_years"] == 7
    assert (attested["verifier_role"], attested["verifier_office"]) == ("ddo", "DDO-PKL-001")
    assert attested["verified_at"] == DECIDED_AT.isoformat()
    assert attested["expires_at"] == "2046-04-30T23:59:59+05:30"  # born 12 April 1988: 58 at the end of April 2046
    events = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee()).body["events"]
    verify_event = next(e for e in events if e["type"] == "verification.verify")
    local = verify_credential(body["credential"], jwks(), now=DECIDED_AT)
    assert local.valid and local.key_id == body["key_id"]
    assert local.claims is not None and local.claims.serial == body["serial"]
    assert local.claims.leaf_index >= 0
    header = json.loads(base64.urlsafe_b64decode(body["credential"].split(".")[0] + "=="))
    assert header == {"alg": "ES256", "kid": body["key_id"]}
    # and issuing is an event in the registration's own chain, which still verifies
    assert history_types(reg_id)[-2:] == ["verification.verify", "certificate.issued"]
    assert events[-1]["data"]["serial"] == body["serial"]
    assert verify_event["seq"] == events[-1]["data"]["verified_event_seq"]

    # When it is asked for again, by the employee or an official who may read the record
    for reader in (employee(), DDO, HOD, ADMIN):
        again = certificate(reg_id, reader)
        assert again.status == 200 and again.body["credential"] == body["credential"]
    # Then nothing new is issued
    assert history_types(reg_id).count("certificate.issued") == 1
    # and nobody else may read it
    assert certificate(reg_id, OTHER_DDO).status == 403
    assert certificate(reg_id, employee("EMP-0002")).status == 403
    assert call("GET", "/v1/registrations/REG-00000000000000000000000000/certificate", as_=ADMIN).status == 404


def test_no_certificate_before_the_registration_is_verified() -> None:
    reg_id, _ = submitted()
    reply = certificate(reg_id)
    assert reply.status == 409 and reply.code == "not_verified"
    assert reply.body["current_status"] == "SUBMITTED"


def test_status_and_verify_are_public_and_give_a_verdict_for_every_wrong_credential(clock: SettableClock) -> None:
    reg_id = verified(clock)
    sequence()
    body = certificate(reg_id).body
    credential, serial = body["credential"], body["serial"]

    status = call("GET", f"/v1/certificates/{serial}/status", as_=None)
    assert status.status == 200 and status.body["status"] == "valid"
    assert call("GET", "/v1/certificates/HR26-NOSUCH-C1/status", as_=None).status == 404

    good = check(credential)
    assert good.status == 200
    assert (good.body["verdict"], good.body["valid"]) == ("valid", True)
    assert good.body["attested"]["name"] == "Sunita Devi" and good.body["status"]["status"] == "valid"

    header, payload, signature = credential.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    # altered: a year more of service, the signature kept
    tampered = f"{header}.{b64url(json.dumps({**claims, 'sy': 8}).encode())}.{signature}"
    # forged: the same claims under our key id, signed by someone else's key
    stranger = ec.generate_private_key(ec.SECP256R1())

    def stranger_signs(message: bytes) -> bytes:
        return stranger.sign(message, ec.ECDSA(hashes.SHA256()))

    forged = encode(CertificateClaims.model_validate(claims), key_id=body["key_id"], sign_der=stranger_signs)
    unknown_key = encode(CertificateClaims.model_validate(claims), key_id="someone-elses-key", sign_der=stranger_signs)
    none_header = b64url(json.dumps({"alg": "none", "kid": body["key_id"]}).encode())
    none_alg = f"{none_header}.{payload}."
    for wrong, verdict in (
        (tampered, "bad_signature"),
        (forged, "bad_signature"),
        (unknown_key, "unknown_key"),
        (none_alg, "malformed"),
        ("not-a-credential", "malformed"),
        (f"{header}.{payload}.!!!", "malformed"),
    ):
        reply = check(wrong)
        assert reply.status == 200, (verdict, reply.body)
        assert (reply.body["verdict"], reply.body["valid"], reply.body["attested"]) == (verdict, False, None), verdict
    assert check("x" * 5000).status == 422

    # After superannuation the same credential has expired
    clock.set(datetime(2046, 5, 2, 10, 0, tzinfo=IST), frozen=True)
    expired = check(credential)
    assert (expired.body["verdict"], expired.body["valid"]) == ("expired", False)
    assert call("GET", f"/v1/certificates/{serial}/status", as_=None).body["status"] == "expired"


def test_an_admin_revokes_a_certificate_issued_in_error_audited(clock: SettableClock) -> None:
    reg_id = verified(clock)
    sequence()
    body = certificate(reg_id).body
    serial = body["serial"]
    order = {"reason": "Issued against the wrong service book.", "order_ref": "GAD/2026/17"}

    # Only an admin may revoke, with a reason and an order
    assert call("POST", f"/v1/certificates/{serial}/revoke", as_=DDO, body=order).status == 403
    assert call("POST", f"/v1/certificates/{serial}/revoke", as_=ADMIN, body={"reason": "short"}).status == 422
    revoked = call("POST", f"/v1/certificates/{serial}/revoke", as_=ADMIN, body=order)
    assert revoked.status == 200, revoked.body
    assert revoked.body["status"] == "revoked" and revoked.body["revocation_reason"] == order["reason"]

    status = call("GET", f"/v1/certificates/{serial}/status", as_=None).body
    assert (status["status"], status["revocation_reason"]) == ("revoked", order["reason"])
    assert status["revoked_at"] == DECIDED_AT.isoformat()
    assert check(body["credential"]).body["verdict"] == "revoked"
    # the same facts get no new certificate
    again = certificate(reg_id)
    assert again.status == 409 and again.code == "certificate_revoked"
    assert call("POST", f"/v1/certificates/{serial}/revoke", as_=ADMIN, body=order).code == "certificate_not_valid"
    events = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee()).body["events"]
    assert events[-1]["type"] == "certificate.revoked"
    assert events[-1]["actor"] == "user:admin1" and events[-1]["data"]["order_ref"] == "GAD/2026/17"


def _record_change(reg_id: str, clock: SettableClock, event_type: str, **update: object) -> None:
    """A change to the registration recorded as any function records one (one transaction, audited)."""
    service = certificates_handler.wiring.service
    registration = service._registrations.get(reg_id)
    assert registration is not None
    service._recorder.record(
        before=registration,
        after=registration.model_copy(update=update),
        event_type=event_type,
        actor=Actor(id="user:ddo-ddo-pkl-001", role="ddo"),
        at=clock.now(),
        reason="Corrected on the DDO's order.",
    )


def test_a_correction_of_an_attested_field_supersedes_the_certificate(clock: SettableClock) -> None:
    reg_id = verified(clock)
    sequence()
    first = certificate(reg_id).body
    registration = certificates_handler.wiring.service._registrations.get(reg_id)
    assert registration is not None
    corrected = registration.record.model_copy(
        update={"personal": registration.record.personal.model_copy(update={"name": "Sunita Rani"})}
    )
    _record_change(reg_id, clock, "registration.corrected", record=corrected)

    # The public status of the old serial already names its successor
    status = call("GET", f"/v1/certificates/{first['serial']}/status", as_=None).body
    assert status["status"] == "superseded" and status["superseded_by"].endswith("-C2")
    assert check(first["credential"]).body["verdict"] == "superseded"
    second = certificate(reg_id).body
    assert second["serial"] == status["superseded_by"] and second["attested"]["name"] == "Sunita Rani"
    assert second["attested"]["leaf_index"] == first["attested"]["leaf_index"]  # the same verification
    assert check(second["credential"]).body["verdict"] == "valid"
    events = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee()).body["events"]
    assert [e["type"] for e in events][-3:] == [
        "certificate.issued",
        "registration.corrected",
        "certificate.superseded",
    ]
    assert events[-1]["data"]["changed"] == ["name"] and events[-1]["data"]["serial"] == first["serial"]


def test_a_later_decision_revokes_the_certificate(clock: SettableClock) -> None:
    reg_id = verified(clock)
    sequence()
    first = certificate(reg_id).body
    _record_change(reg_id, clock, "verification.reopened", status=RegistrationStatus.SUBMITTED)

    status = call("GET", f"/v1/certificates/{first['serial']}/status", as_=None).body
    assert status["status"] == "revoked" and "no longer VERIFIED" in status["revocation_reason"]
    reply = certificate(reg_id)
    assert reply.status == 409 and reply.code == "not_verified"
    assert history_types(reg_id)[-1] == "certificate.revoked"
