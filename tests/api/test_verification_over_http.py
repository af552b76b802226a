"""The DDO's side over real HTTP: submit → queue → send back → correct → resubmit → verify → receipt."""

from __future__ import annotations

import pytest

from tests.api.conftest import LocalStack
from tests.api.test_registration_over_http import PDF, REQUIRED, upload

pytestmark = pytest.mark.api

REMARKS = "The service certificate is unsigned; upload the signed copy."


def test_send_back_correct_resubmit_verify_and_the_receipt_verifies(local_stack: LocalStack) -> None:
    local_stack.set_clock("2026-01-22T11:00:00+05:30")
    # Given employee26 (DDO-PKL-001, pay above the cap: ineligible, yet it goes to the DDO) has submitted
    employee = local_stack.login("employee26")
    reg_id = local_stack.call("POST", "/v1/registrations", employee, json={}).json()["registration_id"]
    for doc_type in REQUIRED:
        upload(local_stack, employee, reg_id, doc_type, PDF)
    version = local_stack.call("GET", f"/v1/registrations/{reg_id}", employee).json()["version"]
    assert local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", employee, json={"version": version}).ok

    # When their DDO opens the queue and sends it back with reasons
    local_stack.set_clock("2026-02-10T15:00:00+05:30")
    ddo = local_stack.login("ddo1")
    queue = local_stack.call("GET", "/v1/verifications", ddo, params={"status": "SUBMITTED"}).json()
    item = next(i for i in queue["items"] if i["registration_id"] == reg_id)
    case = local_stack.call("GET", f"/v1/verifications/{reg_id}", ddo).json()
    certificate = next(d for d in case["documents"] if d["type"] == "service_certificate")
    sent = local_stack.call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        ddo,
        json={
            "decision": "send_back",
            "remarks": REMARKS,
            "version": item["version"],
            "document_checks": [{"document_id": certificate["document_id"], "ok": False, "remark": "Unsigned"}],
        },
    )
    assert sent.status_code == 200, sent.text

    # Then the employee sees why, replaces the document and resubmits after 31 January
    mine = local_stack.call("GET", f"/v1/registrations/{reg_id}", employee).json()
    assert mine["status"] == "SENT_BACK"
    assert mine["review"]["remarks"] == REMARKS
    upload(local_stack, employee, reg_id, "service_certificate", PDF)
    version = local_stack.call("GET", f"/v1/registrations/{reg_id}", employee).json()["version"]
    resubmitted = local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", employee, json={"version": version})
    assert resubmitted.status_code == 200, resubmitted.text

    # And the DDO verifies it; anyone can check the signed receipt against the published key
    version = local_stack.call("GET", f"/v1/verifications/{reg_id}", ddo).json()["version"]
    verified = local_stack.call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        ddo,
        json={"decision": "verify", "remarks": "Signed certificate received.", "version": version},
        headers={"Idempotency-Key": f"verify-{reg_id}"},
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "VERIFIED"
    receipt = local_stack.call("GET", f"/v1/verifications/{reg_id}/receipt", employee).json()
    assert receipt["verified"] is True
    assert receipt["signed_receipt"] == verified.json()["signed_receipt"]
    keys = local_stack.call("GET", "/v1/keys").json()["keys"]
    assert keys[0]["kid"] == receipt["signed_receipt"]["receipt"]["key_id"]
    history = local_stack.call("GET", f"/v1/registrations/{reg_id}/history", employee).json()
    assert history["chain"]["valid"] is True
    assert [e["type"] for e in history["events"]][-4:] == [
        "verification.send_back",
        "document.accepted",
        "registration.resubmitted",
        "verification.verify",
    ]


def test_a_ddo_cannot_decide_after_28_february(local_stack: LocalStack) -> None:
    local_stack.set_clock("2026-01-23T11:00:00+05:30")
    employee = local_stack.login("employee23")  # DDO-PKL-001 as well
    reg_id = local_stack.call("POST", "/v1/registrations", employee, json={}).json()["registration_id"]
    for doc_type in REQUIRED:
        upload(local_stack, employee, reg_id, doc_type, PDF)
    version = local_stack.call("GET", f"/v1/registrations/{reg_id}", employee).json()["version"]
    local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", employee, json={"version": version})
    local_stack.set_clock("2026-03-01T00:00:00+05:30")
    late = local_stack.call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        local_stack.login("ddo1"),
        json={"decision": "verify", "remarks": "", "version": version + 1},
    )
    assert late.status_code == 403
    assert late.json()["code"] == "verification_closed"
