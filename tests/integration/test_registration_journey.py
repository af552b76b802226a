"""The employee's registration journey through the register handler, on moto."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta

import boto3
import pytest
import requests

from core.clock import IST, SettableClock
from infra.local.events import LocalLambdaContext
from register import handler
from register import settings as register_settings
from tests import factories
from tests.factories import employee
from tests.integration.conftest import Reply, call

pytestmark = pytest.mark.usefixtures("seeded")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
REQUIRED = ("appointment_letter", "service_certificate", "pay_proof", "identity_proof")


def create(as_: dict[str, str] | None = None, body: dict | None = None) -> Reply:
    return call("POST", "/v1/registrations", as_=as_ or employee(), body={} if body is None else body)


def request_upload(
    reg_id: str,
    doc_type: str = "appointment_letter",
    size: int = len(PDF),
    content_type: str = "application/pdf",
    as_: dict[str, str] | None = None,
) -> Reply:
    return call(
        "POST",
        f"/v1/registrations/{reg_id}/documents",
        as_=as_ or employee(),
        body={"type": doc_type, "content_type": content_type, "size_bytes": size},
    )


def put_object(key: str, content: bytes, content_type: str = "application/pdf") -> None:
    bucket = register_settings.get_settings().documents_bucket
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=content, ContentType=content_type)


def object_key(reply: Reply) -> str:
    return reply.body["upload"]["fields"]["key"]


def upload(
    reg_id: str,
    doc_type: str = "appointment_letter",
    content: bytes = PDF,
    declared: str = "application/pdf",
    declared_size: int | None = None,
    as_: dict[str, str] | None = None,
) -> Reply:
    """Request, upload and confirm one document; returns the confirm reply."""
    grant = request_upload(reg_id, doc_type, declared_size or len(content), declared, as_=as_)
    assert grant.status == 201, grant.body
    put_object(object_key(grant), content, declared)
    return call(
        "POST", f"/v1/registrations/{reg_id}/documents/{grant.body['document_id']}/confirm", as_=as_ or employee()
    )


def complete_draft(as_: dict[str, str] | None = None) -> tuple[str, int]:
    reg = create(as_=as_)
    reg_id = reg.body["registration_id"]
    for doc_type in REQUIRED:
        assert upload(reg_id, doc_type, as_=as_).body["document"]["status"] == "UPLOADED"
    current = call("GET", f"/v1/registrations/{reg_id}", as_=as_ or employee())
    return reg_id, current.body["version"]


def submit(reg_id: str, version: int, key: str | None = None, as_: dict[str, str] | None = None) -> Reply:
    headers = {"Idempotency-Key": key} if key else None
    return call(
        "POST", f"/v1/registrations/{reg_id}/submit", as_=as_ or employee(), body={"version": version}, headers=headers
    )


def history(reg_id: str) -> Reply:
    return call("GET", f"/v1/registrations/{reg_id}/history", as_=employee())


# ---------------------------------------------------------------- programme and me
def test_programme_shows_windows_and_server_time() -> None:
    reply = call("GET", "/v1/programme", as_=employee())
    assert reply.status == 200
    assert reply.body["registration_closes_at"] == "2026-01-31T23:59:59+05:30"
    assert reply.body["verification_closes_at"] == "2026-02-28T23:59:59+05:30"
    assert reply.body["now"] == factories.DURING_REGISTRATION.isoformat()
    assert reply.body["registration_open"] is True


def test_no_identity_gets_401_problem() -> None:
    reply = call("GET", "/v1/programme", as_=None)
    assert reply.status == 401
    assert reply.code == "unauthenticated"
    assert reply.headers["Content-Type"] == "application/problem+json"


def test_me_shows_roll_entry_then_registration_id() -> None:
    before = call("GET", "/v1/me", as_=employee())
    assert before.body["roll"]["employee_code"] == "EMP-0001"
    assert before.body["registration_id"] is None
    created = create()
    after = call("GET", "/v1/me", as_=employee())
    assert after.body["registration_id"] == created.body["registration_id"]
    assert after.body["roles"] == ["employee"]


# ---------------------------------------------------------------- create
def test_empty_body_creates_draft_prefilled_from_roll() -> None:
    reply = create()
    assert reply.status == 201
    assert reply.body["status"] == "DRAFT"
    assert reply.body["version"] == 1
    assert reply.body["record"]["personal"]["name"] == "Sunita Devi"
    assert reply.body["ddo_code"] == "DDO-PKL-001"
    assert reply.body["roll_mismatches"] == []
    assert reply.body["eligibility"]["eligible"] is True
    assert reply.body["missing_documents"] == list(REQUIRED)


def test_second_create_gets_409_with_existing_id() -> None:
    first = create()
    second = create()
    assert second.status == 409
    assert second.code == "registration_exists"
    assert second.body["registration_id"] == first.body["registration_id"]


def test_fields_that_differ_from_roll_are_mismatches() -> None:
    reply = create(body={"engagement": {"monthly_pay": 35_000}, "personal": {"name": "Sunita Rani"}})
    assert reply.status == 201
    mismatches = {m["field"]: m for m in reply.body["roll_mismatches"]}
    assert mismatches["engagement.monthly_pay"]["roll_value"] == 32_000
    assert mismatches["engagement.monthly_pay"]["claimed_value"] == 35_000
    assert mismatches["personal.name"]["claimed_value"] == "Sunita Rani"


@pytest.mark.parametrize(
    "body",
    [
        {"engagement": {"ddo_code": "DDO-HSR-001"}},  # the verifier is not the employee's to choose
        {"unexpected": 1},
        {"personal": {"mobile": "12345"}},
        {"engagement": {"monthly_pay": -1}},
    ],
)
def test_invalid_create_body_gets_422_and_writes_nothing(body: dict) -> None:
    reply = create(body=body)
    assert reply.status == 422
    assert reply.code == "validation_error"
    assert reply.body["errors"]
    assert call("GET", "/v1/me", as_=employee()).body["registration_id"] is None


def test_malformed_json_gets_422_problem() -> None:
    event_reply = call("POST", "/v1/registrations", as_=employee(), body=b"{not json")
    assert event_reply.status == 422
    assert event_reply.code == "validation_error"


def test_only_employees_on_the_roll_create() -> None:
    assert create(as_=factories.ddo()).status == 403
    stranger = create(as_=employee("EMP-9999"))
    assert stranger.status == 403
    assert stranger.code == "not_on_roll"


def test_create_after_deadline_is_registration_closed(clock: SettableClock) -> None:
    clock.set(datetime(2026, 2, 1, 0, 0, tzinfo=IST), frozen=True)
    reply = create()
    assert reply.status == 403
    assert reply.code == "registration_closed"
    assert reply.body["closed_at"] == "2026-01-31T23:59:59+05:30"


# ---------------------------------------------------------------- read and authorisation
def test_who_may_read_a_registration() -> None:
    reg_id = create().body["registration_id"]
    path = f"/v1/registrations/{reg_id}"
    assert call("GET", path, as_=employee()).status == 200
    assert call("GET", path, as_=employee("EMP-0002")).status == 403
    assert call("GET", path, as_=factories.ddo("DDO-PKL-001")).status == 200
    assert call("GET", path, as_=factories.ddo("DDO-HSR-001")).status == 403
    assert call("GET", path, as_=factories.claims("hod1", "hod", department="Health")).status == 200
    assert call("GET", path, as_=factories.claims("hod9", "hod", department="Education")).status == 403
    assert call("GET", path, as_=factories.claims("admin1", "admin")).status == 200
    assert call("GET", path, as_=factories.claims("officer1", "officer")).status == 403


def test_unknown_registration_is_404() -> None:
    reply = call("GET", "/v1/registrations/REG-01J0000000000000000000000A", as_=employee())
    assert reply.status == 404
    assert reply.code == "not_found"


# ---------------------------------------------------------------- edit
def test_patch_with_current_version_records_changes() -> None:
    reg_id = create().body["registration_id"]
    reply = call(
        "PATCH",
        f"/v1/registrations/{reg_id}",
        as_=employee(),
        body={"version": 1, "family_id": "NEWFAM99", "engagement": {"designation": "Senior Nurse"}},
    )
    assert reply.status == 200
    assert reply.body["version"] == 2
    assert reply.body["record"]["engagement"]["designation"] == "Senior Nurse"
    event = history(reg_id).body["events"][-1]
    assert event["type"] == "registration.edited"
    assert event["data"]["changes"]["family_id"] == {"from": "FAM12345", "to": "NEWFAM99"}


def test_patch_with_stale_version_is_409_and_changes_nothing() -> None:
    reg_id = create().body["registration_id"]
    call("PATCH", f"/v1/registrations/{reg_id}", as_=employee(), body={"version": 1, "family_id": "NEWFAM99"})
    stale = call("PATCH", f"/v1/registrations/{reg_id}", as_=employee(), body={"version": 1, "family_id": "OLDFAM11"})
    assert stale.status == 409
    assert stale.code == "version_conflict"
    assert stale.body["current_version"] == 2
    assert call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body["record"]["family_id"] == "NEWFAM99"


def test_someone_elses_registration_cannot_be_patched() -> None:
    reg_id = create().body["registration_id"]
    reply = call("PATCH", f"/v1/registrations/{reg_id}", as_=employee("EMP-0002"), body={"version": 1})
    assert reply.status == 403
    assert reply.code == "forbidden"


def test_draft_cannot_be_edited_after_deadline(clock: SettableClock) -> None:
    reg_id = create().body["registration_id"]
    clock.set(datetime(2026, 2, 1, 0, 0, tzinfo=IST), frozen=True)
    reply = call("PATCH", f"/v1/registrations/{reg_id}", as_=employee(), body={"version": 1, "family_id": "NEWFAM99"})
    assert reply.status == 403
    assert reply.code == "registration_closed"


# ---------------------------------------------------------------- uploads
def test_upload_request_returns_presigned_post_bounded_by_policy() -> None:
    reg_id = create().body["registration_id"]
    reply = request_upload(reg_id)
    assert reply.status == 201
    fields = reply.body["upload"]["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", len(PDF), len(PDF)] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert fields["key"] == f"registrations/{reg_id}/{reply.body['document_id']}"
    expires = datetime.fromisoformat(reply.body["upload"]["expires_at"])
    assert expires == factories.DURING_REGISTRATION + timedelta(minutes=15)
    assert reply.body["document"]["status"] == "PENDING_UPLOAD"


def test_upload_url_never_outlives_the_window(clock: SettableClock) -> None:
    reg_id = create().body["registration_id"]
    clock.set(datetime(2026, 1, 31, 23, 50, tzinfo=IST), frozen=True)
    reply = request_upload(reg_id)
    assert datetime.fromisoformat(reply.body["upload"]["expires_at"]) == datetime(2026, 2, 1, 0, 0, tzinfo=IST)


@pytest.mark.parametrize(
    ("size", "content_type", "code"),
    [
        (5 * 1024 * 1024 + 1, "application/pdf", "upload_not_accepted"),
        (1000, "application/zip", "validation_error"),
        (0, "application/pdf", "validation_error"),
    ],
)
def test_bad_upload_requests_are_422(size: int, content_type: str, code: str) -> None:
    reg_id = create().body["registration_id"]
    reply = request_upload(reg_id, size=size, content_type=content_type)
    assert reply.status == 422
    assert reply.code == code


def test_upload_to_someone_elses_registration_is_403() -> None:
    reg_id = create().body["registration_id"]
    assert request_upload(reg_id, as_=employee("EMP-0002")).status == 403


def test_no_upload_url_once_windows_closed(clock: SettableClock) -> None:
    reg_id = create().body["registration_id"]
    clock.set(datetime(2026, 2, 1, 0, 0, tzinfo=IST), frozen=True)
    reply = request_upload(reg_id)
    assert reply.status == 403
    assert reply.code == "registration_closed"


def test_confirm_before_upload_is_409() -> None:
    reg_id = create().body["registration_id"]
    grant = request_upload(reg_id)
    reply = call("POST", f"/v1/registrations/{reg_id}/documents/{grant.body['document_id']}/confirm", as_=employee())
    assert reply.status == 409
    assert reply.code == "document_not_uploaded"


def test_real_pdf_is_uploaded_with_its_sha256_and_confirm_is_idempotent() -> None:
    reg_id = create().body["registration_id"]
    first = upload(reg_id)
    assert first.status == 200
    assert first.body["document"]["status"] == "UPLOADED"
    assert first.body["document"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    doc_id = first.body["document"]["document_id"]
    again = call("POST", f"/v1/registrations/{reg_id}/documents/{doc_id}/confirm", as_=employee())
    assert again.body == first.body
    assert [e["type"] for e in history(reg_id).body["events"]] == ["registration.created", "document.accepted"]


@pytest.mark.parametrize(
    ("content", "declared_size", "reason"),
    [
        (PNG, None, "image/png"),  # a PNG declared as PDF
        (PDF + b"x" * 100, len(PDF), "were declared"),  # larger than declared
        (b"", 10, "empty"),
        (b"MZ\x90\x00 an executable", None, "not a PDF, JPEG or PNG"),
    ],
)
def test_disguised_or_wrong_sized_files_are_rejected_with_reason(
    content: bytes, declared_size: int | None, reason: str
) -> None:
    reg_id = create().body["registration_id"]
    reply = upload(reg_id, content=content, declared_size=declared_size or len(content))
    assert reply.status == 200
    assert reply.body["document"]["status"] == "REJECTED"
    assert reason in reply.body["document"]["reject_reason"]


def test_replacing_a_document_supersedes_the_old_one() -> None:
    reg_id = create().body["registration_id"]
    first = upload(reg_id).body["document"]["document_id"]
    second = upload(reg_id).body["document"]["document_id"]
    documents = {
        d["document_id"]: d for d in call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body["documents"]
    }
    assert documents[first]["status"] == "SUPERSEDED"
    assert documents[first]["superseded_by"] == second
    assert documents[second]["status"] == "UPLOADED"


def test_download_url_for_owner_and_ddo_not_admin() -> None:
    reg_id = create().body["registration_id"]
    doc_id = upload(reg_id).body["document"]["document_id"]
    path = f"/v1/registrations/{reg_id}/documents/{doc_id}"
    owner = call("GET", path, as_=employee())
    assert owner.status == 200
    assert "X-Amz-Signature" in owner.body["url"]
    assert call("GET", path, as_=factories.ddo()).status == 200
    assert call("GET", path, as_=factories.claims("admin1", "admin")).status == 403
    assert call("GET", path, as_=employee("EMP-0002")).status == 403


# ---------------------------------------------------------------- the S3 event path
def s3_event(*keys: str) -> dict:
    bodies = [{"Records": [{"s3": {"object": {"key": key.replace("/", "%2F")}}}]} for key in keys]
    bodies.append({"Service": "Amazon S3", "Event": "s3:TestEvent"})  # S3 sends this once; it is ignored
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": "r",
                "body": json.dumps(b),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-south-1:123456789012:uploads",
                "awsRegion": "ap-south-1",
            }
            for i, b in enumerate(bodies)
        ]
    }


def test_s3_event_checks_the_upload_once_even_if_delivered_twice() -> None:
    reg_id = create().body["registration_id"]
    grant = request_upload(reg_id)
    put_object(object_key(grant), PDF)
    for _ in range(2):
        result = handler.lambda_handler(
            s3_event(object_key(grant), "registrations/junk"), LocalLambdaContext("register")
        )
        assert result == {"batchItemFailures": []}
    documents = call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body["documents"]
    assert documents[0]["status"] == "UPLOADED"
    assert [e["type"] for e in history(reg_id).body["events"]].count("document.accepted") == 1
    assert history(reg_id).body["events"][-1]["actor"] == "system:upload-check"


def test_a_batch_whose_every_message_fails_is_reported_for_retry_not_raised() -> None:
    # Given two messages the check cannot read (a truncated body, a record without its key)
    event = s3_event("registrations/x")
    event["Records"][0]["body"] = '{"Records": [{"s3": '
    event["Records"][1]["body"] = json.dumps({"Records": [{"s3": {}}]})
    # When the batch is handled, then both come back as failures for Lambda to retry (a poller survives it)
    result = handler.lambda_handler(event, LocalLambdaContext("register"))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


# ---------------------------------------------------------------- submit
def test_incomplete_registration_cannot_be_submitted() -> None:
    reg_id = create().body["registration_id"]
    upload(reg_id, "pay_proof")
    reply = submit(reg_id, 2)
    assert reply.status == 422
    assert reply.code == "registration_incomplete"
    assert reply.body["missing_documents"] == ["appointment_letter", "service_certificate", "identity_proof"]


def test_complete_registration_is_submitted_with_acknowledgement() -> None:
    reg_id, version = complete_draft()
    reply = submit(reg_id, version)
    assert reply.status == 200
    assert reply.body["acknowledgement_number"].startswith("HR26-")
    assert reply.body["registration"]["status"] == "SUBMITTED"
    assert reply.body["registration"]["version"] == version + 1
    again = submit(reg_id, version + 1)
    assert again.status == 409
    assert again.code == "invalid_state"


def test_stale_version_submit_is_409() -> None:
    reg_id, version = complete_draft()
    reply = submit(reg_id, version - 1)
    assert reply.status == 409
    assert reply.code == "version_conflict"


def test_retried_submit_with_same_key_returns_the_first_answer() -> None:
    reg_id, version = complete_draft()
    first = submit(reg_id, version, key="tap-1")
    retry = submit(reg_id, version, key="tap-1")
    assert retry.status == 200
    assert retry.body == first.body
    assert [e["type"] for e in history(reg_id).body["events"]].count("registration.submitted") == 1
    reused = submit(reg_id, version + 5, key="tap-1")
    assert reused.status == 422
    assert reused.code == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("instant", "status", "code"),
    [
        (datetime(2026, 1, 31, 23, 59, 59, 999_000, tzinfo=IST), 200, None),
        (datetime(2026, 2, 1, 0, 0, 0, tzinfo=IST), 403, "registration_closed"),
        (datetime(2026, 1, 31, 18, 30, 0, tzinfo=IST).astimezone(IST), 200, None),
    ],
)
def test_submit_deadline_is_inclusive_to_the_last_second(
    clock: SettableClock, instant: datetime, status: int, code: str | None
) -> None:
    reg_id, version = complete_draft()
    clock.set(instant, frozen=True)
    reply = submit(reg_id, version)
    assert reply.status == status
    assert reply.code == code


# ---------------------------------------------------------------- history
def test_history_chain_verifies_and_detects_tampering() -> None:
    reg_id, version = complete_draft()
    submit(reg_id, version)
    good = history(reg_id)
    assert good.status == 200
    assert good.body["chain"]["valid"] is True
    assert good.body["chain"]["length"] == version + 1
    events_table = register_settings.get_settings().events_table
    client = boto3.client("dynamodb")
    item = client.get_item(TableName=events_table, Key={"pk": {"S": f"registration#{reg_id}"}, "seq": {"N": "2"}})[
        "Item"
    ]
    body = json.loads(item["body"]["S"])
    body["actor"]["id"] = "user:someone-else"
    item["body"] = {"S": json.dumps(body)}
    client.put_item(TableName=events_table, Item=item)
    bad = history(reg_id)
    assert bad.body["chain"]["valid"] is False
    assert bad.body["chain"]["broken_at_seq"] == 2


def test_history_pages_with_cursor() -> None:
    reg_id, _ = complete_draft()
    first = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee(), query="limit=2")
    assert [e["seq"] for e in first.body["events"]] == [1, 2]
    rest = call(
        "GET",
        f"/v1/registrations/{reg_id}/history",
        as_=employee(),
        query=f"limit=10&cursor={first.body['next_cursor']}",
    )
    assert [e["seq"] for e in rest.body["events"]] == [3, 4, 5]
    assert rest.body["next_cursor"] is None
    bad = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee(), query="cursor=%21%21")
    assert (bad.status, bad.code) == (400, "invalid_cursor")


# ---------------------------------------------------------------- the POST policy holds locally
def test_a_grant_cannot_plant_a_file_under_another_employee_s_key() -> None:
    # Given two employees, each with an upload grant for their appointment letter
    other = employee("EMP-0002")
    own_grant = request_upload(create(as_=other).body["registration_id"], as_=other).body
    victim_id = create().body["registration_id"]
    victim_grant = request_upload(victim_id).body
    # When the second posts a file with their own grant but the first one's key
    forged = {**own_grant["upload"]["fields"], "key": victim_grant["upload"]["fields"]["key"]}
    posted = requests.post(own_grant["upload"]["url"], data=forged, files={"file": ("x.pdf", PDF)}, timeout=10)
    # Then S3's policy check refuses it, and the first employee's confirm finds no file
    assert posted.status_code == 403 and "<Code>AccessDenied</Code>" in posted.text
    confirm = call(
        "POST", f"/v1/registrations/{victim_id}/documents/{victim_grant['document_id']}/confirm", as_=employee()
    )
    assert (confirm.status, confirm.code) == (409, "document_not_uploaded")
    # And the same grant, posted as it was signed, is accepted
    honest = requests.post(
        own_grant["upload"]["url"], data=own_grant["upload"]["fields"], files={"file": ("x.pdf", PDF)}, timeout=10
    )
    assert honest.status_code == 204
