"""The transparency auditor over real HTTP: an insider edits one event straight in DynamoDB (the local
stack's moto, as a cloud console would); the audit job finds it, the admin lists it, and the state's
admin is sent the bilingual notice."""

from __future__ import annotations

import json

import pytest
import requests

from infra.deployment import from_local
from tests.api.conftest import LocalStack

pytestmark = pytest.mark.api


def test_a_direct_edit_of_one_event_is_found_by_the_audit_and_told_to_the_admin(local_stack: LocalStack) -> None:
    # Given a new draft registration (its first event), covered by a signed checkpoint
    local_stack.set_clock("2026-01-25T10:00:00+05:30")
    employee = local_stack.login("employee24")
    created = local_stack.call("POST", "/v1/registrations", employee, json={})
    assert created.status_code == 201, created.text
    entity = f"registration#{created.json()['registration_id']}"
    assert local_stack.call("POST", "/_local/jobs/transparency-checkpoint", json={}).status_code == 200

    # When an insider with table access rewrites that event's text, keeping its hash
    deployment = from_local(local_stack.url, requests.Session())
    dynamodb, table = deployment.client("dynamodb"), deployment.output("EventsTableName")
    key = {"pk": {"S": entity}, "seq": {"N": "1"}}
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    body = json.loads(item["body"]["S"])
    body["reason"] = "Created by the DDO on the employee's behalf."
    dynamodb.put_item(TableName=table, Item={**item, "body": {"S": json.dumps(body)}})

    # And the hourly audit runs
    reply = local_stack.call("POST", "/_local/jobs/transparency-audit", json={})
    assert reply.status_code == 200, reply.text
    run = reply.json()["plan"]["run"]

    # Then it reports the edit, naming the record and the event's seq
    assert run["verdict"] == "mismatch"
    mine = [(f["kind"], f["seq"]) for f in run["findings"] if f["entity"] == entity]
    assert mine == [("event_altered", 1)]

    # And the admin lists the run with that finding; an employee may not
    admin = local_stack.login("admin1")
    listed = local_stack.call("GET", "/v1/admin/transparency/audits", admin, params={"limit": 1})
    assert listed.status_code == 200, listed.text
    (latest,) = listed.json()["items"]
    assert latest["run_id"] == run["run_id"] and latest["findings"] == run["findings"]
    assert local_stack.call("GET", "/v1/admin/transparency/audits", employee).status_code == 403

    # And the outbox's delivery sends the admin the bilingual notice, with its DLT template id
    assert run["notified"] and "admin1" in run["notified"]
    delivered = local_stack.call("POST", "/_local/jobs/deliver-notifications", json={"wait": True})
    assert delivered.status_code == 200, delivered.text
    outbox = local_stack.call("GET", "/_local/outbox").json()["items"]
    sms = [i for i in outbox if i["template"] == "transparency_audit_alert" and i["channel"] == "sms"]
    assert any(i["recipient"] == "official:admin1" for i in sms)
    told = next(i for i in sms if i["recipient"] == "official:admin1")
    assert told["dlt_template_id"] == "1107000000000000050"
    assert f"{entity} #1" in told["text"] and "पारदर्शिता" in told["text"]
