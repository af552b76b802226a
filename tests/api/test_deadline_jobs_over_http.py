"""The deadline jobs over real HTTP: `POST /_local/jobs/{name}` runs the planner against the local
clock; the local stack's poller feeds the work queue to the worker, as Lambda would."""

from __future__ import annotations

import pytest

from tests.api.conftest import LocalStack
from tests.api.test_registration_over_http import PDF, REQUIRED, upload

pytestmark = pytest.mark.api


def submitted(stack: LocalStack, user: str) -> tuple[dict[str, str], str]:
    auth = stack.login(user)
    reg_id = stack.call("POST", "/v1/registrations", auth, json={}).json()["registration_id"]
    for doc_type in REQUIRED:
        upload(stack, auth, reg_id, doc_type, PDF)
    version = stack.call("GET", f"/v1/registrations/{reg_id}", auth).json()["version"]
    reply = stack.call("POST", f"/v1/registrations/{reg_id}/submit", auth, json={"version": version})
    assert reply.status_code == 200, reply.text
    return auth, reg_id


def test_after_28_february_the_job_escalates_and_only_the_hod_decides(local_stack: LocalStack) -> None:
    # Given employee22 (Health, DDO-PKL-001) submitted in January and the DDO did not decide
    local_stack.set_clock("2026-01-24T11:00:00+05:30")
    employee, reg_id = submitted(local_stack, "employee22")

    # When close-verification runs after 28 February and the work queue drains
    local_stack.set_clock("2026-03-01T00:05:00+05:30")
    dry = local_stack.call("POST", "/_local/jobs/close-verification", json={"dry_run": True}).json()
    assert dry["plan"]["dry_run"] is True and reg_id in dry["plan"]["sample_ids"]
    ran = local_stack.call("POST", "/_local/jobs/close-verification", json={"wait": True})
    assert ran.status_code == 200, ran.text
    assert ran.json()["drained"] is True
    assert ran.json()["plan"]["outcome"] == "planned"

    # Then the HoD of Health sees the escalated record in their queue
    hod = local_stack.login("hod1")
    queue = local_stack.call("GET", "/v1/verifications", hod, params={"status": "ESCALATED"}).json()
    item = next(i for i in queue["items"] if i["registration_id"] == reg_id)
    assert item["status"] == "ESCALATED"

    # And the DDO may no longer decide it
    late = local_stack.call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        local_stack.login("ddo1"),
        json={"decision": "verify", "remarks": "", "version": item["version"]},
    )
    assert late.status_code == 403
    assert late.json()["code"] == "verification_closed"

    # And the HoD decides it, with a signed receipt the employee can check
    decided = local_stack.call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        hod,
        json={"decision": "verify", "remarks": "Decided by the HoD after escalation.", "version": item["version"]},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "VERIFIED"
    assert decided.json()["signed_receipt"]["receipt"]["decided_role"] == "hod"
    history = local_stack.call("GET", f"/v1/registrations/{reg_id}/history", employee).json()
    escalated, verified = history["events"][-2:]
    assert (escalated["type"], escalated["actor"]) == ("verification.escalated", "system:close-verification")
    assert (verified["type"], verified["actor_role"]) == ("verification.verify", "hod")
    assert history["chain"]["valid"] is True


def test_on_1_february_the_job_lapses_a_demo_draft_and_it_cannot_be_submitted(local_stack: LocalStack) -> None:
    # Given employee13 made a complete draft in January but never submitted it
    local_stack.set_clock("2026-01-25T11:00:00+05:30")
    auth = local_stack.login("employee13")
    reg_id = local_stack.call("POST", "/v1/registrations", auth, json={}).json()["registration_id"]
    for doc_type in REQUIRED:
        upload(local_stack, auth, reg_id, doc_type, PDF)

    # When close-registration runs on 1 February and the work queue drains
    local_stack.set_clock("2026-02-01T00:00:00+05:30")
    ran = local_stack.call("POST", "/_local/jobs/close-registration", json={"wait": True})
    assert ran.status_code == 200, ran.text
    assert ran.json()["drained"] is True

    # Then the draft has lapsed, by the job, and submitting it is refused
    mine = local_stack.call("GET", f"/v1/registrations/{reg_id}", auth).json()
    assert mine["status"] == "LAPSED"
    late = local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", auth, json={"version": mine["version"]})
    assert late.status_code == 403
    assert late.json()["code"] == "registration_closed"


def test_an_unknown_job_or_option_is_refused(local_stack: LocalStack) -> None:
    assert local_stack.call("POST", "/_local/jobs/no-such-job", json={}).status_code == 404
    bad = local_stack.call("POST", "/_local/jobs/close-registration", json={"dry_run": "yes"})
    assert bad.status_code == 422
