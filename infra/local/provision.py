"""Creates in a moto server (or moto's mock_aws) what infra/template.yaml declares.

Every shape comes from the template: a table or index added there appears here with no other
change. Idempotent: what already exists is reused.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.local.template import LocalContext, local_name, resolve, resources_of_type

# Local only: the app client also allows admin password auth so /_local/login can mint real tokens.
LOCAL_AUTH_FLOW = "ALLOW_ADMIN_USER_PASSWORD_AUTH"


def provision(
    template: dict[str, Any],
    *,
    endpoint_url: str | None,
    region: str,
    stack_name: str,
    parameters: dict[str, str] | None = None,
) -> LocalContext:
    ctx = LocalContext(stack_name=stack_name, region=region, parameters=dict(parameters or {}))

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint_url, region_name=region)

    for logical_id, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        _table(client("dynamodb"), ctx, template, logical_id, resource["Properties"])
    _queues(client("sqs"), ctx, template)
    for logical_id, resource in resources_of_type(template, "AWS::S3::Bucket").items():
        _bucket(client("s3"), ctx, template, logical_id, resource.get("Properties", {}), region)
    cognito = client("cognito-idp")
    for logical_id, resource in resources_of_type(template, "AWS::Cognito::UserPool").items():
        _user_pool(cognito, ctx, template, logical_id, resource.get("Properties", {}), region, endpoint_url)
    for logical_id, resource in resources_of_type(template, "AWS::Cognito::UserPoolClient").items():
        _user_pool_client(cognito, ctx, template, logical_id, resource["Properties"])
    for logical_id, resource in resources_of_type(template, "AWS::Cognito::UserPoolGroup").items():
        _group(cognito, ctx, template, logical_id, resource["Properties"])
    for logical_id, resource in resources_of_type(template, "AWS::KMS::Key").items():
        _kms_key(client("kms"), ctx, logical_id, resource.get("Properties", {}))
    return ctx


def _table(ddb: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    name = resolve(props.get("TableName"), ctx, template) or local_name(ctx.stack_name, logical_id)
    try:
        described = ddb.describe_table(TableName=name)["Table"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                request[key] = props[key]
        if "StreamSpecification" in props:
            request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        described = ddb.create_table(**request)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )
    ctx.physical[logical_id] = {"Ref": name, "Arn": described["TableArn"]}
    if described.get("LatestStreamArn"):
        ctx.physical[logical_id]["StreamArn"] = described["LatestStreamArn"]


def _queues(sqs: Any, ctx: LocalContext, template: dict[str, Any]) -> None:
    pending = dict(resources_of_type(template, "AWS::SQS::Queue"))
    while pending:
        ready = [
            (logical_id, resource)
            for logical_id, resource in pending.items()
            if _dlq_of(resource) is None or _dlq_of(resource) in ctx.physical
        ]
        if not ready:
            raise RuntimeError(f"queues with unresolvable dead-letter targets: {sorted(pending)}")
        for logical_id, resource in ready:
            _queue(sqs, ctx, template, logical_id, resource.get("Properties", {}))
            del pending[logical_id]


def _dlq_of(resource: dict[str, Any]) -> str | None:
    target = resource.get("Properties", {}).get("RedrivePolicy", {}).get("deadLetterTargetArn")
    return str(target["Fn::GetAtt"][0]) if isinstance(target, dict) and "Fn::GetAtt" in target else None


def _queue(sqs: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    name = resolve(props.get("QueueName"), ctx, template) or local_name(ctx.stack_name, logical_id)
    attributes = {
        key: str(props[key])
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "FifoQueue",
            "ContentBasedDeduplication",
        )
        if key in props
    }
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(resolve(props["RedrivePolicy"], ctx, template))
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ctx.physical[logical_id] = {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}


def _bucket(
    s3: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any], region: str
) -> None:
    name = resolve(props.get("BucketName"), ctx, template) or local_name(ctx.stack_name, logical_id)
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **extra)
    ctx.physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
        )
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
    if "BucketEncryption" in props:
        # CloudFormation says ServerSideEncryptionByDefault where the S3 API says ApplyServerSideEncryptionByDefault.
        rules = [
            {
                ("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault" else k): v
                for k, v in r.items()
            }
            for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    cors = props.get("CorsConfiguration", {}).get("CorsRules")
    if cors:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [_cors_rule(r) for r in cors]})
    queues = props.get("NotificationConfiguration", {}).get("QueueConfigurations")
    if queues:
        s3.put_bucket_notification_configuration(
            Bucket=name,
            NotificationConfiguration={"QueueConfigurations": [_queue_notification(q, ctx, template) for q in queues]},
        )


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    converted = {
        k: rule[k] for k in ("AllowedMethods", "AllowedOrigins", "AllowedHeaders", "ExposedHeaders") if k in rule
    }
    if "MaxAge" in rule:
        converted["MaxAgeSeconds"] = int(rule["MaxAge"])
    return converted


def _queue_notification(config: dict[str, Any], ctx: LocalContext, template: dict[str, Any]) -> dict[str, Any]:
    notification: dict[str, Any] = {"QueueArn": resolve(config["Queue"], ctx, template), "Events": [config["Event"]]}
    rules = config.get("Filter", {}).get("S3Key", {}).get("Rules")
    if rules:
        notification["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
    return notification


def _user_pool(
    cognito: Any,
    ctx: LocalContext,
    template: dict[str, Any],
    logical_id: str,
    props: dict[str, Any],
    region: str,
    endpoint_url: str | None,
) -> None:
    name = resolve(props.get("UserPoolName"), ctx, template) or local_name(ctx.stack_name, logical_id)
    existing = [p for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name]
    if existing:
        pool_id = existing[0]["Id"]
    else:
        request: dict[str, Any] = {"PoolName": name}
        if props.get("Schema"):
            request["Schema"] = props["Schema"]
        if props.get("Policies"):
            request["Policies"] = props["Policies"]
        pool_id = cognito.create_user_pool(**request)["UserPool"]["Id"]
    base = endpoint_url or f"https://cognito-idp.{region}.amazonaws.com"
    ctx.physical[logical_id] = {
        "Ref": pool_id,
        "Arn": f"arn:aws:cognito-idp:{region}:{ctx.account_id}:userpool/{pool_id}",
        "ProviderName": f"cognito-idp.{region}.amazonaws.com/{pool_id}",
        "ProviderURL": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        "JwksUrl": f"{base}/{pool_id}/.well-known/jwks.json",
    }


def _user_pool_client(
    cognito: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]
) -> None:
    pool_id = resolve(props["UserPoolId"], ctx, template)
    name = resolve(props.get("ClientName"), ctx, template) or local_name(ctx.stack_name, logical_id)
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    existing = [c for c in clients if c["ClientName"] == name]
    if existing:
        client_id = existing[0]["ClientId"]
    else:
        flows = sorted({*props.get("ExplicitAuthFlows", []), LOCAL_AUTH_FLOW})
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName=name, GenerateSecret=False, ExplicitAuthFlows=flows
        )["UserPoolClient"]["ClientId"]
    ctx.physical[logical_id] = {"Ref": client_id}


def _group(cognito: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    pool_id = resolve(props["UserPoolId"], ctx, template)
    name = resolve(props.get("GroupName"), ctx, template) or logical_id
    try:
        cognito.get_group(GroupName=name, UserPoolId=pool_id)
    except ClientError:
        cognito.create_group(GroupName=name, UserPoolId=pool_id)
    ctx.physical[logical_id] = {"Ref": name}


def _kms_key(kms: Any, ctx: LocalContext, logical_id: str, props: dict[str, Any]) -> None:
    alias = f"alias/{local_name(ctx.stack_name, logical_id)}"
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    key_id = aliases.get(alias)
    if key_id is None:
        key_id = kms.create_key(
            Description=str(props.get("Description", logical_id)),
            KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
            KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
        )["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    ctx.physical[logical_id] = {"Ref": key_id, "Arn": arn, "Alias": alias}
