"""An admin extends the registration deadline on 1 February over real HTTP; a late draft is accepted."""

from __future__ import annotations

import time

import pytest
import requests

from tests.api.conftest import LocalStack
from tests.api.test_registration_over_http import PDF, REQUIRED, upload

pytestmark = pytest.mark.api

ORDER = {"order_ref": "HR/GAD/2026/17", "reason": "Portal outage on 31 January in Panchkula and Hisar."}
ORIGINAL_CLOSE = "2026-01-31T23:59:59+05:30"


def submit_until_accepted(stack: LocalStack, auth: dict[str, str], reg_id: str, version: int) -> requests.Response:
    """The extension reaches the register function when its settings cache expires (1 s locally)."""
    for _ in range(20):
        reply = stack.call("POST", f"/v1/registrations/{reg_id}/submit", auth, json={"version": version})
        if reply.status_code != 403:
            return reply
        time.sleep(0.25)
    return reply


def test_an_extension_on_1_february_reopens_submission_and_is_on_the_record(local_stack: LocalStack) -> None:
    admin = local_stack.login("admin1")
    try:
        # Given employee20 finished a draft in January but did not submit it
        local_stack.set_clock("2026-01-25T10:00:00+05:30")
        employee = local_stack.login("employee20")
        reg_id = local_stack.call("POST", "/v1/registrations", employee, json={}).json()["registration_id"]
        for doc_type in REQUIRED:
            upload(local_stack, employee, reg_id, doc_type, PDF)
        version = local_stack.call("GET", f"/v1/registrations/{reg_id}", employee).json()["version"]
        # And on 1 February submitting is refused
        local_stack.set_clock("2026-02-01T10:00:00+05:30")
        late = local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", employee, json={"version": version})
        assert late.status_code == 403 and late.json()["code"] == "registration_closed"

        # When the admin extends registration to 7 February under a government order
        extended = local_stack.call(
            "PUT", "/v1/admin/windows", admin, json={"registration_closes_at": "2026-02-07T23:59:59+05:30", **ORDER}
        )
        assert extended.status_code == 200, extended.text

        # Then submitting is accepted again, and the history shows the extension with its order
        accepted = submit_until_accepted(local_stack, employee, reg_id, version)
        assert accepted.status_code == 200, accepted.text
        windows = local_stack.call("GET", "/v1/admin/windows", admin).json()
        last = windows["history"][-1]
        assert last["data"]["order_ref"] == ORDER["order_ref"] and last["actor"] == "user:admin1"
        assert last["data"]["changes"]["registration_closes_at"]["to"] == "2026-02-07T23:59:59+05:30"
        assert windows["chain_valid"] is True
    finally:
        # Put the demo deadline back for the other tests (allowed: from 25 January it is in the future).
        local_stack.set_clock("2026-01-25T10:00:00+05:30")
        restored = local_stack.call(
            "PUT", "/v1/admin/windows", admin, json={"registration_closes_at": ORIGINAL_CLOSE, **ORDER}
        )
        assert restored.status_code == 200, restored.text
        time.sleep(1.1)  # let every function's settings cache expire


def test_the_summary_counts_a_new_draft_and_the_export_downloads_over_http(local_stack: LocalStack) -> None:
    admin = local_stack.login("admin1")
    local_stack.set_clock("2026-01-25T10:00:00+05:30")
    before = local_stack.call("GET", "/v1/admin/reports/summary?by=ddo", admin).json()
    # When employee17 starts a registration
    employee = local_stack.login("employee17")
    created = local_stack.call("POST", "/v1/registrations", employee, json={})
    assert created.status_code == 201, created.text
    # Then the summary counts one more DRAFT, in their DDO's row only
    after = local_stack.call("GET", "/v1/admin/reports/summary?by=ddo", admin).json()
    assert after["totals"]["registrations"]["DRAFT"] == before["totals"]["registrations"]["DRAFT"] + 1
    # (A DDO's rows are per department: one DDO may serve two departments.)
    drafts_before = {(row["department"], row["group"]): row["registrations"]["DRAFT"] for row in before["rows"]}
    moved = {
        (row["department"], row["group"]): row["registrations"]["DRAFT"]
        - drafts_before.get((row["department"], row["group"]), 0)
        for row in after["rows"]
        if row["registrations"]["DRAFT"] != drafts_before.get((row["department"], row["group"]), 0)
    }
    assert list(moved.values()) == [1], moved
    # And the export is the same table as a CSV, downloaded from S3 through its short-lived URL
    export = local_stack.call("GET", "/v1/admin/reports/export?by=ddo", admin)
    assert export.status_code == 200, export.text
    downloaded = requests.get(export.json()["url"], timeout=10)
    assert downloaded.status_code == 200
    lines = downloaded.content.decode("utf-8").splitlines()
    assert lines[0].startswith("group,department,registrations_draft,")
    assert len(lines) == 1 + len(after["rows"]) + 1  # header, one line per DDO, totals
    assert lines[-1].split(",")[2] == str(after["totals"]["registrations"]["DRAFT"])
