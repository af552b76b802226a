"""Signed receipts of a submission and of a grievance's filing, on moto: returned by the act, kept on the
record, checked by GET .../receipt (signature, the event they name, its leaf once sequenced) and by the
offline check with nothing but GET /v1/keys."""

from __future__ import annotations

import hashlib
from typing import Any

import boto3
import pytest

from core.receipts import check_receipt
from grievance import settings as grievance_settings
from register import settings as register_settings
from tests import factories
from tests.factories import employee
from tests.integration.conftest import call
from tests.integration.test_grievances import OFFICER, file
from tests.integration.test_registration_journey import complete_draft, submit

pytestmark = pytest.mark.usefixtures("seeded")

DDO = factories.ddo("DDO-PKL-001")
OTHER_DDO = factories.ddo("DDO-HSR-001")
ADMIN = factories.claims("admin1", "admin")
SEND_BACK = "The pay proof for 2021 is unreadable; upload a clearer scan."


def sequence(entity: str, first_leaf: int = 100) -> dict[int, int]:
    """What the transparency sequencer does to a record's events: a leaf index each, off the sparse index."""
    client = boto3.client("dynamodb")
    table = register_settings.get_settings().events_table
    items = client.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": entity}}
    )["Items"]
    leaves = {}
    for offset, item in enumerate(sorted(items, key=lambda i: int(i["seq"]["N"]))):
        leaves[int(item["seq"]["N"])] = first_leaf + offset
        client.update_item(
            TableName=table,
            Key={"pk": item["pk"], "seq": item["seq"]},
            UpdateExpression="SET leaf_index = :leaf REMOVE unsequenced",
            ExpressionAttributeValues={":leaf": {"N": str(first_leaf + offset)}},
        )
    return leaves


def edit_record(table: str, record_id: str, sk: str, change: Any) -> None:
    """An insider's direct edit of the stored record."""
    client = boto3.client("dynamodb")
    key = {"pk": {"S": record_id}, "sk": {"S": sk}}
    item = client.get_item(TableName=table, Key=key)["Item"]
    change(item)
    client.put_item(TableName=table, Item=item)


def jwks() -> dict[str, Any]:
    reply = call("GET", "/v1/keys", as_=None)
    assert reply.status == 200
    return dict(reply.body)


# ---------------------------------------------------------------- submission
def test_submit_returns_a_signed_receipt_naming_its_event_then_its_leaf_once_sequenced() -> None:
    # Given a complete draft
    reg_id, version = complete_draft()
    # When the employee submits it
    submitted = submit(reg_id, version)
    assert submitted.status == 200, submitted.body
    signed = submitted.body["signed_receipt"]
    receipt = signed["receipt"]
    # Then the receipt says what it proves and names the submission's event by its hash
    last = call("GET", f"/v1/registrations/{reg_id}/history", as_=employee()).body["events"][-1]
    assert receipt["kind"] == "submission"
    assert (receipt["registration_id"], receipt["employee_code"]) == (reg_id, "EMP-0001")
    assert receipt["acknowledgement_number"] == submitted.body["acknowledgement_number"]
    assert receipt["version"] == last["seq"] == submitted.body["registration"]["version"]
    assert (receipt["event_type"], receipt["event_hash"]) == ("registration.submitted", last["hash"])
    assert receipt["submitted_at"] == submitted.body["registration"]["submitted_at"]
    assert len(receipt["document_hashes"]) == 4
    assert receipt["resubmission"] is False
    # ...anyone can check it offline with the published key
    assert check_receipt(submitted.body, jwks()).valid is True
    # ...and the server checks it too, the event not yet in the log
    before = call("GET", f"/v1/registrations/{reg_id}/receipt", as_=employee())
    assert before.status == 200
    assert before.body["signed_receipt"] == signed
    assert (before.body["verified"], before.body["event_recorded"]) == (True, True)
    assert (before.body["event_hash"], before.body["leaf_index"]) == (last["hash"], None)
    # When the sequencer has logged the record's events
    leaves = sequence(f"registration#{reg_id}")
    # Then the receipt's event has its leaf
    after = call("GET", f"/v1/registrations/{reg_id}/receipt", as_=employee())
    assert after.body["leaf_index"] == leaves[receipt["version"]]


def test_a_retried_submit_gets_the_same_receipt_back() -> None:
    reg_id, version = complete_draft()
    first = submit(reg_id, version, key="submit-once")
    again = submit(reg_id, version, key="submit-once")
    assert first.status == again.status == 200
    # ECDSA signatures are randomised: the same signature means the same receipt, not a second one
    assert again.body["signed_receipt"] == first.body["signed_receipt"]
    stored = call("GET", f"/v1/registrations/{reg_id}/receipt", as_=employee()).body["signed_receipt"]
    assert stored == first.body["signed_receipt"]


def test_a_resubmission_gets_its_own_receipt_with_the_same_acknowledgement() -> None:
    reg_id, version = complete_draft()
    first = submit(reg_id, version).body
    sent_back = call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        as_=DDO,
        body={"decision": "send_back", "remarks": SEND_BACK, "version": first["registration"]["version"]},
    )
    assert sent_back.status == 200, sent_back.body
    again = submit(reg_id, sent_back.body["version"]).body
    receipt = again["signed_receipt"]["receipt"]
    assert (receipt["resubmission"], receipt["event_type"]) == (True, "registration.resubmitted")
    assert receipt["acknowledgement_number"] == first["signed_receipt"]["receipt"]["acknowledgement_number"]
    assert receipt["version"] == sent_back.body["version"] + 1
    check = call("GET", f"/v1/registrations/{reg_id}/receipt", as_=employee()).body
    assert (check["signed_receipt"], check["verified"], check["event_recorded"]) == (
        again["signed_receipt"],
        True,
        True,
    )
    # The decision's receipt names its event too: the one that holds it
    decision = call("GET", f"/v1/verifications/{reg_id}/receipt", as_=employee()).body
    assert (decision["verified"], decision["event_recorded"], decision["leaf_index"]) == (True, True, None)
    assert decision["signed_receipt"]["receipt"]["kind"] == "decision"


def test_a_tampered_submission_receipt_does_not_verify() -> None:
    reg_id, version = complete_draft()
    submit(reg_id, version)
    table = register_settings.get_settings().registrations_table

    def backdate(item: dict[str, Any]) -> None:
        receipt = item["submission_receipt"]["M"]["receipt"]["M"]
        receipt["submitted_at"] = {"S": "2026-01-01T10:00:00+05:30"}

    edit_record(table, reg_id, "REGISTRATION", backdate)
    check = call("GET", f"/v1/registrations/{reg_id}/receipt", as_=employee()).body
    assert (check["verified"], check["event_recorded"]) == (False, True)
    assert check_receipt(check, jwks()).valid is False

    def rename_event(item: dict[str, Any]) -> None:  # a receipt re-signed elsewhere would still name the event
        receipt = item["submission_receipt"]["M"]["receipt"]["M"]
        receipt["event_hash"] = {"S": "0" * 64}

    edit_record(table, reg_id, "REGISTRATION", rename_event)
    assert call("GET", f"/v1/registrations/{reg_id}/receipt", as_=employee()).body["event_recorded"] is False


def test_who_may_read_a_submission_receipt() -> None:
    reg_id, version = complete_draft()
    # Before a submission there is nothing to prove
    assert call("GET", f"/v1/registrations/{reg_id}/receipt", as_=employee()).code == "no_receipt"
    submit(reg_id, version)
    for who in (employee(), DDO, factories.hod("Health"), ADMIN):
        assert call("GET", f"/v1/registrations/{reg_id}/receipt", as_=who).status == 200, who
    for who in (employee("EMP-0002"), OTHER_DDO, factories.hod("Public Works"), OFFICER):
        refused = call("GET", f"/v1/registrations/{reg_id}/receipt", as_=who)
        assert (refused.status, refused.code) == (403, "forbidden"), who
    assert call("GET", "/v1/registrations/REG-01J00000000000000000000000/receipt", as_=employee()).status == 404
    assert call("GET", f"/v1/registrations/{reg_id}/receipt", as_=None).status == 401


# ---------------------------------------------------------------- grievance filing
def test_filing_returns_a_signed_receipt_checked_by_get_receipt_before_and_after_sequencing() -> None:
    # When an employee files a grievance
    filed = file(key="file-once")
    assert filed.status == 201, filed.body
    grievance_id = filed.body["grievance_id"]
    signed = filed.body["filing_receipt"]
    receipt = signed["receipt"]
    # Then the receipt proves what was filed, to whom, by when, and names the filing's event
    timeline = call("GET", f"/v1/grievances/{grievance_id}", as_=employee()).body["timeline"]
    assert receipt["kind"] == "grievance_filing"
    assert (receipt["grievance_id"], receipt["number"]) == (grievance_id, filed.body["number"])
    assert (receipt["assigned_to"], receipt["level"], receipt["appeal"]) == ("unit:GRV-PKL-L1", "L1", False)
    assert receipt["description_sha256"] == hashlib.sha256(filed.body["description"].encode()).hexdigest()
    assert (receipt["filed_at"], receipt["due_at"]) == (filed.body["filed_at"], filed.body["sla"]["due_at"])
    assert (receipt["version"], receipt["event_hash"]) == (1, timeline[0]["hash"])
    assert check_receipt(filed.body, jwks()).valid is True
    # ...a retry with the same Idempotency-Key gets the same receipt
    assert file(key="file-once").body["filing_receipt"] == signed
    # ...and GET .../receipt checks it, with no leaf until the sequencer runs
    before = call("GET", f"/v1/grievances/{grievance_id}/receipt", as_=employee()).body
    assert (before["signed_receipt"], before["verified"], before["event_recorded"]) == (signed, True, True)
    assert before["leaf_index"] is None
    leaves = sequence(f"grievance#{grievance_id}", first_leaf=7)
    assert call("GET", f"/v1/grievances/{grievance_id}/receipt", as_=employee()).body["leaf_index"] == leaves[1] == 7


def test_a_tampered_filing_receipt_fails_and_others_are_refused() -> None:
    filed = file()
    grievance_id = filed.body["grievance_id"]
    for who in (employee(), OFFICER, factories.hod("Health"), ADMIN):
        assert call("GET", f"/v1/grievances/{grievance_id}/receipt", as_=who).status == 200, who
    for who in (employee("EMP-0002"), factories.officer(factories.HSR_UNIT), factories.hod("Public Works"), DDO):
        assert call("GET", f"/v1/grievances/{grievance_id}/receipt", as_=who).status == 403, who
    assert call("GET", "/v1/grievances/GRV-01J00000000000000000000000/receipt", as_=employee()).status == 404

    def change_subject(item: dict[str, Any]) -> None:
        item["filing_receipt"]["M"]["receipt"]["M"]["subject"] = {"S": "Something else entirely"}

    edit_record(grievance_settings.get_settings().grievances_table, grievance_id, "GRIEVANCE", change_subject)
    check = call("GET", f"/v1/grievances/{grievance_id}/receipt", as_=employee()).body
    assert check["verified"] is False
    assert check_receipt(check, jwks()).valid is False
