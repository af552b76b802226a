"""The registration journey over real HTTP against the running local stack."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
import requests

from tests.api.conftest import LocalStack

pytestmark = pytest.mark.api

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REQUIRED = ("appointment_letter", "service_certificate", "pay_proof", "identity_proof")
IN_WINDOW = "2026-01-20T10:00:00+05:30"


@pytest.fixture(autouse=True)
def in_registration_window(local_stack: LocalStack) -> None:
    local_stack.set_clock(IN_WINDOW)


def create(stack: LocalStack, user: str) -> tuple[dict[str, str], dict]:
    auth = stack.login(user)
    reply = stack.call("POST", "/v1/registrations", auth, json={})
    assert reply.status_code == 201, reply.text
    return auth, reply.json()


def upload(
    stack: LocalStack,
    auth: dict[str, str],
    reg_id: str,
    doc_type: str,
    content: bytes,
    declared_type: str = "application/pdf",
    declared_size: int | None = None,
) -> dict:
    grant = stack.call(
        "POST",
        f"/v1/registrations/{reg_id}/documents",
        auth,
        json={"type": doc_type, "content_type": declared_type, "size_bytes": declared_size or len(content)},
    )
    assert grant.status_code == 201, grant.text
    upload = grant.json()["upload"]
    # The real pre-signed POST, multipart/form-data straight to S3 (moto).
    posted = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("doc", content, declared_type)}, timeout=30
    )
    assert posted.status_code in (200, 201, 204), posted.text
    confirm = stack.call("POST", f"/v1/registrations/{reg_id}/documents/{grant.json()['document_id']}/confirm", auth)
    assert confirm.status_code == 200, confirm.text
    return confirm.json()["document"]


def test_whole_journey_login_to_verified_history(local_stack: LocalStack) -> None:
    # Given employee1 signed in with a real Cognito token
    auth = local_stack.login("employee1")
    me = local_stack.call("GET", "/v1/me", auth).json()
    assert me["roll"]["employee_code"] == "EMP-0001"
    # When they create the draft, upload four real PDFs through the pre-signed POSTs and submit
    reply = local_stack.call("POST", "/v1/registrations", auth, json={})
    assert reply.status_code == 201
    reg_id = reply.json()["registration_id"]
    for doc_type in REQUIRED:
        document = upload(local_stack, auth, reg_id, doc_type, PDF)
        assert document["status"] == "UPLOADED"
        assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    version = local_stack.call("GET", f"/v1/registrations/{reg_id}", auth).json()["version"]
    submitted = local_stack.call(
        "POST",
        f"/v1/registrations/{reg_id}/submit",
        auth,
        json={"version": version},
        headers={"Idempotency-Key": f"journey-{reg_id}"},
    )
    # Then it is SUBMITTED with an acknowledgement, and the history's chain verifies
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["acknowledgement_number"].startswith("HR26-")
    history = local_stack.call("GET", f"/v1/registrations/{reg_id}/history", auth).json()
    assert history["chain"]["valid"] is True
    assert [e["type"] for e in history["events"]] == ["registration.created"] + ["document.accepted"] * 4 + [
        "registration.submitted"
    ]
    assert local_stack.call("GET", "/v1/me", auth).json()["registration_id"] == reg_id
    # ...and each accepted file is locked in the bucket (Object Lock, provisioned from the template)
    document_id = local_stack.call("GET", f"/v1/registrations/{reg_id}", auth).json()["documents"][0]["document_id"]
    download = local_stack.call("GET", f"/v1/registrations/{reg_id}/documents/{document_id}", auth).json()
    stored = requests.get(download["url"], timeout=30)
    assert stored.content == PDF
    assert stored.headers["x-amz-object-lock-mode"] == "GOVERNANCE"


def test_an_upload_larger_than_declared_is_refused_by_s3_and_nothing_is_confirmed(local_stack: LocalStack) -> None:
    auth, reg = create(local_stack, "employee2")
    reg_id = reg["registration_id"]
    grant = local_stack.call(
        "POST",
        f"/v1/registrations/{reg_id}/documents",
        auth,
        json={"type": "pay_proof", "content_type": "application/pdf", "size_bytes": len(PDF)},
    ).json()
    # The policy's content-length-range is the declared size: S3 (and the local moto) refuse more.
    posted = requests.post(
        grant["upload"]["url"],
        data=grant["upload"]["fields"],
        files={"file": ("doc", PDF + b"x" * 500, "application/pdf")},
        timeout=30,
    )
    assert posted.status_code == 400 and "<Code>EntityTooLarge</Code>" in posted.text
    confirm = local_stack.call("POST", f"/v1/registrations/{reg_id}/documents/{grant['document_id']}/confirm", auth)
    assert (confirm.status_code, confirm.json()["code"]) == (409, "document_not_uploaded")


def test_png_declared_as_pdf_is_rejected(local_stack: LocalStack) -> None:
    auth, reg = create(local_stack, "employee3")
    document = upload(local_stack, auth, reg["registration_id"], "identity_proof", PNG)
    assert document["status"] == "REJECTED"
    assert "image/png" in document["reject_reason"]


def test_s3_event_checks_an_upload_nobody_confirmed(local_stack: LocalStack) -> None:
    auth, reg = create(local_stack, "employee4")
    reg_id = reg["registration_id"]
    grant = local_stack.call(
        "POST",
        f"/v1/registrations/{reg_id}/documents",
        auth,
        json={"type": "pay_proof", "content_type": "application/pdf", "size_bytes": len(PDF)},
    )
    upload_ = grant.json()["upload"]
    requests.post(upload_["url"], data=upload_["fields"], files={"file": ("d.pdf", PDF, "application/pdf")}, timeout=30)
    deadline = time.monotonic() + 20
    status = "PENDING_UPLOAD"
    while status == "PENDING_UPLOAD" and time.monotonic() < deadline:
        time.sleep(0.3)
        status = local_stack.call("GET", f"/v1/registrations/{reg_id}", auth).json()["documents"][0]["status"]
    assert status == "UPLOADED"


def test_another_employees_registration_is_403(local_stack: LocalStack) -> None:
    _, reg = create(local_stack, "employee5")
    intruder = local_stack.login("employee6")
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"version": 1}),
        ("GET", "/history", None),
        ("POST", "/submit", {"version": 1}),
    ):
        reply = local_stack.call(method, f"/v1/registrations/{reg['registration_id']}{suffix}", intruder, json=body)
        assert reply.status_code == 403, (method, suffix, reply.text)
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert reply.json()["code"] == "forbidden"


def test_deadline_boundary_by_the_local_clock(local_stack: LocalStack) -> None:
    auth, reg = create(local_stack, "employee7")
    reg_id = reg["registration_id"]
    for doc_type in REQUIRED:
        upload(local_stack, auth, reg_id, doc_type, PDF)
    version = local_stack.call("GET", f"/v1/registrations/{reg_id}", auth).json()["version"]
    local_stack.set_clock("2026-02-01T00:00:00+05:30")
    late = local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", auth, json={"version": version})
    assert late.status_code == 403
    assert late.json()["code"] == "registration_closed"
    assert late.json()["closed_at"] == "2026-01-31T23:59:59+05:30"
    local_stack.set_clock("2026-01-31T23:59:59.999+05:30")
    last_moment = local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", auth, json={"version": version})
    assert last_moment.status_code == 200, last_moment.text


def test_requests_without_a_valid_token_get_401(local_stack: LocalStack) -> None:
    assert local_stack.call("GET", "/v1/me").status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}
    reply = local_stack.call("GET", "/v1/me", forged)
    assert reply.status_code == 401
    assert reply.json()["code"] == "unauthenticated"


def test_openapi_and_swagger_are_public(local_stack: LocalStack) -> None:
    spec = local_stack.call("GET", "/openapi.json").json()
    assert "/v1/registrations/{id}/documents/{doc}/confirm" in spec["paths"]
    assert "post" in spec["paths"]["/v1/registrations/{id}/submit"]
    docs = local_stack.call("GET", "/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_gateway_serves_concurrent_keep_alive_clients(local_stack: LocalStack) -> None:
    auth = local_stack.login("employee8")
    errors: list[int] = []

    def client() -> None:
        with requests.Session() as session:
            for _ in range(10):
                reply = session.get(f"{local_stack.url}/v1/programme", headers=auth, timeout=10)
                if reply.status_code != 200:
                    errors.append(reply.status_code)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
