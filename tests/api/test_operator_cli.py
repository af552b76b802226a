"""The operator's deploy steps against the real local stack, as against AWS: `--local URL` reads the stack's
Outputs from GET /_local/stack, the CLI writes with (moto's) AWS credentials, and an official it created
signs in with a new password and a TOTP app, and is an admin to the API."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests

from infra import sign_in
from infra.cli import main
from infra.deployment import from_local
from tests.api.conftest import ROOT, LocalStack

pytestmark = pytest.mark.api

SAMPLES = ROOT / "infra" / "samples"
HEADER = "username,name,email,mobile,role,ddo_code,department,unit,status"


def test_the_local_stack_describes_itself_as_cloudformation_would(local_stack: LocalStack) -> None:
    described = local_stack.call("GET", "/_local/stack").json()
    assert described["stack_name"] == "anubandh-local" and described["region"] == "ap-south-1"
    assert described["outputs"]["ApiUrl"] == local_stack.url
    assert {"UserPoolId", "UserPoolClientId", "DirectoryTableName", "EventsTableName", "ProgrammeId"} <= set(
        described["outputs"]
    )
    assert described["aws_endpoint_url"].startswith("http://127.0.0.1:")


def test_an_operator_provisions_an_admin_who_enrols_totp_and_uses_the_api(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    here = ("--local", local_stack.url)
    # Given the programme, which init will not overwrite with other windows
    data = json.loads((SAMPLES / "programme.json").read_text(encoding="utf-8"))
    data["verification_closes_at"] = "2026-03-31T23:59:59+05:30"
    other = tmp_path / "programme.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    assert main(["programme", "init", str(other), *here]) == 1
    assert "PUT /v1/admin/windows" in capsys.readouterr().err

    # When the operator imports a new state nodal officer
    username = f"nodal.{uuid.uuid4().hex[:8]}"
    officials = tmp_path / "officials.csv"
    officials.write_text(f"{HEADER}\n{username},Nodal Officer,{username}@example.gov.in,9876510099,admin,,,,\n")
    assert main(["officials", "import", str(officials), *here]) == 0
    out, err = capsys.readouterr()
    assert "  created                     1" in out and "100%  1/1 rows" in err

    # And the official signs in for the first time with the invitation's temporary password
    # (moto sends no e-mail: the test sets the temporary password Cognito would have sent)
    deployment = from_local(local_stack.url, requests.Session())
    deployment.client("cognito-idp").admin_set_user_password(
        UserPoolId=deployment.output("UserPoolId"), Username=username, Password="Temp-Pass-1!", Permanent=False
    )
    monkeypatch.setenv("ANUBANDH_PASSWORD", "Temp-Pass-1!")
    monkeypatch.setenv("ANUBANDH_NEW_PASSWORD", "Chosen-Pass-1!")
    monkeypatch.setattr(sign_in.TerminalPrompts, "code", lambda _self, _prompt: "123456")  # moto takes any code
    status = ["roll", "status", "imp-20260101-000000000000", *here, "--username", username]
    # Then the CLI enrols their app on the way, and the API treats them as an admin (404, not 403)
    assert main(status) == 1
    err = capsys.readouterr().err
    assert f"otpauth://totp/Anubandh:{username}?secret=" in err
    assert "error: not_found (HTTP 404)" in err

    # When they sign in again, Cognito asks for the app's code, which --totp gives
    monkeypatch.setenv("ANUBANDH_PASSWORD", "Chosen-Pass-1!")
    assert main([*status, "--totp", "654321"]) == 1
    assert "error: not_found (HTTP 404)" in capsys.readouterr().err

    # When the operator disables them, Cognito refuses their next sign-in
    officials.write_text(f"{HEADER}\n{username},Nodal Officer,{username}@example.gov.in,9876510099,admin,,,,disabled\n")
    assert main(["officials", "import", str(officials), *here]) == 0
    assert "  disabled                    1" in capsys.readouterr().out
    assert main([*status, "--totp", "654321"]) == 1
    assert "NotAuthorizedException" in capsys.readouterr().err


def test_the_roll_commands_find_the_api_through_the_local_stack(
    local_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["roll", "status", "imp-20260101-000000000000", "--local", local_stack.url, "--local-user", "admin1"]
    assert main(argv) == 1
    assert "error: not_found (HTTP 404)" in capsys.readouterr().err
