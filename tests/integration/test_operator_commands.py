"""`anubandh programme init` and `anubandh officials import` on moto, with an operator's AWS credentials.

The stack is found as in the cloud: a CloudFormation stack (in moto) whose Outputs are the template's,
resolved for the tables and pool provisioned from it."""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from core.audit import verify_chain
from core.auth import Role
from core.errors import AccountDisabled, SessionRevoked
from core.identity import Directory
from core.store.directory import DirectoryStore
from core.store.dynamo import transact_write
from core.store.events import EventStore
from core.store.programmes import ProgrammeStore
from infra.cli import main
from infra.local.stack import local_outputs
from infra.local.template import LocalContext, http_routes, load_template
from tests import factories
from tests.integration.conftest import call

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "infra" / "samples"
STACK = "anubandh-test"
HEADER = "username,name,email,mobile,role,ddo_code,department,unit,status"
LINES = {
    "ddo.pkl001": "ddo.pkl001,Ramesh Kumar,ddo.pkl001@example.gov.in,9876510001,ddo,DDO-PKL-001,,,",
    "hod.health": "hod.health,Dr Anita Yadav,hod.health@example.gov.in,9876510004,hod,,Health,,",
    "grv.panchkula": "grv.panchkula,Deepak Saini,grv@example.gov.in,9876510005,officer,,,GRV-PKL-L1,",
    "nodal.officer": "nodal.officer,Vikas Singh,nodal@example.gov.in,9876510007,admin,,,,",
}


@pytest.fixture
def outputs(stack: LocalContext) -> Iterator[dict[str, str]]:
    """The deployed stack as CloudFormation describes it (the template's Outputs)."""
    resolved = local_outputs(load_template(), stack, "https://api.example.invalid/dev")
    template = {
        "Resources": {"Marker": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {name: {"Value": value} for name, value in resolved.items()},
    }
    boto3.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    yield resolved


@pytest.fixture
def initialised(outputs: dict[str, str], capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert main(["programme", "init", str(SAMPLES / "programme.json"), "--stack", STACK]) == 0
    capsys.readouterr()
    return outputs


def officials_file(tmp_path: Path, *lines: str, name: str = "officials.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def import_officials(path: Path, *options: str) -> int:
    return main(["officials", "import", str(path), "--stack", STACK, *options])


def directory(outputs: dict[str, str]) -> DirectoryStore:
    return DirectoryStore(boto3.client("dynamodb"), outputs["DirectoryTableName"])


def history(outputs: dict[str, str], entity: str) -> list[Any]:
    return EventStore(boto3.client("dynamodb"), outputs["EventsTableName"]).history(entity)


def cognito_user(outputs: dict[str, str], username: str) -> dict[str, Any]:
    cognito = boto3.client("cognito-idp")
    user = cognito.admin_get_user(UserPoolId=outputs["UserPoolId"], Username=username)
    groups = cognito.admin_list_groups_for_user(UserPoolId=outputs["UserPoolId"], Username=username)["Groups"]
    return {
        "status": user["UserStatus"],
        "enabled": user["Enabled"],
        "groups": [g["GroupName"] for g in groups],
        "attributes": {a["Name"]: a["Value"] for a in user["UserAttributes"]},
    }


def principal_now(outputs: dict[str, str], username: str) -> Any:
    """What the server decides for a token of `username` issued now (a fresh, cold directory cache)."""
    stored = directory(outputs).official(username)
    assert stored is not None
    return Directory(directory(outputs), ttl_seconds=0).principal({"sub": stored.sub, "iat": str(time.time() - 1)})


def report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------------- programme init


def test_programme_init_writes_the_programme_once_with_its_first_audit_event(
    outputs: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a deployed stack with no programme, when the operator inits the sample
    assert main(["programme", "init", str(SAMPLES / "programme.json"), "--stack", STACK]) == 0
    assert "Programme HR-2026 written to anubandh-test" in capsys.readouterr().out
    # Then the settings table holds it at version 1, with the operator's audited creation
    programmes = ProgrammeStore(boto3.client("dynamodb"), boto3.resource("dynamodb"), outputs["SettingsTableName"], 0)
    stored = programmes.read("HR-2026")
    assert stored.version == 1
    [created] = history(outputs, "programme#HR-2026")
    assert created.type == "programme.created" and created.actor.id.startswith("operator:arn:aws:")
    assert created.data["registration_closes_at"] == "2026-01-31T23:59:59+05:30"
    assert stored.event_head == created.hash
    # When the same file is given again, nothing changes
    assert main(["programme", "init", str(SAMPLES / "programme.json"), "--stack", STACK]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert len(history(outputs, "programme#HR-2026")) == 1


def test_a_second_init_with_other_windows_is_refused_and_points_to_the_audited_route(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((SAMPLES / "programme.json").read_text(encoding="utf-8"))
    data["registration"]["closes_at"] = "2026-02-07T23:59:59+05:30"
    changed = tmp_path / "programme.json"
    changed.write_text(json.dumps(data), encoding="utf-8")

    assert main(["programme", "init", str(changed), "--stack", STACK]) == 1

    err = capsys.readouterr().err
    assert "already exists" in err and "PUT /v1/admin/windows" in err
    assert len(history(initialised, "programme#HR-2026")) == 1


def test_a_window_change_by_an_admin_continues_the_chain_the_init_began(initialised: dict[str, str]) -> None:
    admin = factories.claims("admin1", "admin")
    body = {
        "registration_closes_at": "2026-02-07T23:59:59+05:30",
        "order_ref": "GO-17",
        "reason": "Server outage on 31 January.",
    }
    changed = call("PUT", "/v1/admin/windows", as_=admin, body={**body, "version": 1})
    assert changed.status == 200, changed.body
    windows = call("GET", "/v1/admin/windows", as_=admin).body
    assert [e["type"] for e in windows["history"]] == ["programme.created", "programme.windows_changed"]
    assert windows["chain_valid"] is True and windows["version"] == 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"programme_id": "HR-2027"}, "the stack's functions read programme HR-2026"),
        ({"verification_closes_at": "2026-01-01T00:00:00+05:30"}, "verification must close after registration"),
        ({"registration": {"opens_at": "2025-12-25T00:00:00"}}, "registration.opens_at"),
    ],
)
def test_a_programme_file_that_does_not_fit_is_refused_with_where_and_why(
    outputs: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit: dict[str, Any],
    message: str,
) -> None:
    data = {**json.loads((SAMPLES / "programme.json").read_text(encoding="utf-8")), **edit}
    path = tmp_path / "programme.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["programme", "init", str(path), "--stack", STACK]) in {1, 2}
    assert message in capsys.readouterr().err


def test_an_unknown_stack_is_named_with_what_to_check(
    outputs: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["programme", "init", str(SAMPLES / "programme.json"), "--stack", "nope"]) == 1
    assert "no stack nope in ap-south-1: check --stack and --region" in capsys.readouterr().err


# ---------------------------------------------------------------------------- officials import


def test_the_sample_creates_each_official_in_cognito_and_the_directory_with_an_audit_event(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the sample officials file
    path = tmp_path / "officials.csv"
    shutil.copyfile(SAMPLES / "officials.csv", path)
    # When the operator imports it
    assert import_officials(path) == 0
    out, err = capsys.readouterr()
    # Then seven officials are created, with a progress bar on stderr and the counts on stdout
    assert "  created                     7" in out and "  errors                      0" in out
    assert "[####################] 100%  7/7 rows  created 7 · errors 0" in err
    assert report(tmp_path / "officials.report.csv")[0] == {
        "line": "",
        "username": "",
        "outcome": "total_created",
        "column": "",
        "message": "7",
    }
    # And the DDO is a Cognito user invited with a temporary password, in the ddo group
    user = cognito_user(initialised, "ddo.pkl001")
    assert user["status"] == "FORCE_CHANGE_PASSWORD" and user["groups"] == ["ddo"]
    assert user["attributes"]["email"] == "ddo.pkl001@example.gov.in"
    assert user["attributes"]["email_verified"] == "true"
    # And the server sees the DDO with their office, from the directory
    principal = principal_now(initialised, "ddo.pkl001")
    assert principal.roles == {Role.DDO} and principal.ddo_code == "DDO-PKL-001"
    assert principal_now(initialised, "grv.panchkula").unit == "GRV-PKL-L1"
    # And each creation is the first link of the official's own chain
    [created] = history(initialised, "official#ddo.pkl001")
    assert created.type == "official.created" and created.actor.role == "operator"
    assert created.data["official"]["mobile"] == "98******01"
    assert created.reason == "officials import of officials.csv"
    # When the same file is imported again, nothing is written
    assert import_officials(path) == 0
    assert "  unchanged                   7" in capsys.readouterr().out
    assert len(history(initialised, "official#ddo.pkl001")) == 1


def test_a_scope_change_is_audited_and_takes_effect(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert import_officials(officials_file(tmp_path, LINES["ddo.pkl001"])) == 0
    warm = Directory(directory(initialised))
    stored = directory(initialised).official("ddo.pkl001")
    assert stored is not None
    token = {"sub": stored.sub, "iat": str(time.time() - 1)}
    assert warm.principal(token).ddo_code == "DDO-PKL-001"
    capsys.readouterr()
    # When the DDO is moved to Hisar, with the order number as the reason
    moved = LINES["ddo.pkl001"].replace("DDO-PKL-001", "DDO-HSR-001")
    assert import_officials(officials_file(tmp_path, moved), "--reason", "Transfer order 2026/44") == 0
    out = capsys.readouterr().out
    assert "  updated                     1" in out
    assert "ddo ddo_code DDO-PKL-001 -> ddo ddo_code DDO-HSR-001" in out
    # Then the change is the second link of the chain, with the old and the new scope
    created, changed = history(initialised, "official#ddo.pkl001")
    assert changed.type == "official.scope_changed" and changed.reason == "Transfer order 2026/44"
    assert changed.data["scope"] == {
        "from": {"role": "ddo", "ddo_code": "DDO-PKL-001"},
        "to": {"role": "ddo", "ddo_code": "DDO-HSR-001"},
    }
    after = directory(initialised).official("ddo.pkl001")
    assert after is not None and verify_chain([created, changed], expected_head=after.event_head).valid
    # And the server applies the new office once its minute of cache has passed
    assert principal_now(initialised, "ddo.pkl001").ddo_code == "DDO-HSR-001"


def test_a_new_role_moves_the_official_between_groups(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert import_officials(officials_file(tmp_path, LINES["ddo.pkl001"])) == 0
    as_hod = "ddo.pkl001,Ramesh Kumar,ddo.pkl001@example.gov.in,9876510001,hod,,Health,,"
    assert import_officials(officials_file(tmp_path, as_hod)) == 0
    assert cognito_user(initialised, "ddo.pkl001")["groups"] == ["hod"]
    principal = principal_now(initialised, "ddo.pkl001")
    assert (principal.roles, principal.department, principal.ddo_code) == ({Role.HOD}, "Health", None)


def test_a_disabled_official_is_refused_and_their_sessions_end(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an officer who has signed in (a refresh token)
    assert import_officials(officials_file(tmp_path, LINES["grv.panchkula"])) == 0
    cognito, pool, client = boto3.client("cognito-idp"), initialised["UserPoolId"], initialised["UserPoolClientId"]
    cognito.admin_set_user_password(UserPoolId=pool, Username="grv.panchkula", Password="Chosen-1!x", Permanent=True)
    refresh = cognito.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "grv.panchkula", "PASSWORD": "Chosen-1!x"},
    )["AuthenticationResult"]["RefreshToken"]
    issued_before = str(time.time() - 5)
    # When the line says status=disabled
    disabled = LINES["grv.panchkula"].removesuffix(",") + ",disabled"
    assert import_officials(officials_file(tmp_path, disabled)) == 0
    assert "  disabled                    1" in capsys.readouterr().out
    # Then Cognito refuses them and their refresh token is dead
    assert cognito_user(initialised, "grv.panchkula")["enabled"] is False
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
    # And the directory link is inactive, with tokens_valid_after set: even an unexpired token is refused
    stored = directory(initialised).official("grv.panchkula")
    assert stored is not None
    link = directory(initialised).link(stored.sub)
    assert link is not None and link.active is False and link.tokens_valid_after is not None
    with pytest.raises(AccountDisabled):
        Directory(directory(initialised)).principal({"sub": stored.sub, "iat": issued_before})
    assert history(initialised, "official#grv.panchkula")[-1].type == "official.disabled"
    # When they are enabled again, a token from before the disable stays refused
    assert import_officials(officials_file(tmp_path, LINES["grv.panchkula"])) == 0
    assert cognito_user(initialised, "grv.panchkula")["enabled"] is True
    with pytest.raises(SessionRevoked):
        Directory(directory(initialised)).principal({"sub": stored.sub, "iat": issued_before})


def test_disable_missing_treats_the_file_as_the_complete_list(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert import_officials(officials_file(tmp_path, *LINES.values())) == 0
    kept = [LINES["ddo.pkl001"], LINES["hod.health"], LINES["nodal.officer"]]
    # When a complete list with a bad line leaves the officer out, nobody is disabled
    bad = "x,No Mobile,x@example.gov.in,,admin,,,,"
    assert import_officials(officials_file(tmp_path, *kept, bad), "--disable-missing") == 3
    assert "nobody missing from the file was disabled" in capsys.readouterr().err
    assert cognito_user(initialised, "grv.panchkula")["enabled"] is True
    # When the list is clean, the officer left out is disabled, not deleted
    path = officials_file(tmp_path, *kept)
    assert import_officials(path, "--disable-missing") == 0
    out = capsys.readouterr().out
    assert "not in the file" in out and "grv.panchkula" in out
    assert cognito_user(initialised, "grv.panchkula")["enabled"] is False
    assert directory(initialised).official("grv.panchkula") is not None
    assert [r["username"] for r in report(tmp_path / "officials.report.csv") if r["outcome"] == "disabled"] == [
        "grv.panchkula"
    ]


def test_bad_lines_are_reported_and_the_good_ones_imported(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown_office = LINES["ddo.pkl001"].replace("DDO-PKL-001", "DDO-XYZ-999")
    never_imported = LINES["hod.health"].removesuffix(",") + ",disabled"
    path = officials_file(tmp_path, LINES["nodal.officer"], unknown_office, never_imported)

    assert import_officials(path) == 3

    err = capsys.readouterr().err
    assert "2 line(s) not imported: see the report" in err
    errors = [(r["line"], r["username"], r["column"]) for r in report(tmp_path / "officials.report.csv") if r["line"]]
    assert errors == [("3", "ddo.pkl001", "ddo_code"), ("4", "hod.health", "status")]
    assert cognito_user(initialised, "nodal.officer")["groups"] == ["admin"]
    assert directory(initialised).official("ddo.pkl001") is None


def test_a_dry_run_shows_the_plan_and_writes_nothing(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert import_officials(officials_file(tmp_path, *LINES.values()), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Dry run, nothing written" in out and "new hod department Health" in out
    assert directory(initialised).official("hod.health") is None
    with pytest.raises(boto3.client("cognito-idp").exceptions.UserNotFoundException):
        cognito_user(initialised, "hod.health")


def test_a_username_taken_by_an_employee_is_not_taken_over(
    initialised: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an employee's Cognito user (the pool ignores case, so "emp-0001" is EMP-0001's; moto does not,
    # so the user is made lower case here)
    cognito = boto3.client("cognito-idp")
    user = cognito.admin_create_user(
        UserPoolId=initialised["UserPoolId"], Username="emp-0001", MessageAction="SUPPRESS"
    )
    sub = next(a["Value"] for a in user["User"]["Attributes"] if a["Name"] == "sub")
    link = factories.directory_link(factories.claims("EMP-0001", "employee", sub=sub, employee_code="EMP-0001"))
    assert link is not None
    transact_write(boto3.client("dynamodb"), [directory(initialised).put_link(link)])
    # When an official with that username is imported
    line = "emp-0001,Someone,s@example.gov.in,9876510009,admin,,,,"
    assert import_officials(officials_file(tmp_path, line)) == 3
    # Then the line is refused and the employee's user is left alone
    [problem] = [r for r in report(tmp_path / "officials.report.csv") if r["line"]]
    assert "belongs to another account (employee)" in problem["message"]
    assert cognito_user(initialised, "emp-0001")["groups"] == []


def test_officials_need_a_programme_first(
    outputs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert import_officials(officials_file(tmp_path, LINES["ddo.pkl001"])) == 1
    assert "run `anubandh programme init programme.json` first" in capsys.readouterr().err


def test_no_api_route_lets_an_app_user_create_officials() -> None:
    """Officials are provisioned by operators with AWS credentials only: the API has no route for it."""
    paths = {route.path for route in http_routes(load_template())}
    assert not [path for path in paths if "official" in path or "users" in path]
