"""Over real HTTP against the running local stack: a submission's signed receipt checked offline by
`anubandh verify receipt` with the published key, and the public statistics with no token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli import main
from tests.api.conftest import LocalStack
from tests.api.test_registration_over_http import IN_WINDOW, PDF, REQUIRED, create, upload

pytestmark = pytest.mark.api


def test_a_submission_receipt_verifies_offline_and_an_altered_copy_does_not(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given employee10 has submitted a complete registration
    local_stack.set_clock(IN_WINDOW)
    auth, registration = create(local_stack, "employee10")
    reg_id = registration["registration_id"]
    for doc_type in REQUIRED:
        assert upload(local_stack, auth, reg_id, doc_type, PDF)["status"] == "UPLOADED"
    version = local_stack.call("GET", f"/v1/registrations/{reg_id}", auth).json()["version"]
    submitted = local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", auth, json={"version": version})
    assert submitted.status_code == 200, submitted.text
    # When they save their receipt, as the server checks it
    saved = local_stack.call("GET", f"/v1/registrations/{reg_id}/receipt", auth)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["verified"], saved.json()["event_recorded"]) == (True, True)
    assert saved.json()["signed_receipt"] == submitted.json()["signed_receipt"]
    receipt = tmp_path / "receipt.json"
    receipt.write_text(saved.text, encoding="utf-8")
    # Then anyone verifies it on their own machine with the published key: exit 0
    assert main(["verify", "receipt", str(receipt), "--endpoint", local_stack.url]) == 0
    # ...and a copy with the acknowledgement number changed fails: exit 1
    document = json.loads(saved.text)
    number = document["signed_receipt"]["receipt"]["acknowledgement_number"]
    document["signed_receipt"]["receipt"]["acknowledgement_number"] = number[:-1] + ("1" if number[-1] != "1" else "2")
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(document), encoding="utf-8")
    assert main(["verify", "receipt", str(altered), "--endpoint", local_stack.url]) == 1
    out = capsys.readouterr().out
    assert "VALID: this receipt is signed with the published key" in out
    assert "NOT VALID: The signature does not match" in out
    assert "मान्य:" in out and "अमान्य:" in out


def test_the_public_statistics_need_no_token_and_may_be_cached(local_stack: LocalStack) -> None:
    reply = local_stack.call("GET", "/v1/transparency/stats?by=district")
    assert reply.status_code == 200, reply.text
    assert reply.headers["Cache-Control"].startswith("public, max-age=")
    body = reply.json()
    assert body["by"] == "district"
    assert body["suppression"]["min_records"] == 5
