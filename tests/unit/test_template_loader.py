"""Reading the CloudFormation template and resolving the intrinsics the local stack needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.local.template import (
    LocalContext,
    TemplateError,
    function_environment,
    http_routes,
    load_template,
    local_name,
    parameter_values,
    resolve,
    resources_of_type,
    scheduled_jobs,
    sqs_sources,
)

TABLE_ARN = "arn:aws:dynamodb:ap-south-1:123456789012:table/s-table"


def context(**overrides: Any) -> LocalContext:
    """A stack "s" in ap-south-1 with one provisioned table, "Table", and Stage=test."""
    fields: dict[str, Any] = {
        "stack_name": "s",
        "region": "ap-south-1",
        "parameters": {"Stage": "test"},
        "physical": {"Table": {"Ref": "s-table", "Arn": TABLE_ARN}},
    }
    return LocalContext(**{**fields, **overrides})


def load_value(tmp_path: Path, yaml_value: str) -> Any:
    """What the loader makes of `yaml_value` as the value of a key in a minimal template."""
    path = tmp_path / "template.yaml"
    path.write_text(f"Resources: {{}}\nValue: {yaml_value}\n")
    return load_template(path)["Value"]


def function(*, handler: str | None = "app.handler", **events: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {"Events": events}
    if handler:
        properties["Handler"] = handler
    return {"Type": "AWS::Serverless::Function", "Properties": properties}


def http_event(method: str, path: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "HttpApi", "Properties": {"Method": method, "Path": path, **extra}}


def sqs_event(queue: Any, **extra: Any) -> dict[str, Any]:
    return {"Type": "SQS", "Properties": {"Queue": queue, **extra}}


# ---------------------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("yaml_value", "long_form"),
    [
        ("!Ref Stage", {"Ref": "Stage"}),
        ("!GetAtt Table.Arn", {"Fn::GetAtt": ["Table", "Arn"]}),
        ("!GetAtt [Table, Arn]", {"Fn::GetAtt": ["Table", "Arn"]}),
        ("!GetAtt Nested.Outputs.Url", {"Fn::GetAtt": ["Nested", "Outputs.Url"]}),
        ("!Sub '${Stage}-x'", {"Fn::Sub": "${Stage}-x"}),
        ("!Sub ['${A}-x', {A: !Ref Stage}]", {"Fn::Sub": ["${A}-x", {"A": {"Ref": "Stage"}}]}),
        ("!Join [',', [a, !Ref Stage]]", {"Fn::Join": [",", ["a", {"Ref": "Stage"}]]}),
        ("!Select [0, !Split [',', 'a,b']]", {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}),
        ("!If [IsProd, a, b]", {"Fn::If": ["IsProd", "a", "b"]}),
        ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
        ("!Not [!Condition IsProd]", {"Fn::Not": [{"Condition": "IsProd"}]}),
        ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!FindInMap [Map, Key, Value]", {"Fn::FindInMap": ["Map", "Key", "Value"]}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
        ("!Base64 text", {"Fn::Base64": "text"}),
    ],
)
def test_short_form_tags_become_long_form(tmp_path: Path, yaml_value: str, long_form: dict[str, Any]) -> None:
    # Given a template value written with a short-form tag / When it is loaded
    loaded = load_value(tmp_path, yaml_value)
    # Then it is the long form CloudFormation documents
    assert loaded == long_form


def test_an_unquoted_date_stays_a_string_as_in_cloudformation(tmp_path: Path) -> None:
    assert load_value(tmp_path, "2010-09-09") == "2010-09-09"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("Resources: {}\nValue: !Reff Stage\n", "!Reff"),
        ("Resources:\n  Table: {Type: A}\n  Table: {Type: B}\n", "duplicate key 'Table'"),
        ("Value: 1\n", "no Resources"),
    ],
)
def test_a_malformed_template_is_refused(tmp_path: Path, text: str, complaint: str) -> None:
    # Given a misspelt tag, a logical id declared twice, or no Resources at all
    path = tmp_path / "template.yaml"
    path.write_text(text)
    # When / Then loading it names the problem instead of guessing
    with pytest.raises(TemplateError, match=complaint):
        load_template(path)


# ---------------------------------------------------------------------------- resolving


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Table"}, "s-table"),
        ({"Ref": "Stage"}, "test"),
        ({"Ref": "AWS::Region"}, "ap-south-1"),
        ({"Ref": "AWS::AccountId"}, "123456789012"),
        ({"Ref": "AWS::StackName"}, "s"),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
        ({"Fn::GetAtt": ["Table", "Arn"]}, TABLE_ARN),
        ({"Fn::Sub": "${Table.Arn}/index/*"}, f"{TABLE_ARN}/index/*"),
        (
            {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${Table}"},
            "https://cognito-idp.ap-south-1.amazonaws.com/s-table",
        ),
        ({"Fn::Sub": ["${A}-${AWS::AccountId}", {"A": {"Ref": "Stage"}}]}, "test-123456789012"),
        ({"Fn::Sub": "literal ${!NotAVariable} and ${Stage}"}, "literal ${NotAVariable} and test"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 7]]}, "a-test-7"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "y"),
        ({"Fn::Split": ["/", {"Fn::Sub": "${Stage}/b"}]}, ["test", "b"]),
    ],
)
def test_resolve(value: object, expected: object) -> None:
    assert resolve(value, context()) == expected


def test_resolve_walks_nested_structures_and_drops_no_value() -> None:
    # Given a policy-like structure with intrinsics at several depths and an AWS::NoValue
    value = {
        "Statement": [{"Resource": [{"Fn::GetAtt": ["Table", "Arn"]}, {"Ref": "AWS::NoValue"}]}],
        "Optional": {"Ref": "AWS::NoValue"},
        "Plain": 5,
    }
    # When it is resolved / Then every intrinsic is replaced and NoValue removes what it stood in
    assert resolve(value, context()) == {"Statement": [{"Resource": [TABLE_ARN]}], "Plain": 5}


def test_a_parameter_falls_back_to_the_templates_default() -> None:
    # Given a context with no value for LogLevel, and a template whose LogLevel defaults to INFO
    template = {"Parameters": {"LogLevel": {"Type": "String", "Default": "INFO"}}, "Resources": {}}
    # When / Then
    assert resolve({"Ref": "LogLevel"}, context(parameters={}), template) == "INFO"
    assert resolve({"Ref": "LogLevel"}, context(parameters={"LogLevel": "DEBUG"}), template) == "DEBUG"


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ({"Ref": "Missing"}, "no such resource or parameter"),
        ({"Ref": "Queue"}, "did not provision it"),
        ({"Ref": "AWS::Nonsense"}, "unknown pseudo parameter"),
        ({"Fn::GetAtt": ["Table", "StreamArn"]}, r"known attributes are \['Arn'\]"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "Queue was not provisioned"),
        ({"Fn::Sub": "${Missing}"}, "Ref Missing"),
        ({"Fn::Sub": ["${A}"]}, "Fn::Sub takes"),
        ({"Fn::If": ["IsProd", "a", "b"]}, "Fn::If is not supported"),
        ({"Fn::ImportValue": "shared"}, "Fn::ImportValue is not supported"),
        ({"Fn::Select": [3, ["a"]]}, "out of range"),
        ({"Fn::Join": [",", [{"Fn::GetAtt": ["Table", "Arn"]}, {"k": "v"}]]}, "expected a string"),
    ],
)
def test_what_cannot_be_resolved_is_a_clear_error(value: object, complaint: str) -> None:
    # Given a template that declares a Queue the context never provisioned
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    # When / Then
    with pytest.raises(TemplateError, match=complaint):
        resolve(value, context(), template)


def test_parameter_values_take_overrides_then_defaults() -> None:
    template = load_template()
    values = parameter_values(template, {"Stage": "local"})
    assert values["Stage"] == "local"
    assert values["ProgrammeId"] == template["Parameters"]["ProgrammeId"]["Default"]
    assert set(values) == set(template["Parameters"])


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"Stage": "NOT VALID"}, "does not match"),
        ({"LogLevel": "CHATTY"}, "is not one of"),
        ({"Nope": "x"}, "not in the template"),
        ({"DocumentRetentionDays": "0"}, "below its MinValue"),
        ({"DocumentRetentionDays": "ten years"}, "is not a number"),
    ],
)
def test_parameter_values_are_checked_as_cloudformation_checks_them(overrides: dict[str, str], complaint: str) -> None:
    with pytest.raises(TemplateError, match=complaint):
        parameter_values(load_template(), overrides)


def test_local_names_are_lowercase_bucket_safe_and_distinct_when_long() -> None:
    assert local_name("anubandh-local", "RegistrationsTable") == "anubandh-local-registrationstable"
    assert local_name("My_Stack", "Docs.Bucket") == "my-stack-docs-bucket"
    first, second = (local_name("stack", "A" * 70 + suffix) for suffix in ("One", "Two"))
    assert first != second
    assert all(len(n) <= 63 and n[-1] != "-" for n in (first, second))


# ---------------------------------------------------------------------------- typed views


def test_http_routes_list_every_route_of_the_register_function() -> None:
    # Given the real template
    template = load_template()
    declared = {
        (event["Properties"]["Method"], event["Properties"]["Path"])
        for event in template["Resources"]["RegisterFunction"]["Properties"]["Events"].values()
        if event["Type"] == "HttpApi"
    }
    # When its routes are read
    routes = {(r.method, r.path): r for r in http_routes(template) if r.function_id == "RegisterFunction"}
    # Then every HttpApi event is a route to the register handler, the document confirm among them
    assert set(routes) == declared
    assert ("POST", "/v1/registrations/{id}/documents/{doc}/confirm") in routes
    assert {r.handler for r in routes.values()} == {"register.handler.lambda_handler"}
    # and only the OpenAPI document and its UI are public
    assert {key for key, r in routes.items() if not r.requires_auth} == {("GET", "/openapi.json"), ("GET", "/docs")}


def test_a_route_without_its_own_handler_uses_the_globals_one() -> None:
    template = {
        "Globals": {"Function": {"Handler": "shared.handler"}},
        "Resources": {"Fn": function(handler=None, Get=http_event("get", "/x", Auth={"Authorizer": "NONE"}))},
    }
    (route,) = http_routes(template)
    assert (route.method, route.path, route.function_id, route.handler, route.requires_auth) == (
        "GET",
        "/x",
        "Fn",
        "shared.handler",
        False,
    )


def test_a_route_needs_a_method_and_a_path() -> None:
    template = {"Resources": {"Fn": function(Any={"Type": "HttpApi", "Properties": {}})}}
    with pytest.raises(TemplateError, match="needs Method and Path"):
        http_routes(template)


def test_sqs_sources_find_every_queue_with_its_function_and_timeout() -> None:
    template = load_template()
    sources = {s.queue_id: s for s in sqs_sources(template)}
    assert set(sources) == {
        "UploadEventsQueue",
        "JobWorkQueue",
        "RollImportQueue",
        "OtpQueue",
        "CheckpointRequestQueue",
    }
    checkpoints = sources["CheckpointRequestQueue"]
    assert (checkpoints.function_id, checkpoints.batch_size) == ("TransparencyLogFunction", 100)
    assert (sources["OtpQueue"].function_id, sources["OtpQueue"].handler) == (
        "AuthFunction",
        "auth.handler.lambda_handler",
    )
    importer = sources["RollImportQueue"]
    assert importer.handler == "admin.importer.lambda_handler"
    assert (importer.batch_size, importer.timeout_seconds) == (1, 900)
    assert sources["UploadEventsQueue"].timeout_seconds == 29  # the Globals' timeout
    worker = sources["JobWorkQueue"]
    assert (worker.function_id, worker.handler) == ("RemindersWorkerFunction", "reminders.worker.lambda_handler")
    assert worker.report_batch_item_failures is True
    source = sources["UploadEventsQueue"]
    assert source.function_id == "RegisterFunction"
    assert source.queue_id == "UploadEventsQueue"
    assert source.queue_id in resources_of_type(template, "AWS::SQS::Queue")
    assert source.handler == "register.handler.lambda_handler"
    assert (source.batch_size, source.report_batch_item_failures) == (10, True)


def schedule_event(payload: str) -> dict[str, Any]:
    return {
        "Type": "ScheduleV2",
        "Properties": {
            "ScheduleExpression": "cron(0 * * * ? *)",
            "ScheduleExpressionTimezone": "Asia/Kolkata",
            "Input": payload,
        },
    }


def test_scheduled_jobs_are_named_by_the_job_in_their_input() -> None:
    jobs = scheduled_jobs(load_template())
    assert set(jobs) >= {"close-registration", "close-verification"}
    close = jobs["close-verification"]
    assert (close.function_id, close.handler) == ("RemindersPlannerFunction", "reminders.planner.lambda_handler")
    assert close.payload == {"job": "close-verification"}
    assert close.timezone == "Asia/Kolkata"


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ({"A": schedule_event("not json")}, "Input is not JSON"),
        ({"A": schedule_event('{"dry_run": true}')}, 'with a "job" name'),
        ({"A": schedule_event('{"job": "x"}'), "B": schedule_event('{"job": "x"}')}, "scheduled twice"),
    ],
)
def test_a_schedule_must_name_one_job_in_json(events: dict[str, Any], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        scheduled_jobs({"Resources": {"Fn": function(**events)}})


def test_a_disabled_sqs_event_is_not_a_source_and_a_queue_must_be_named_by_getatt() -> None:
    disabled = {"Resources": {"Fn": function(Q=sqs_event({"Fn::GetAtt": ["Q", "Arn"]}, Enabled=False))}}
    assert sqs_sources(disabled) == []
    literal = {"Resources": {"Fn": function(Q=sqs_event("arn:aws:sqs:ap-south-1:123456789012:q"))}}
    with pytest.raises(TemplateError, match=r"!GetAtt <Queue>\.Arn"):
        sqs_sources(literal)


def test_function_environment_merges_globals_with_the_functions_own() -> None:
    # Given the real template and a context where every resource the register function names exists
    template = load_template()
    physical = {logical_id: {"Ref": f"local-{logical_id}"} for logical_id in template["Resources"]}
    ctx = LocalContext("s", "ap-south-1", physical=physical)
    # When its environment is resolved
    environment = function_environment(template, "RegisterFunction", ctx)
    # Then it has the function's variables, the Globals' ones, and parameter defaults
    assert environment["ROLL_TABLE"] == "local-RollTable"
    assert environment["SETTINGS_TABLE"] == "local-SettingsTable"  # from Globals
    assert environment["PROGRAMME_ID"] == template["Parameters"]["ProgrammeId"]["Default"]
    assert environment["POWERTOOLS_SERVICE_NAME"] == "register"
    assert all(isinstance(v, str) for v in environment.values())


def test_function_environment_of_an_unknown_function_is_an_error() -> None:
    with pytest.raises(TemplateError, match="NoSuchFunction"):
        function_environment(load_template(), "NoSuchFunction", context())
