"""Provisioning moto from infra/template.yaml: the template is the single source of every shape."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.provision import provision
from infra.local.template import LocalContext, load_template, resources_of_type

REGION = "ap-south-1"


@pytest.fixture
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def provisioned(template: dict[str, Any]) -> LocalContext:
    return provision(template, endpoint_url=None, region=REGION, stack_name="prov")


@pytest.mark.usefixtures("aws")
def test_every_table_has_the_templates_keys_ttl_and_streams(template: dict[str, Any]) -> None:
    context = provisioned(template)
    ddb = boto3.client("dynamodb", region_name=REGION)
    for logical_id, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        declared = resource["Properties"]
        table = ddb.describe_table(TableName=context.physical[logical_id]["Ref"])["Table"]
        assert table["KeySchema"] == declared["KeySchema"], logical_id
        ttl = ddb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in declared:
            assert ttl["AttributeName"] == declared["TimeToLiveSpecification"]["AttributeName"]
            assert ttl["TimeToLiveStatus"] == "ENABLED"
        if "StreamSpecification" in declared:
            assert table["StreamSpecification"]["StreamViewType"] == declared["StreamSpecification"]["StreamViewType"]


@pytest.mark.usefixtures("aws")
def test_bucket_queue_pool_and_key_are_as_declared(template: dict[str, Any]) -> None:
    context = provisioned(template)
    s3 = boto3.client("s3", region_name=REGION)
    bucket = context.physical["DocumentsBucket"]["Ref"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedMethods"] == ["POST", "GET"]
    notification = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"][0]
    assert notification["QueueArn"] == context.physical["UploadEventsQueue"]["Arn"]

    sqs = boto3.client("sqs", region_name=REGION)
    attributes = sqs.get_queue_attributes(
        QueueUrl=context.physical["UploadEventsQueue"]["Ref"], AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == context.physical["UploadEventsDLQ"]["Arn"]

    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool = cognito.describe_user_pool(UserPoolId=context.physical["UserPool"]["Ref"])["UserPool"]
    custom = {a["Name"] for a in pool["SchemaAttributes"] if a["Name"].startswith("custom:")}
    assert custom == {"custom:employee_code", "custom:ddo_code", "custom:department", "custom:unit"}
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool["Id"])["Groups"]}
    assert groups == {"employee", "ddo", "hod", "officer", "admin"}

    key = boto3.client("kms", region_name=REGION).describe_key(KeyId=context.physical["DecisionSigningKey"]["Ref"])
    assert key["KeyMetadata"]["KeyUsage"] == "SIGN_VERIFY"
    assert key["KeyMetadata"]["KeySpec"] == "ECC_NIST_P256"


@pytest.mark.usefixtures("aws")
def test_provisioning_twice_reuses_what_exists(template: dict[str, Any]) -> None:
    first = provisioned(template)
    second = provisioned(template)
    assert first.physical == second.physical


@pytest.mark.usefixtures("aws")
def test_an_index_or_stream_added_to_the_template_appears_with_no_other_change(template: dict[str, Any]) -> None:
    changed = copy.deepcopy(template)
    table = changed["Resources"]["RegistrationsTable"]["Properties"]
    table["AttributeDefinitions"].append({"AttributeName": "employee_code", "AttributeType": "S"})
    table.setdefault("GlobalSecondaryIndexes", []).append(
        {
            "IndexName": "by_employee",
            "KeySchema": [{"AttributeName": "employee_code", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    )
    table["StreamSpecification"] = {"StreamViewType": "NEW_IMAGE"}
    context = provisioned(changed)
    described = boto3.client("dynamodb", region_name=REGION).describe_table(
        TableName=context.physical["RegistrationsTable"]["Ref"]
    )["Table"]
    declared = {i["IndexName"] for i in table["GlobalSecondaryIndexes"]}
    assert {i["IndexName"] for i in described["GlobalSecondaryIndexes"]} == declared
    assert "by_employee" in declared
    assert described["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
