"""Mobile corrections over real HTTP: the seeded help request of EMP-0031 waits in ddo1's queue with the
roll entry and the claim side by side; ddo1 approves it; the roll entry's chain verifies and both
numbers get a bilingual SMS, as the local outbox shows."""

from __future__ import annotations

import pytest

from tests.api.conftest import LocalStack

pytestmark = pytest.mark.api

REMARKS = "Called the employee on the new number; the appointment letter matches."


def test_a_ddo_lists_and_approves_a_correction_and_both_numbers_hear_of_it(local_stack: LocalStack) -> None:
    local_stack.set_clock("2026-01-21T12:00:00+05:30")
    ddo = local_stack.login("ddo1")
    # Given the pending request in ddo1's queue (the local stack seeds it)
    queue = local_stack.call("GET", "/v1/roll/corrections", ddo, params={"limit": 10})
    assert queue.status_code == 200, queue.text
    [item] = [i for i in queue.json()["items"] if i["employee_code"] == "EMP-0031"]
    assert item["roll"]["mobile"] == "9812000031" and item["claimed"]["mobile"] == "9700000031"
    assert item["checks"] == {"date_of_birth_matches": True, "family_id_matches": True, "mobile_differs": True}
    # When a DDO of another office tries, then ddo1 approves with the version read
    body = {"decision": "approve", "remarks": REMARKS, "version": item["version"]}
    path = f"/v1/roll/corrections/{item['correction_id']}/decision"
    other = local_stack.call("POST", path, local_stack.login("ddo2"), json=body)
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    approved = local_stack.call("POST", path, ddo, json=body)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "APPROVED"
    # Then the roll entry has the new number, one audited change, and its chain verifies
    entry = local_stack.call("GET", "/v1/roll/EMP-0031", ddo).json()
    assert (entry["mobile"], entry["version"], entry["chain_valid"]) == ("9700000031", 1, True)
    assert entry["history"][0]["data"]["new_mobile"] == "97******31"
    # And a second decision is a conflict
    again = local_stack.call("POST", path, ddo, json=body)
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    # And once the outbox is delivered, the old and the new number each got one bilingual SMS
    ran = local_stack.call("POST", "/_local/jobs/deliver-notifications", json={"wait": True}).json()
    assert ran["drained"] is True
    outbox = local_stack.call("GET", "/_local/outbox", params={"day": "2026-01-21"}).json()
    sms = {
        i["template"]: i["to_masked"]
        for i in outbox["items"]
        if i["recipient"] == "employee:EMP-0031" and i["channel"] == "sms" and i["status"] == "SENT"
    }
    assert sms == {"mobile_changed_old": "98******31", "mobile_changed_new": "97******31"}
