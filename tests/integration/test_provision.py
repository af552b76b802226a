"""Provisioning moto from infra/template.yaml: the template is the single source of every shape.

Expectations are read from the template itself, not restated, so these tests check that what
provisioning creates is what the template declares, whatever it declares.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.provision import provision
from infra.local.stack import local_outputs
from infra.local.template import LocalContext, TemplateError, load_template, resources_of_type

REGION = "ap-south-1"
STACK = "prov"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


@pytest.fixture
def template() -> dict[str, Any]:
    return load_template()


def provisioned(template: dict[str, Any], **parameters: str) -> LocalContext:
    # endpoint_url=None: boto3's default endpoints, which mock_aws intercepts.
    return provision(template, endpoint_url=None, region=REGION, stack_name=STACK, parameters=parameters or None)


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def declared(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def only(template: dict[str, Any], type_name: str) -> str:
    (logical_id,) = resources_of_type(template, type_name)
    return logical_id


def by_name(items: list[dict[str, Any]], key: str = "AttributeName") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


pytestmark = pytest.mark.usefixtures("aws")


def test_every_table_has_the_templates_keys_and_indexes(template: dict[str, Any]) -> None:
    # Given the template's tables / When they are provisioned
    context = provisioned(template)
    tables = resources_of_type(template, "AWS::DynamoDB::Table")
    assert tables
    for logical_id, resource in tables.items():
        expected = resource["Properties"]
        table = client("dynamodb").describe_table(TableName=context.physical[logical_id]["Ref"])["Table"]
        # Then each has exactly the declared keys, attribute types and secondary indexes
        assert table["KeySchema"] == expected["KeySchema"], logical_id
        assert by_name(table["AttributeDefinitions"]) == by_name(expected["AttributeDefinitions"]), logical_id
        assert table["BillingModeSummary"]["BillingMode"] == expected["BillingMode"], logical_id
        indexes = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table.get("GlobalSecondaryIndexes", [])}
        wanted = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in expected.get("GlobalSecondaryIndexes", [])}
        assert indexes == wanted, logical_id
        assert context.physical[logical_id]["Arn"] == table["TableArn"]


def test_time_to_live_is_on_where_the_template_declares_it(template: dict[str, Any]) -> None:
    context = provisioned(template)
    with_ttl = {
        logical_id: resource["Properties"]["TimeToLiveSpecification"]["AttributeName"]
        for logical_id, resource in resources_of_type(template, "AWS::DynamoDB::Table").items()
        if "TimeToLiveSpecification" in resource["Properties"]
    }
    assert "IdempotencyTable" in with_ttl
    for logical_id, attribute in with_ttl.items():
        ttl = client("dynamodb").describe_time_to_live(TableName=context.physical[logical_id]["Ref"])
        assert ttl["TimeToLiveDescription"] == {"AttributeName": attribute, "TimeToLiveStatus": "ENABLED"}


def test_a_stream_is_enabled_exactly_where_the_template_declares_one(template: dict[str, Any]) -> None:
    # Given the template with a stream declared on the registrations table
    changed = copy.deepcopy(template)
    declared(changed, "RegistrationsTable")["StreamSpecification"] = {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    # When it is provisioned
    context = provisioned(changed)
    # Then that table streams with the declared view type and exposes StreamArn; the others do not stream
    for logical_id in resources_of_type(changed, "AWS::DynamoDB::Table"):
        table = client("dynamodb").describe_table(TableName=context.physical[logical_id]["Ref"])["Table"]
        stream = declared(changed, logical_id).get("StreamSpecification")
        if stream:
            assert table["StreamSpecification"] == {"StreamEnabled": True, **stream}
            assert context.physical[logical_id]["StreamArn"] == table["LatestStreamArn"]
        else:
            assert not table.get("StreamSpecification", {}).get("StreamEnabled"), logical_id
    assert "StreamArn" in context.physical["RegistrationsTable"]


def test_the_documents_bucket_is_versioned_with_cors_and_notifies_the_upload_queue(template: dict[str, Any]) -> None:
    context = provisioned(template)
    bucket_id = "DocumentsBucket"
    expected = declared(template, bucket_id)
    s3 = client("s3")
    bucket = context.physical[bucket_id]["Ref"]

    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == expected["VersioningConfiguration"]["Status"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == expected["PublicAccessBlockConfiguration"]

    (rule,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    (declared_rule,) = expected["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == declared_rule["AllowedMethods"]
    assert rule["AllowedOrigins"] == declared_rule["AllowedOrigins"]
    assert rule["AllowedHeaders"] == declared_rule["AllowedHeaders"]
    assert rule["MaxAgeSeconds"] == declared_rule["MaxAge"]

    (notification,) = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    (declared_notification,) = expected["NotificationConfiguration"]["QueueConfigurations"]
    queue_id = declared_notification["Queue"]["Fn::GetAtt"][0]
    assert notification["QueueArn"] == context.physical[queue_id]["Arn"]
    assert notification["Events"] == [declared_notification["Event"]]
    rules = notification["Filter"]["Key"]["FilterRules"]
    assert [(r["Name"].lower(), r["Value"]) for r in rules] == [
        (r["Name"], r["Value"]) for r in declared_notification["Filter"]["S3Key"]["Rules"]
    ]


def test_object_lock_is_enabled_where_the_template_enables_it_with_its_default_retention(
    template: dict[str, Any],
) -> None:
    context = provisioned(template)
    s3 = client("s3")
    for logical_id in resources_of_type(template, "AWS::S3::Bucket"):
        bucket = context.physical[logical_id]["Ref"]
        if declared(template, logical_id).get("ObjectLockEnabled") is True:
            configuration = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
            rule = declared(template, logical_id).get("ObjectLockConfiguration", {}).get("Rule")
            if rule is None:  # the documents: each accepted version is locked when confirmed, no default
                assert configuration == {"ObjectLockEnabled": "Enabled"}, logical_id
            else:  # the checkpoints: every version locked as it is written, for the parameter's days
                retention = configuration["Rule"]["DefaultRetention"]
                assert (retention["Mode"], retention["Days"]) == ("COMPLIANCE", 3650), logical_id
        else:
            with pytest.raises(s3.exceptions.ClientError, match="ObjectLockConfigurationNotFound"):
                s3.get_object_lock_configuration(Bucket=bucket)
    assert declared(template, "DocumentsBucket")["ObjectLockEnabled"] is True


def test_a_default_retention_rule_in_the_template_would_be_applied(template: dict[str, Any]) -> None:
    # Given a template whose reports bucket had Object Lock with a default rule
    changed = copy.deepcopy(template)
    rule = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    declared(changed, "ReportsBucket").update(
        ObjectLockEnabled=True, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": rule}
    )
    # When provisioned, then the bucket has that rule, as CloudFormation would create it
    bucket = provisioned(changed).physical["ReportsBucket"]["Ref"]
    applied = client("s3").get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["Rule"]
    assert {k: applied["DefaultRetention"][k] for k in ("Mode", "Days")} == rule["DefaultRetention"]


def test_the_reports_bucket_is_versioned_and_private(template: dict[str, Any]) -> None:
    context = provisioned(template)
    expected = declared(template, "ReportsBucket")
    s3 = client("s3")
    bucket = context.physical["ReportsBucket"]["Ref"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == expected["VersioningConfiguration"]["Status"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == expected["PublicAccessBlockConfiguration"]


def test_the_upload_queue_redrives_to_its_dead_letter_queue(template: dict[str, Any]) -> None:
    context = provisioned(template)
    expected = declared(template, "UploadEventsQueue")
    dlq_id = expected["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    sqs = client("sqs")

    attributes = sqs.get_queue_attributes(
        QueueUrl=context.physical["UploadEventsQueue"]["Ref"], AttributeNames=["All"]
    )["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == context.physical[dlq_id]["Arn"]
    assert int(redrive["maxReceiveCount"]) == expected["RedrivePolicy"]["maxReceiveCount"]
    assert int(attributes["VisibilityTimeout"]) == expected["VisibilityTimeout"]

    dlq = sqs.get_queue_attributes(QueueUrl=context.physical[dlq_id]["Ref"], AttributeNames=["MessageRetentionPeriod"])
    assert int(dlq["Attributes"]["MessageRetentionPeriod"]) == declared(template, dlq_id)["MessageRetentionPeriod"]


def test_the_user_pool_requires_totp_keeps_no_scope_attributes_and_has_a_locally_loginable_client(
    template: dict[str, Any],
) -> None:
    context = provisioned(template)
    cognito = client("cognito-idp")
    pool_id = only(template, "AWS::Cognito::UserPool")
    pool = cognito.describe_user_pool(UserPoolId=context.physical[pool_id]["Ref"])["UserPool"]

    # Scope lives in the directory table, never in attributes a token would carry
    assert not [a for a in pool["SchemaAttributes"] if a["Name"].startswith("custom:")]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["Name"] == f"anubandh-{template['Parameters']['Stage']['Default']}"

    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool["Id"])["Groups"]}
    template_groups = {
        g["Properties"]["GroupName"] for g in resources_of_type(template, "AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == template_groups
    assert len(groups) == 5

    client_id = only(template, "AWS::Cognito::UserPoolClient")
    app = cognito.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=context.physical[client_id]["Ref"])
    flows = set(app["UserPoolClient"]["ExplicitAuthFlows"])
    # the template's flows as they are: the admin password flow (operators' CLI, /_local/login) among them
    assert flows == set(declared(template, client_id)["ExplicitAuthFlows"])
    assert "ALLOW_ADMIN_USER_PASSWORD_AUTH" in flows


def test_the_pool_asks_a_new_user_to_enrol_a_totp_app_as_cognito_does(template: dict[str, Any]) -> None:
    # Given the pool provisioned from the template (EnabledMfas: SOFTWARE_TOKEN_MFA)
    context = provisioned(template)
    pool, app = context.physical["UserPool"]["Ref"], context.physical["UserPoolClient"]["Ref"]
    cognito = client("cognito-idp")
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool)["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    # When an invited official sets a password at the first sign-in
    cognito.admin_create_user(UserPoolId=pool, Username="nodal1", TemporaryPassword="Temp-Pass-1!")
    session = cognito.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=app,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "nodal1", "PASSWORD": "Temp-Pass-1!"},
    )["Session"]
    reply = cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool,
        ClientId=app,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=session,
        ChallengeResponses={"USERNAME": "nodal1", "NEW_PASSWORD": "Chosen-Pass-1!"},
    )
    # Then the next step is to enrol an authenticator app
    assert reply["ChallengeName"] == "MFA_SETUP"


def test_the_templates_outputs_resolve_locally_with_the_gateway_as_the_api(template: dict[str, Any]) -> None:
    context = provisioned(template)
    outputs = local_outputs(template, context, "http://127.0.0.1:3000")
    # Every output of the template, each resolved to what provisioning created
    assert set(outputs) == set(template["Outputs"])
    assert outputs["ApiUrl"] == "http://127.0.0.1:3000"
    assert outputs["UserPoolId"] == context.physical["UserPool"]["Ref"]
    assert outputs["DirectoryTableName"] == context.physical["DirectoryTable"]["Ref"]
    assert outputs["ProgrammeId"] == template["Parameters"]["ProgrammeId"]["Default"]
    client("dynamodb").describe_table(TableName=outputs["EventsTableName"])


def test_a_local_login_token_carries_the_issuer_the_context_records(template: dict[str, Any]) -> None:
    # Given a provisioned pool and a user with a permanent password
    context = provisioned(template)
    pool = context.physical["UserPool"]
    cognito = client("cognito-idp")
    cognito.admin_create_user(UserPoolId=pool["Ref"], Username="emp-1", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool["Ref"], Username="emp-1", Password="Pass-w0rd!", Permanent=True)
    # When the user logs in with the local-only admin password flow
    result = cognito.admin_initiate_auth(
        UserPoolId=pool["Ref"],
        ClientId=context.physical["UserPoolClient"]["Ref"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "emp-1", "PASSWORD": "Pass-w0rd!"},
    )["AuthenticationResult"]
    # Then the token's issuer is the ProviderURL the gateway will check it against
    import jwt  # noqa: PLC0415 - only this test decodes a token

    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    assert claims["iss"] == pool["ProviderURL"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Ref']}"
    assert pool["JwksUrl"].endswith(f"/{pool['Ref']}/.well-known/jwks.json")


def test_each_signing_key_is_an_asymmetric_sign_verify_key_of_its_own(template: dict[str, Any]) -> None:
    context = provisioned(template)
    keys = resources_of_type(template, "AWS::KMS::Key")
    assert set(keys) == {"DecisionSigningKey", "TransparencySigningKey"}
    for key_id in keys:
        metadata = client("kms").describe_key(KeyId=context.physical[key_id]["Ref"])["KeyMetadata"]
        assert metadata["KeyUsage"] == declared(template, key_id)["KeyUsage"] == "SIGN_VERIFY"
        assert metadata["KeySpec"] == declared(template, key_id)["KeySpec"]
        assert context.physical[key_id]["Arn"] == metadata["Arn"]
    assert len({context.physical[key_id]["Ref"] for key_id in keys}) == 2


def test_provisioning_twice_reuses_what_exists(template: dict[str, Any]) -> None:
    # Given a provisioned stack / When provisioning runs again against the same AWS
    first = provisioned(template)
    second = provisioned(template)
    # Then it names the same resources, and nothing was created twice
    assert second.physical == first.physical
    assert len(client("dynamodb").list_tables()["TableNames"]) == len(
        resources_of_type(template, "AWS::DynamoDB::Table")
    )
    assert len(client("sqs").list_queues()["QueueUrls"]) == len(resources_of_type(template, "AWS::SQS::Queue"))
    assert len(client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]) == 1
    assert len(client("kms").list_keys()["Keys"]) == len(resources_of_type(template, "AWS::KMS::Key"))


def test_an_index_added_to_the_template_appears_with_no_code_change(template: dict[str, Any]) -> None:
    # Given a copy of the template with one more GSI (and its key attribute) on the registrations table
    changed = copy.deepcopy(template)
    table = declared(changed, "RegistrationsTable")
    table["AttributeDefinitions"].append({"AttributeName": "employee_code", "AttributeType": "S"})
    table["GlobalSecondaryIndexes"].append(
        {
            "IndexName": "by_employee",
            "KeySchema": [{"AttributeName": "employee_code", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    )
    # When it is provisioned
    context = provisioned(changed)
    # Then the table has every declared index, the new one with its declared key and projection
    described = client("dynamodb").describe_table(TableName=context.physical["RegistrationsTable"]["Ref"])["Table"]
    indexes = {i["IndexName"]: i for i in described["GlobalSecondaryIndexes"]}
    assert set(indexes) == {i["IndexName"] for i in table["GlobalSecondaryIndexes"]}
    assert indexes["by_employee"]["KeySchema"] == [{"AttributeName": "employee_code", "KeyType": "HASH"}]
    assert indexes["by_employee"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_parameters_given_to_provision_shape_the_names(template: dict[str, Any]) -> None:
    context = provisioned(template, Stage="qa")
    assert context.parameters["Stage"] == "qa"
    pool = client("cognito-idp").describe_user_pool(UserPoolId=context.physical["UserPool"]["Ref"])["UserPool"]
    assert pool["Name"] == "anubandh-qa"


def test_a_type_the_local_stack_does_not_create_is_logged_and_iam_is_not(
    template: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    changed = copy.deepcopy(template)
    changed["Resources"]["Workflow"] = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {}}
    with caplog.at_level(logging.WARNING, logger="infra.local.provision"):
        context = provisioned(changed)
    warned = [r.getMessage() for r in caplog.records]
    assert warned == ["Workflow (AWS::StepFunctions::StateMachine) is not provisioned by the local stack"]
    assert "Workflow" not in context.physical


def test_a_circular_redrive_is_a_template_error() -> None:
    def queue(dead_letter: str) -> dict[str, Any]:
        redrive = {"deadLetterTargetArn": {"Fn::GetAtt": [dead_letter, "Arn"]}, "maxReceiveCount": 1}
        return {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": redrive}}

    with pytest.raises(TemplateError, match=r"\['A', 'B'\]"):
        provisioned({"Resources": {"A": queue("B"), "B": queue("A")}})
