"""The SAM template: transformed by the SAM translator, linted by cfn-lint, and checked for what
DESIGN.md requires of its resources and policies.

cfn-lint >= 1.54 no longer runs the SAM transform, so a `!Ref` to a missing resource would pass
unseen; transforming first and linting the CloudFormation output catches it.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint, lint_file
from samtranslator.translator.transform import transform

from infra.local.template import TEMPLATE_PATH, load_template

ROOT = Path(__file__).resolve().parents[2]
DATA_ACTION_PREFIXES = ("dynamodb:", "s3:", "sqs:", "kms:")


def _with_s3_code_uris(template: dict[str, Any]) -> dict[str, Any]:
    """The translator wants code in S3 (as after `sam package`); the local paths stand for it here."""
    packaged = copy.deepcopy(template)
    packaged.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://bucket/functions.zip"
    for resource in packaged["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource["Properties"]:
            resource["Properties"]["CodeUri"] = "s3://bucket/functions.zip"
    return packaged


@pytest.fixture(scope="module")
def cloudformation(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import os  # noqa: PLC0415 - the translator reads the region from the environment

    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-south-1")
    return transform(_with_s3_code_uris(load_template()), {}, None)


def resources(cfn: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == type_name}


def _lint_errors(matches: list[Any]) -> list[str]:
    return [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches if m.rule.id.startswith("E")]


def test_cfn_lint_finds_no_errors_in_the_transformed_template(cloudformation: dict[str, Any]) -> None:
    matches = lint(json.dumps(cloudformation), config=ManualArgs(regions=["ap-south-1"]))
    assert _lint_errors(matches) == []


def test_cfn_lint_finds_no_errors_in_the_sam_source() -> None:
    matches = lint_file(TEMPLATE_PATH, config=ManualArgs(regions=["ap-south-1"]))
    assert _lint_errors(matches) == []


def test_the_linter_would_catch_a_reference_to_a_missing_resource(cloudformation: dict[str, Any]) -> None:
    broken = copy.deepcopy(cloudformation)
    broken["Resources"]["RegisterFunction"]["Properties"]["Environment"]["Variables"]["ROLL_TABLE"] = {
        "Ref": "NoSuchTable"
    }
    assert _lint_errors(lint(json.dumps(broken), config=ManualArgs(regions=["ap-south-1"])))


def test_every_table_has_pitr_deletion_protection_and_encryption(cloudformation: dict[str, Any]) -> None:
    tables = resources(cloudformation, "AWS::DynamoDB::Table")
    assert len(tables) >= 6
    for name, table in tables.items():
        properties = table["Properties"]
        assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert properties["DeletionProtectionEnabled"] is True, name
        assert properties["SSESpecification"]["SSEEnabled"] is True, name
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        assert table["DeletionPolicy"] == "Retain", name


def test_documents_bucket_is_locked_down(cloudformation: dict[str, Any]) -> None:
    bucket = cloudformation["Resources"]["DocumentsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(
        bucket["PublicAccessBlockConfiguration"][k] is True
        for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )
    policy = cloudformation["Resources"]["DocumentsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in policy)


def test_every_work_queue_has_a_dead_letter_queue(cloudformation: dict[str, Any]) -> None:
    queues = resources(cloudformation, "AWS::SQS::Queue")
    dead_letter_ids = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    work_queues = set(queues) - dead_letter_ids
    assert work_queues
    for name in work_queues:
        assert "RedrivePolicy" in queues[name]["Properties"], name


def _statements(cfn: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = cfn["Resources"][role]["Properties"].get("Policies", [])
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_register_role_touches_only_its_tables_and_bucket_prefix(cloudformation: dict[str, Any]) -> None:
    role = cloudformation["Resources"]["RegisterFunctionRole"]["Properties"]
    # No managed policy may bring data actions (SAM's SQS one grants sqs:* on "*").
    assert all("SQSQueueExecution" not in json.dumps(arn) for arn in role["ManagedPolicyArns"])
    statements = _statements(cloudformation, "RegisterFunctionRole")
    allowed_tables = {
        "RegistrationsTable",
        "RollTable",
        "EventsTable",
        "CountersTable",
        "SettingsTable",
        "IdempotencyTable",
    }
    for statement in statements:
        actions = _as_list(statement["Action"])
        if not any(a.startswith(DATA_ACTION_PREFIXES) for a in actions):
            continue
        for resource in _as_list(statement["Resource"]):
            assert resource != "*", statement
            if any(a.startswith("dynamodb:") for a in actions):
                assert resource["Fn::GetAtt"][0] in allowed_tables, statement
            if any(a.startswith("s3:") for a in actions):
                assert resource == {"Fn::Sub": "${DocumentsBucket.Arn}/registrations/*"}, statement
    sqs = [s for s in statements if any(a.startswith("sqs:") for a in _as_list(s["Action"]))]
    assert [s["Resource"] for s in sqs] == [{"Fn::GetAtt": ["UploadEventsQueue", "Arn"]}]


def test_http_api_checks_cognito_jwts(cloudformation: dict[str, Any]) -> None:
    api = next(iter(resources(cloudformation, "AWS::ApiGatewayV2::Api").values()), None)
    authorizers = resources(cloudformation, "AWS::ApiGatewayV2::Authorizer")
    if api is None or not authorizers:  # SAM inlines the authorizer into the OpenAPI body
        body = json.dumps(cloudformation)
        assert "jwtConfiguration" in body or "JwtConfiguration" in body
        assert "UserPool" in body
        return
    authorizer = next(iter(authorizers.values()))["Properties"]
    assert authorizer["AuthorizerType"] == "JWT"


def test_the_layer_installs_exactly_the_projects_runtime_dependencies() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [
        line.strip()
        for line in (ROOT / "infra" / "layer" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert layer == declared


def test_every_function_has_its_own_role_with_no_data_action_on_everything(cloudformation: dict[str, Any]) -> None:
    functions = resources(cloudformation, "AWS::Lambda::Function")
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
    assert len(roles) == len(set(roles)) == len(functions)
    for role in roles:
        for statement in _statements(cloudformation, role):
            if any(a.startswith(DATA_ACTION_PREFIXES) for a in _as_list(statement["Action"])):
                assert "*" not in _as_list(statement["Resource"]), (role, statement)


def test_verify_signs_only_with_the_one_key(cloudformation: dict[str, Any]) -> None:
    kms = [
        s
        for s in _statements(cloudformation, "VerifyFunctionRole")
        if any(a.startswith("kms:") for a in _as_list(s["Action"]))
    ]
    assert [(sorted(_as_list(s["Action"])), s["Resource"]) for s in kms] == [
        (["kms:GetPublicKey", "kms:Sign"], {"Fn::GetAtt": ["DecisionSigningKey", "Arn"]})
    ]
