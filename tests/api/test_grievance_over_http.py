"""A grievance's whole life over real HTTP against the running stack:
file → accept → request info → attach and reply → resolve → dissatisfied → L2 → resolve → satisfied → CLOSED."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.api.conftest import LocalStack
from tests.api.test_registration_over_http import PDF

pytestmark = pytest.mark.api

RESOLUTION = "December salary released by the treasury on 12 March; arrears follow next month."


def act(stack: LocalStack, auth: dict[str, str], gid: str, version: int, action: str, **body: Any) -> int:
    reply = stack.call(
        "POST", f"/v1/grievances/{gid}/actions", auth, json={"action": action, "version": version, **body}
    )
    assert reply.status_code == 200, reply.text
    return int(reply.json()["version"])


def test_full_grievance_lifecycle_is_visible_on_the_timeline_and_the_chain_verifies(local_stack: LocalStack) -> None:
    local_stack.set_clock("2026-03-10T10:00:00+05:30")
    # Given employee11 (DDO-PKL-001, Health) files a grievance: it goes to the Panchkula L1 cell
    employee = local_stack.login("employee11")
    officer = local_stack.login("officer1")
    hod = local_stack.login("hod1")
    grievance = {
        "category": "salary_not_paid",
        "subject": "December salary not paid",
        "description": "My salary for December 2025 has not been credited to my bank account.",
    }
    key = {"Idempotency-Key": "api-grievance-1"}
    filed = local_stack.call("POST", "/v1/grievances", employee, json=grievance, headers=key)
    assert filed.status_code == 201, filed.text
    # A retry on a flaky connection (same key) answers with the same grievance.
    retried = local_stack.call("POST", "/v1/grievances", employee, json=grievance, headers=key)
    assert retried.json()["grievance_id"] == filed.json()["grievance_id"]
    gid, version = filed.json()["grievance_id"], filed.json()["version"]
    assert filed.json()["unit"] == "GRV-PKL-L1" and filed.json()["sla"]["due_at"] == "2026-03-17T23:59:59+05:30"
    queue = local_stack.call("GET", "/v1/grievances", officer).json()
    assert gid in [i["grievance_id"] for i in queue["items"]]

    # When the officer accepts it and asks for a bank statement
    version = act(local_stack, officer, gid, version, "accept")
    version = act(local_stack, officer, gid, version, "request_info", remarks="Attach your December bank statement.")

    # And the employee attaches it through a real pre-signed POST and replies
    local_stack.set_clock("2026-03-12T18:00:00+05:30")
    grant = local_stack.call(
        "POST",
        f"/v1/grievances/{gid}/attachments",
        employee,
        json={"filename": "statement.pdf", "content_type": "application/pdf", "size_bytes": len(PDF)},
    )
    assert grant.status_code == 201, grant.text
    upload = grant.json()["upload"]
    posted = requests.post(upload["url"], data=upload["fields"], files={"file": ("s.pdf", PDF)}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    attachment_id = grant.json()["attachment"]["attachment_id"]
    confirmed = local_stack.call("POST", f"/v1/grievances/{gid}/attachments/{attachment_id}/confirm", employee)
    assert confirmed.json()["status"] == "UPLOADED", confirmed.text
    replied = local_stack.call(
        "POST",
        f"/v1/grievances/{gid}/reply",
        employee,
        json={"message": "Statement attached.", "attachment_ids": [attachment_id], "version": version},
    )
    assert replied.status_code == 200, replied.text
    # Two days and eight hours were paused: the due date moved by exactly that.
    assert replied.json()["sla"]["due_at"] == "2026-03-20T07:59:59+05:30"
    version = replied.json()["version"]

    # And the officer resolves it, the employee is not satisfied, and it reopens at L2 with the HoD
    version = act(local_stack, officer, gid, version, "resolve", remarks=RESOLUTION)
    unhappy = local_stack.call(
        "POST",
        f"/v1/grievances/{gid}/feedback",
        employee,
        json={"satisfied": False, "rating": 1, "comment": "Arrears are still missing.", "version": version},
    )
    assert unhappy.json()["level"] == "L2" and unhappy.json()["status"] == "OPEN", unhappy.text
    version = unhappy.json()["version"]
    assert (
        local_stack.call(
            "POST", f"/v1/grievances/{gid}/actions", officer, json={"action": "accept", "version": version}
        ).status_code
        == 403
    )
    version = act(local_stack, hod, gid, version, "resolve", remarks=RESOLUTION + " Arrears ordered by the HoD.")
    happy = local_stack.call(
        "POST",
        f"/v1/grievances/{gid}/feedback",
        employee,
        json={"satisfied": True, "rating": 5, "version": version},
    )
    assert happy.json()["status"] == "CLOSED", happy.text

    # Then the timeline shows every step with its actor, and the audit chain verifies
    detail = local_stack.call("GET", f"/v1/grievances/{gid}", employee).json()
    assert [(e["type"], e["actor_role"]) for e in detail["timeline"]] == [
        ("grievance.filed", "employee"),
        ("grievance.accepted", "officer"),
        ("grievance.info_requested", "officer"),
        ("grievance.replied", "employee"),
        ("grievance.resolved", "officer"),
        ("grievance.reopened", "employee"),
        ("grievance.resolved", "hod"),
        ("grievance.closed", "employee"),
    ]
    assert detail["timeline"][3]["data"]["attachments"][0]["sha256"] == confirmed.json()["sha256"]
    assert detail["chain_valid"] is True
    # And a retried filing with the same key did not create a second grievance
    mine = local_stack.call("GET", "/v1/grievances", employee).json()["items"]
    assert [i["grievance_id"] for i in mine] == [gid]
