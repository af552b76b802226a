"""Reading the CloudFormation template and resolving the intrinsics the local stack needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.template import (
    LocalContext,
    TemplateError,
    function_environment,
    http_routes,
    load_template,
    resolve,
    sqs_sources,
)

CTX = LocalContext(
    stack_name="s",
    region="ap-south-1",
    parameters={"Stage": "test"},
    physical={"Table": {"Ref": "s-table", "Arn": "arn:aws:dynamodb:ap-south-1:123456789012:table/s-table"}},
)


def test_short_form_tags_become_long_form(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("A: !Ref X\nB: !GetAtt T.Arn\nC: !Sub '${X}-y'\nD: !Join [',', [a, b]]\n")
    loaded = load_template(path)
    assert loaded == {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["T", "Arn"]},
        "C": {"Fn::Sub": "${X}-y"},
        "D": {"Fn::Join": [",", ["a", "b"]]},
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Table"}, "s-table"),
        ({"Ref": "Stage"}, "test"),
        ({"Ref": "AWS::Region"}, "ap-south-1"),
        ({"Fn::GetAtt": ["Table", "Arn"]}, "arn:aws:dynamodb:ap-south-1:123456789012:table/s-table"),
        ({"Fn::Sub": "${Table.Arn}/index/*"}, "arn:aws:dynamodb:ap-south-1:123456789012:table/s-table/index/*"),
        ({"Fn::Sub": ["${A}-${AWS::AccountId}", {"A": {"Ref": "Stage"}}]}, "test-123456789012"),
        ({"Fn::Sub": "literal ${!NotAVariable}"}, "literal ${NotAVariable}"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}, "a-test"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "y"),
    ],
)
def test_resolve(value: object, expected: str) -> None:
    assert resolve(value, CTX) == expected


@pytest.mark.parametrize("value", [{"Ref": "Missing"}, {"Fn::GetAtt": ["Table", "StreamArn"]}, {"Fn::If": []}])
def test_what_cannot_be_resolved_is_an_error(value: object) -> None:
    with pytest.raises(TemplateError):
        resolve(value, CTX)


def test_routes_queues_and_environment_come_from_the_template() -> None:
    template = load_template()
    routes = {(r.method, r.path): r for r in http_routes(template)}
    confirm = routes[("POST", "/v1/registrations/{id}/documents/{doc}/confirm")]
    assert confirm.handler == "register.handler.lambda_handler"
    assert confirm.requires_auth
    assert not routes[("GET", "/openapi.json")].requires_auth
    assert not routes[("GET", "/docs")].requires_auth
    (source,) = sqs_sources(template)
    assert (source.function_id, source.queue_id, source.report_batch_item_failures) == (
        "RegisterFunction",
        "UploadEventsQueue",
        True,
    )
    physical = {
        logical: {"Ref": f"local-{logical}"}
        for logical in (
            "RegistrationsTable",
            "RollTable",
            "EventsTable",
            "CountersTable",
            "SettingsTable",
            "IdempotencyTable",
            "DocumentsBucket",
        )
    }
    environment = function_environment(template, "RegisterFunction", LocalContext("s", "ap-south-1", physical=physical))
    assert environment["ROLL_TABLE"] == "local-RollTable"
    assert environment["SETTINGS_TABLE"] == "local-SettingsTable"  # from Globals
    assert environment["PROGRAMME_ID"] == "HR-2026"  # a parameter's default
