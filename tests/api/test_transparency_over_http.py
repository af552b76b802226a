"""The transparency log over real HTTP: a verified registration is proven with `anubandh verify`, and an
insider's direct edit of the events table is caught by the same command."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from infra.cli import main
from tests.api.conftest import LocalStack
from tests.api.test_registration_over_http import PDF, REQUIRED, upload

pytestmark = pytest.mark.api


def verified_registration(local_stack: LocalStack) -> tuple[str, str]:
    """employee4 (DDO-PKL-001; ineligible on pay, yet decided by the DDO) submits; ddo1 verifies. Id and token."""
    local_stack.set_clock("2026-01-23T10:00:00+05:30")
    employee = local_stack.login("employee4")
    reg_id = local_stack.call("POST", "/v1/registrations", employee, json={}).json()["registration_id"]
    for doc_type in REQUIRED:
        upload(local_stack, employee, reg_id, doc_type, PDF)
    version = local_stack.call("GET", f"/v1/registrations/{reg_id}", employee).json()["version"]
    assert local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", employee, json={"version": version}).ok
    local_stack.set_clock("2026-02-02T11:00:00+05:30")
    ddo = local_stack.login("ddo1")
    version = local_stack.call("GET", f"/v1/verifications/{reg_id}", ddo).json()["version"]
    decided = local_stack.call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        ddo,
        json={"decision": "verify", "remarks": "All documents checked.", "version": version},
    )
    assert decided.status_code == 200, decided.text
    return reg_id, employee["Authorization"].removeprefix("Bearer ")


def test_a_verified_record_is_proven_offline_and_an_insiders_edit_is_caught(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a verified registration and the hourly checkpoint after it
    reg_id, token = verified_registration(local_stack)
    local_stack.set_clock("2026-02-02T12:00:00+05:30")
    issued = local_stack.call("POST", "/_local/jobs/transparency-checkpoint", json={})
    assert issued.status_code == 200, issued.text
    checkpoint = local_stack.call("GET", "/v1/transparency/checkpoints/latest").json()
    (tmp_path / "checkpoint.json").write_text(json.dumps(checkpoint))
    keys = local_stack.call("GET", "/v1/transparency/keys")
    (tmp_path / "keys.json").write_text(keys.text)

    # When the employee verifies the record with the CLI, and again offline from the saved proof
    here = ["--endpoint", local_stack.url, "--token", token]
    saved = tmp_path / "proof.json"
    assert main(["verify", "record", reg_id, *here, "--save", str(saved)]) == 0
    assert "VERIFIED" in capsys.readouterr().out
    assert main(["verify", "record", reg_id, "--file", str(saved), "--keys", str(tmp_path / "keys.json")]) == 0
    # And the log's next checkpoint is consistent with the saved one
    local_stack.set_clock("2026-02-02T13:00:00+05:30")
    assert local_stack.call("POST", "/_local/jobs/transparency-checkpoint", json={}).ok
    assert main(["verify", "log", "--from", str(tmp_path / "checkpoint.json"), "--endpoint", local_stack.url]) == 0

    # When an insider rewrites one event's text straight in DynamoDB (keeping its stored hash)
    described = local_stack.call("GET", "/_local/stack").json()
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=described["aws_endpoint_url"],
        region_name=described["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    table = described["outputs"]["EventsTableName"]
    key = {"pk": {"S": f"registration#{reg_id}"}, "seq": {"N": "1"}}
    body = json.loads(dynamodb.get_item(TableName=table, Key=key)["Item"]["body"]["S"])
    body["actor"]["id"] = "user:someone-else"
    dynamodb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET body = :body",
        ExpressionAttributeValues={":body": {"S": json.dumps(body, sort_keys=True, separators=(",", ":"))}},
    )
    capsys.readouterr()
    # Then the same check fails, naming the event
    assert main(["verify", "record", reg_id, *here]) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED" in out and "event 1: the event's content does not match its hash" in out
    # And a proof of someone else's record, or a tampered saved proof, fails too
    proof = json.loads(saved.read_text())
    proof["events"][-1]["inclusion_proof"][0] = "0" * 64
    saved.write_text(json.dumps(proof))
    assert main(["verify", "record", reg_id, "--file", str(saved), "--keys", str(tmp_path / "keys.json")]) == 1
    assert main(["verify", "record", "REG-NOSUCH", *here]) == 1
