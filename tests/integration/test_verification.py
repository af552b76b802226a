"""The DDO's side: queue, case file, decisions with signed receipts, and the HoD after the deadline."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import boto3
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from core.clock import IST, SettableClock
from core.escalation import escalate_to_hod
from core.registration import QueueStatus, Receipt
from core.signing import receipt_bytes
from core.store.registrations import QUEUE_RANK
from register import handler as register_handler
from tests import factories
from tests.factories import employee
from tests.integration.conftest import call
from tests.integration.test_registration_concurrency import RoundTrips
from tests.integration.test_registration_journey import complete_draft, submit, upload
from verify import handler as verify_handler
from verify import settings as verify_settings

pytestmark = pytest.mark.usefixtures("seeded")

DDO = factories.ddo("DDO-PKL-001")
OTHER_DDO = factories.ddo("DDO-PKL-002")
HOD = factories.claims("hod1", "hod", department="Health")
AFTER_DEADLINE = datetime(2026, 3, 1, 9, 0, tzinfo=IST)
REASONS = "The pay proof does not match the treasury record for 2021."


def submitted(body: dict | None = None) -> tuple[str, int]:
    """EMP-0001's registration, submitted; returns its id and current version."""
    if body:
        call("POST", "/v1/registrations", as_=employee(), body=body)
    reg_id, version = complete_draft()
    reply = submit(reg_id, version)
    assert reply.status == 200, reply.body
    return reg_id, reply.body["registration"]["version"]


def decide(reg_id: str, as_: dict[str, str] = DDO, **body: object) -> object:
    return call("POST", f"/v1/verifications/{reg_id}/decision", as_=as_, body=body)


# ---------------------------------------------------------------- queue
def test_queue_shows_pending_first_with_counts_and_time_left() -> None:
    reg_id, _ = submitted()
    reply = call("GET", "/v1/verifications", as_=DDO)
    assert reply.status == 200
    assert [i["registration_id"] for i in reply.body["items"]] == [reg_id]
    assert reply.body["items"][0]["status"] == "SUBMITTED"
    assert reply.body["counts"]["SUBMITTED"] == 1
    assert reply.body["verification_closes_at"] == "2026-02-28T23:59:59+05:30"
    assert reply.body["seconds_left"] > 0
    assert call("GET", "/v1/verifications", as_=OTHER_DDO).body["items"] == []


def test_queue_orders_pending_before_decided_and_filters() -> None:
    first, version = submitted()
    decide(first, decision="verify", remarks="", version=version)
    # A second employee of the same DDO submits later
    second, second_version = complete_draft(as_=employee("EMP-0002"))
    submit(second, second_version, as_=employee("EMP-0002"))
    queue = call("GET", "/v1/verifications", as_=DDO).body["items"]
    assert [(i["registration_id"], i["status"]) for i in queue] == [(second, "SUBMITTED"), (first, "VERIFIED")]
    pending = call("GET", "/v1/verifications", as_=DDO, query="status=SUBMITTED").body["items"]
    assert [i["registration_id"] for i in pending] == [second]
    page = call("GET", "/v1/verifications", as_=DDO, query="limit=1")
    assert len(page.body["items"]) == 1
    rest = call("GET", "/v1/verifications", as_=DDO, query=f"limit=1&cursor={page.body['next_cursor']}")
    assert [i["registration_id"] for i in rest.body["items"]] == [first]
    assert rest.body["counts"] is None  # counts come with the first page


def test_queue_filters_mismatches_and_refuses_a_foreign_cursor() -> None:
    submitted({"engagement": {"monthly_pay": 31_000}})
    assert len(call("GET", "/v1/verifications", as_=DDO, query="mismatch_only=true").body["items"]) == 1
    assert call("GET", "/v1/verifications", as_=DDO, query="ineligible_only=true").body["items"] == []
    foreign = base64.urlsafe_b64encode(json.dumps({"queue_ddo": {"S": "DDO-HSR-001"}}).encode()).decode()
    reply = call("GET", "/v1/verifications", as_=DDO, query=f"cursor={foreign}")
    assert (reply.status, reply.code) == (400, "invalid_cursor")
    assert call("GET", "/v1/verifications", as_=employee()).status == 403


def test_a_status_no_queue_holds_is_refused_not_a_crash() -> None:
    # Given a DDO's queue, When they filter by a state no queue holds (the fuzz found a 500 here)
    answers = [call("GET", "/v1/verifications", as_=DDO, query=f"status={s}") for s in ("DRAFT", "LAPSED")]
    # Then each is a 422 problem naming the parameter, and every queue state is accepted
    assert [(a.status, a.body["errors"][0]["loc"]) for a in answers] == [(422, ["query", "status"])] * 2
    assert set(QueueStatus) == set(QUEUE_RANK)


# ---------------------------------------------------------------- case file
def test_case_file_has_everything_to_decide() -> None:
    reg_id, _ = submitted({"engagement": {"monthly_pay": 31_000}})
    reply = call("GET", f"/v1/verifications/{reg_id}", as_=DDO)
    assert reply.status == 200
    body = reply.body
    assert body["roll_mismatches"] == [
        {"field": "engagement.monthly_pay", "roll_value": 32_000, "claimed_value": 31_000}
    ]
    assert body["eligibility"]["eligible"] is True
    assert len(body["documents"]) == 4
    assert all(d["sha256"] and "X-Amz-Signature" in d["url"] for d in body["documents"])
    assert body["chain_valid"] is True
    assert body["history"][-1]["type"] == "registration.submitted"
    assert call("GET", f"/v1/verifications/{reg_id}", as_=OTHER_DDO).status == 403


# ---------------------------------------------------------------- decisions
def test_verify_returns_a_signed_receipt_that_verifies_and_notifies() -> None:
    reg_id, version = submitted()
    reply = decide(reg_id, decision="verify", remarks="All documents match.", version=version)
    assert reply.status == 200
    assert reply.body["status"] == "VERIFIED"
    receipt = reply.body["signed_receipt"]["receipt"]
    assert receipt["decided_by"] == "user:ddo-ddo-pkl-001"
    assert set(receipt["document_hashes"]) == {
        "appointment_letter",
        "service_certificate",
        "pay_proof",
        "identity_proof",
    }
    for who in (employee(), DDO, factories.claims("admin1", "admin")):
        check = call("GET", f"/v1/verifications/{reg_id}/receipt", as_=who)
        assert check.status == 200
        assert check.body["verified"] is True
    history = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee()).body
    assert history["events"][-1]["data"]["signed_receipt"] == reply.body["signed_receipt"]
    assert history["chain"]["valid"] is True
    notifications = boto3.client("dynamodb").query(
        TableName=verify_settings.get_settings().notifications_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": f"request#registration#{reg_id}"}},
    )["Items"]
    assert [n["template"]["S"] for n in notifications] == ["verification_verify"]


def test_an_altered_receipt_does_not_verify() -> None:
    reg_id, version = submitted()
    decide(reg_id, decision="verify", remarks="", version=version)
    table = verify_settings.get_settings().registrations_table
    client = boto3.client("dynamodb")
    key = {"pk": {"S": reg_id}, "sk": {"S": "REGISTRATION"}}
    item = client.get_item(TableName=table, Key=key)["Item"]
    item["review"]["M"]["signed_receipt"]["M"]["receipt"]["M"]["decision"] = {"S": "reject"}
    client.put_item(TableName=table, Item=item)
    check = call("GET", f"/v1/verifications/{reg_id}/receipt", as_=DDO)
    assert check.body["verified"] is False


def test_keys_publish_the_signing_key_as_jwks() -> None:
    reg_id, version = submitted()
    signed = decide(reg_id, decision="verify", remarks="", version=version).body["signed_receipt"]
    jwks = call("GET", "/v1/keys", as_=None)
    assert jwks.status == 200
    (key,) = jwks.body["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("EC", "P-256", "ES256")

    def number(field: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(key[field] + "=="), "big")

    public = ec.EllipticCurvePublicNumbers(number("x"), number("y"), ec.SECP256R1()).public_key()

    # A third party verifies the receipt with nothing but the JWKS.
    public.verify(
        base64.b64decode(signed["signature"]),
        receipt_bytes(Receipt.model_validate(signed["receipt"])),
        ec.ECDSA(hashes.SHA256()),
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"decision": "send_back", "remarks": "too short"}, 422, "remarks_required"),
        ({"decision": "reject", "remarks": REASONS}, 422, "invalid_reason_code"),
        ({"decision": "reject", "remarks": REASONS, "reason_code": "because"}, 422, "invalid_reason_code"),
        ({"decision": "approve", "remarks": ""}, 422, "validation_error"),
        ({"decision": "verify", "remarks": "", "unexpected": 1}, 422, "validation_error"),
    ],
)
def test_decisions_need_reasons(body: dict, status: int, code: str) -> None:
    reg_id, version = submitted()
    reply = decide(reg_id, **{**body, "version": version})
    assert reply.status == status
    assert reply.code == code


def test_verify_is_refused_while_a_mismatch_is_uncertified_or_a_document_is_not_ok() -> None:
    reg_id, version = submitted({"engagement": {"monthly_pay": 31_000}})
    refused = decide(reg_id, decision="verify", remarks="", version=version)
    assert refused.status == 422
    assert refused.code == "mismatch_uncertified"
    documents = call("GET", f"/v1/verifications/{reg_id}", as_=DDO).body["documents"]
    pay_proof = next(d["document_id"] for d in documents if d["type"] == "pay_proof")
    not_ok = decide(
        reg_id,
        decision="verify",
        remarks="",
        version=version,
        certify_mismatches=True,
        document_checks=[{"document_id": pay_proof, "ok": False, "remark": "illegible"}],
    )
    assert not_ok.code == "document_not_ok"
    unknown = decide(
        reg_id,
        decision="verify",
        remarks="",
        version=version,
        certify_mismatches=True,
        document_checks=[{"document_id": "DOC-X", "ok": True}],
    )
    assert unknown.code == "unknown_document"
    ok = decide(
        reg_id, decision="verify", remarks="Pay revised by order 12/2024.", version=version, certify_mismatches=True
    )
    assert ok.status == 200


def test_wrong_ddo_stale_version_and_deadline(clock: SettableClock) -> None:
    reg_id, version = submitted()
    assert decide(reg_id, as_=OTHER_DDO, decision="verify", remarks="", version=version).status == 403
    stale = decide(reg_id, decision="verify", remarks="", version=version - 1)
    assert (stale.status, stale.code) == (409, "version_conflict")
    assert decide(reg_id, as_=HOD, decision="verify", remarks="", version=version).status == 403
    clock.set(AFTER_DEADLINE, frozen=True)
    late = decide(reg_id, decision="verify", remarks="", version=version)
    assert (late.status, late.code) == (403, "verification_closed")


def test_twenty_concurrent_decisions_record_exactly_one() -> None:
    reg_id, version = submitted()
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(
            pool.map(
                lambda n: decide(reg_id, decision="verify" if n % 2 else "send_back", remarks=REASONS, version=version),
                range(20),
            )
        )
    assert Counter(r.status for r in replies) == {200: 1, 409: 19}
    events = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee()).body["events"]
    assert sum(e["type"].startswith("verification.") for e in events) == 1


# ---------------------------------------------------------------- the employee's side
def test_send_back_shows_remarks_and_the_corrected_record_returns_to_the_queue() -> None:
    reg_id, version = submitted()
    documents = call("GET", f"/v1/verifications/{reg_id}", as_=DDO).body["documents"]
    pay_proof = next(d["document_id"] for d in documents if d["type"] == "pay_proof")
    sent = decide(
        reg_id,
        decision="send_back",
        remarks=REASONS,
        version=version,
        document_checks=[{"document_id": pay_proof, "ok": False, "remark": "Upload the 2021 slip."}],
    )
    assert sent.status == 200
    mine = call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body
    assert mine["status"] == "SENT_BACK"
    assert mine["review"]["remarks"] == REASONS
    assert mine["review"]["document_checks"][0]["remark"] == "Upload the 2021 slip."
    upload(reg_id, "pay_proof")
    version = call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body["version"]
    assert submit(reg_id, version).status == 200
    queue = call("GET", "/v1/verifications", as_=DDO, query="status=SUBMITTED").body["items"]
    assert [i["registration_id"] for i in queue] == [reg_id]
    verified = decide(reg_id, decision="verify", remarks="", version=queue[0]["version"])
    assert verified.status == 200
    frozen = call("PATCH", f"/v1/registrations/{reg_id}", as_=employee(), body={"version": verified.body["version"]})
    assert (frozen.status, frozen.code) == (409, "invalid_state")


# ---------------------------------------------------------------- after the deadline
def test_hod_decides_escalated_items_after_the_deadline(clock: SettableClock) -> None:
    reg_id, _ = submitted()
    clock.set(AFTER_DEADLINE, frozen=True)
    service = register_handler.wiring.service
    registration = service._registrations.get(reg_id)
    assert registration is not None
    escalated = escalate_to_hod(service._recorder, registration, clock.now())
    assert decide(reg_id, decision="verify", remarks="", version=escalated.version).status == 403  # the DDO
    queue = call("GET", "/v1/verifications", as_=HOD).body["items"]
    assert [(i["registration_id"], i["status"]) for i in queue] == [(reg_id, "ESCALATED")]
    sent_back = decide(reg_id, as_=HOD, decision="send_back", remarks=REASONS, version=escalated.version)
    assert sent_back.code == "decision_not_allowed"
    rejected = decide(
        reg_id,
        as_=HOD,
        decision="reject",
        remarks=REASONS,
        reason_code="insufficient_service",
        version=escalated.version,
    )
    assert rejected.status == 200
    assert rejected.body["signed_receipt"]["receipt"]["decided_role"] == "hod"
    other_hod = factories.claims("hod9", "hod", department="Education")
    assert call("GET", f"/v1/verifications/{reg_id}", as_=other_hod).status == 403


# ---------------------------------------------------------------- cost
@pytest.fixture
def verify_round_trips() -> Iterator[RoundTrips]:
    counter = RoundTrips()
    aws = verify_handler.wiring.aws
    for client in (aws.dynamodb, aws.resource("dynamodb").meta.client):
        client.meta.events.register("before-call.dynamodb", counter)
    call("GET", "/v1/keys", as_=None)
    call("GET", "/v1/verifications", as_=DDO)  # warm: programme settings cached
    counter.take()
    yield counter


def test_round_trips_of_queue_pages_and_decisions(verify_round_trips: RoundTrips) -> None:
    reg_id, version = submitted()
    other, other_version = complete_draft(as_=employee("EMP-0002"))
    submit(other, other_version, as_=employee("EMP-0002"))
    verify_round_trips.take()
    first = call("GET", "/v1/verifications", as_=DDO, query="limit=1")
    assert verify_round_trips.take() == ["Query", "BatchGetItem"]
    call("GET", "/v1/verifications", as_=DDO, query=f"limit=1&cursor={first.body['next_cursor']}")
    assert verify_round_trips.take() == ["Query"]
    decide(reg_id, decision="verify", remarks="", version=version)
    assert verify_round_trips.take() == ["Query", "TransactWriteItems"]
