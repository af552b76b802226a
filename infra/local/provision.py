"""Creates in a moto server (or moto's mock_aws) what infra/template.yaml declares.

Every shape comes from the template: a table, index, queue or group added there appears here with
no other change. Idempotent: what already exists (found by its deterministic local name) is reused
as it is, so running twice against one moto server is harmless.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.local.template import (
    LocalContext,
    TemplateError,
    local_name,
    parameter_values,
    partition_of,
    resolve,
    resources_of_type,
)

logger = logging.getLogger(__name__)


# Types the local stack realises another way or that have no local behaviour: functions run
# in-process (gateway, poller, job runner), and neither moto nor in-process handlers enforce IAM
# or resource policies. Any other unprovisioned type is worth a warning: code may expect it.
_REALISED_ELSEWHERE = frozenset(
    {
        "AWS::Serverless::Function",
        "AWS::Serverless::LayerVersion",
        "AWS::Serverless::HttpApi",
        "AWS::Lambda::Permission",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::S3::BucketPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::Logs::LogGroup",
        "AWS::Scheduler::Schedule",
        "AWS::Scheduler::ScheduleGroup",
        # Operations only: CloudWatch and the alarm topic have nothing to do locally.
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::Dashboard",
        "AWS::SNS::Topic",
    }
)

Clients = Callable[[str], Any]


def provision(
    template: dict[str, Any],
    *,
    endpoint_url: str | None,
    region: str,
    stack_name: str,
    parameters: dict[str, str] | None = None,
) -> LocalContext:
    """Creates (or finds) every key, table, queue, bucket and Cognito resource of `template`.

    `endpoint_url=None` uses boto3's default endpoints, which moto's `mock_aws` intercepts.
    Returns the context whose `physical` maps each provisioned logical id to its Ref and attributes.
    """

    def client(service: str) -> Any:
        return _client(service, endpoint_url, region)

    ctx = LocalContext(
        stack_name=stack_name,
        region=region,
        # moto derives the account from the credentials; ARNs built by Fn::Sub must agree with it.
        account_id=client("sts").get_caller_identity()["Account"],
        parameters=parameter_values(template, parameters),
    )
    # Dependency order: keys may encrypt tables, queues and buckets; dead-letter queues come
    # before the queues that redrive to them; buckets notify queues; clients and groups need a pool.
    for logical_id, props in _of_type(template, "AWS::KMS::Key"):
        _kms_key(client("kms"), ctx, template, logical_id, props)
    for logical_id, props in _of_type(template, "AWS::SecretsManager::Secret"):
        _secret(client("secretsmanager"), ctx, template, logical_id, props)
    # Functions run in-process; they get the names and ARNs the pool's triggers (and the local
    # Lambda invoke endpoint) know them by.
    for logical_id in resources_of_type(template, "AWS::Serverless::Function"):
        _function_name(ctx, logical_id)
    for logical_id, props in _of_type(template, "AWS::DynamoDB::Table"):
        _table(client("dynamodb"), ctx, template, logical_id, props)
    for logical_id, props in _queues_in_dependency_order(template):
        _queue(client("sqs"), ctx, template, logical_id, props)
    for logical_id, props in _of_type(template, "AWS::S3::Bucket"):
        _bucket(client("s3"), ctx, template, logical_id, props)
    for logical_id, props in _of_type(template, "AWS::Cognito::UserPool"):
        _user_pool(client("cognito-idp"), ctx, template, logical_id, props, endpoint_url)
    for logical_id, props in _of_type(template, "AWS::Cognito::UserPoolClient"):
        _user_pool_client(client("cognito-idp"), ctx, template, logical_id, props)
    for logical_id, props in _of_type(template, "AWS::Cognito::UserPoolGroup"):
        _group(client("cognito-idp"), ctx, template, logical_id, props)
    for logical_id, props in _of_type(template, "AWS::SES::EmailIdentity"):
        _email_identity(client("ses"), ctx, template, logical_id, props)
    for logical_id, props in _of_type(template, "AWS::SES::Template"):
        _email_template(client("ses"), ctx, template, logical_id, props)
    _warn_about_the_rest(template, ctx)
    return ctx


@functools.lru_cache(maxsize=64)
def _client(service: str, endpoint_url: str | None, region: str) -> Any:
    """One client per service and endpoint for the process: building one costs ~40 ms, and the
    tests provision a fresh moto for every test (moto intercepts clients whenever they were made)."""
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region)


def _of_type(template: dict[str, Any], type_name: str) -> list[tuple[str, dict[str, Any]]]:
    return [(k, v.get("Properties") or {}) for k, v in resources_of_type(template, type_name).items()]


def _warn_about_the_rest(template: dict[str, Any], ctx: LocalContext) -> None:
    for logical_id, resource in template["Resources"].items():
        kind = resource.get("Type", "")
        if logical_id not in ctx.physical and kind not in _REALISED_ELSEWHERE:
            logger.warning("%s (%s) is not provisioned by the local stack", logical_id, kind)


def _given(props: dict[str, Any], keys: tuple[str, ...], ctx: LocalContext, template: dict[str, Any]) -> dict[str, Any]:
    """The properties among `keys` that the template sets, resolved: those whose shape the API shares.

    Only these are resolved, so a property naming something the local stack does not create
    (a Lambda trigger, an IAM role) cannot stop the rest from being provisioned.
    """
    return {key: resolve(props[key], ctx, template) for key in keys if key in props}


def _name(props: dict[str, Any], key: str, ctx: LocalContext, template: dict[str, Any], logical_id: str) -> str:
    """The template's explicit physical name if it sets one, else a deterministic local one."""
    explicit = resolve(props.get(key), ctx, template)
    return str(explicit) if explicit else local_name(ctx.stack_name, logical_id)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _as_attribute(value: Any) -> str:
    """SQS attributes are strings; booleans are spelled "true"/"false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


# ---------------------------------------------------------------------------- KMS


def _kms_key(kms: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    # The alias is how a second run finds the key: KMS has no name to look a key up by.
    alias = f"alias/{local_name(ctx.stack_name, logical_id)}"
    try:
        metadata = kms.describe_key(KeyId=alias)["KeyMetadata"]
    except kms.exceptions.NotFoundException:
        given = _given(props, ("Description", "KeyUsage", "KeySpec", "KeyPolicy"), ctx, template)
        request: dict[str, Any] = {k: given[k] for k in ("Description", "KeyUsage", "KeySpec") if k in given}
        if "KeyPolicy" in given:
            request["Policy"] = json.dumps(given["KeyPolicy"])
        metadata = kms.create_key(**request)["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"])
    ctx.physical[logical_id] = {"Ref": metadata["KeyId"], "Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}


# ---------------------------------------------------------------------------- Secrets Manager


def _secret(secrets: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    """A secret with the value CloudFormation would generate (GenerateSecretString), made once."""
    name = _name(props, "Name", ctx, template, logical_id)
    try:
        arn = secrets.describe_secret(SecretId=name)["ARN"]
    except secrets.exceptions.ResourceNotFoundException:
        generate = resolve(props.get("GenerateSecretString") or {}, ctx, template)
        value = (
            resolve(props.get("SecretString"), ctx, template)
            or secrets.get_random_password(
                PasswordLength=int(generate.get("PasswordLength", 32)),
                ExcludePunctuation=bool(generate.get("ExcludePunctuation", False)),
            )["RandomPassword"]
        )
        arn = secrets.create_secret(Name=name, SecretString=str(value))["ARN"]
    ctx.physical[logical_id] = {"Ref": arn, "Id": arn}


# ---------------------------------------------------------------------------- Lambda


def _function_name(ctx: LocalContext, logical_id: str) -> None:
    name = local_name(ctx.stack_name, logical_id)
    arn = f"arn:{partition_of(ctx.region)}:lambda:{ctx.region}:{ctx.account_id}:function:{name}"
    ctx.physical[logical_id] = {"Ref": name, "Arn": arn}


# ---------------------------------------------------------------------------- DynamoDB

# CloudFormation's index shapes carry extras (ContributorInsightsSpecification) the API rejects.
_INDEX_KEYS = {
    "GlobalSecondaryIndexes": ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput"),
    "LocalSecondaryIndexes": ("IndexName", "KeySchema", "Projection"),
}


def _table(ddb: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    name = _name(props, "TableName", ctx, template, logical_id)
    try:
        described = ddb.describe_table(TableName=name)["Table"]
    except ddb.exceptions.ResourceNotFoundException:
        described = ddb.create_table(**_create_table_request(name, props, ctx, template))["TableDescription"]
        ttl = resolve(props.get("TimeToLiveSpecification"), ctx, template)
        if ttl and ttl.get("Enabled") is True:
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )
    ctx.physical[logical_id] = {"Ref": name, "Arn": described["TableArn"]}
    if described.get("LatestStreamArn"):
        ctx.physical[logical_id]["StreamArn"] = described["LatestStreamArn"]


def _create_table_request(
    name: str, props: dict[str, Any], ctx: LocalContext, template: dict[str, Any]
) -> dict[str, Any]:
    # Deletion protection, PITR and SSE are left out on purpose: the local stack is disposable
    # and they change nothing a handler can observe. tests/infra checks them in the template.
    given = _given(
        props,
        ("KeySchema", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput", *_INDEX_KEYS),
        ctx,
        template,
    )
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": given["KeySchema"],
        "AttributeDefinitions": given["AttributeDefinitions"],
    }
    if "ProvisionedThroughput" in given:
        request["ProvisionedThroughput"] = given["ProvisionedThroughput"]
    # CloudFormation's own default is PROVISIONED, which needs a throughput; on demand otherwise.
    request["BillingMode"] = given.get(
        "BillingMode", "PROVISIONED" if "ProvisionedThroughput" in given else "PAY_PER_REQUEST"
    )
    for kind, keys in _INDEX_KEYS.items():
        if given.get(kind):
            request[kind] = [{k: index[k] for k in keys if k in index} for index in given[kind]]
    stream = resolve(props.get("StreamSpecification"), ctx, template)
    if stream:
        # CloudFormation enables the stream by declaring its view type; the API wants both.
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return request


# ---------------------------------------------------------------------------- SQS

_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "RedrivePolicy",
    "RedriveAllowPolicy",
)


def _dead_letter_target(props: dict[str, Any]) -> str | None:
    """The logical id of the queue this one redrives to, when the template names it by GetAtt."""
    target = (props.get("RedrivePolicy") or {}).get("deadLetterTargetArn")
    if isinstance(target, dict) and isinstance(target.get("Fn::GetAtt"), list):
        return str(target["Fn::GetAtt"][0])
    return None


def _queues_in_dependency_order(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    pending = dict(_of_type(template, "AWS::SQS::Queue"))
    ordered: list[tuple[str, dict[str, Any]]] = []
    while pending:
        done = {logical_id for logical_id, _ in ordered}
        ready = [(k, p) for k, p in pending.items() if _dead_letter_target(p) in (None, *done)]
        if not ready:
            raise TemplateError(f"queues whose dead-letter queue is missing or circular: {sorted(pending)}")
        for logical_id, props in ready:
            ordered.append((logical_id, props))
            del pending[logical_id]
    return ordered


def _queue(sqs: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    given = _given(props, ("QueueName", *_QUEUE_ATTRIBUTES), ctx, template)
    name = str(given.pop("QueueName", "")) or local_name(ctx.stack_name, logical_id)
    if given.get("FifoQueue") is True and not name.endswith(".fifo"):
        name += ".fifo"  # SQS requires it of a FIFO queue; CloudFormation appends it too
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        attributes = {key: _as_attribute(value) for key, value in given.items()}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # QueueUrl duplicates Ref for readers that want to say which one they mean.
    ctx.physical[logical_id] = {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}


# ---------------------------------------------------------------------------- S3


def _bucket(s3: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    name = _name(props, "BucketName", ctx, template, logical_id)
    partition = partition_of(ctx.region)
    ctx.physical[logical_id] = {
        "Ref": name,
        "Arn": f"arn:{partition}:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
    }
    if _bucket_exists(s3, name):
        return  # reused as it is, like an existing table
    location = {} if ctx.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    # Object Lock is chosen at creation (as CloudFormation does it), and it turns versioning on.
    object_lock = resolve(props.get("ObjectLockEnabled"), ctx, template) in (True, "true", "True")
    s3.create_bucket(Bucket=name, **location, **({"ObjectLockEnabledForBucket": True} if object_lock else {}))
    given = _given(
        props,
        (
            "ObjectLockConfiguration",
            "VersioningConfiguration",
            "PublicAccessBlockConfiguration",
            "OwnershipControls",
            "BucketEncryption",
            "CorsConfiguration",
            "NotificationConfiguration",
        ),
        ctx,
        template,
    )
    if "VersioningConfiguration" in given:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": given["VersioningConfiguration"]["Status"]}
        )
    if "PublicAccessBlockConfiguration" in given:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=given["PublicAccessBlockConfiguration"])
    if "OwnershipControls" in given:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=given["OwnershipControls"])
    if "BucketEncryption" in given:
        _bucket_encryption(s3, name, given["BucketEncryption"])
    cors_rules = (given.get("CorsConfiguration") or {}).get("CorsRules")
    if cors_rules:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [_cors_rule(r) for r in cors_rules]})
    if "NotificationConfiguration" in given:
        _bucket_notifications(s3, name, logical_id, given["NotificationConfiguration"])
    if (given.get("ObjectLockConfiguration") or {}).get("Rule"):
        # A default retention rule; CloudFormation's shape is the API's, but a parameter resolves to text.
        configuration = given["ObjectLockConfiguration"]
        retention = dict(configuration["Rule"]["DefaultRetention"])
        for unit in ("Days", "Years"):
            if unit in retention:
                retention[unit] = int(retention[unit])
        s3.put_object_lock_configuration(
            Bucket=name, ObjectLockConfiguration={**configuration, "Rule": {"DefaultRetention": retention}}
        )


def _bucket_exists(s3: Any, name: str) -> bool:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as error:
        if _error_code(error) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


def _bucket_encryption(s3: Any, name: str, encryption: dict[str, Any]) -> None:
    # CloudFormation says ServerSideEncryptionByDefault where the S3 API says Apply...; best
    # effort, because moto's support of SSE-KMS is partial and nothing local depends on it.
    rules = [
        {("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault" else k): v for k, v in r.items()}
        for r in encryption.get("ServerSideEncryptionConfiguration", [])
    ]
    try:
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    except ClientError as error:
        logger.warning("bucket %s: encryption not applied locally: %s", name, error)


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation CorsRule in the S3 API's spelling (Id -> ID, MaxAge -> MaxAgeSeconds)."""
    converted: dict[str, Any] = {
        k: rule[k] for k in ("AllowedMethods", "AllowedOrigins", "AllowedHeaders", "ExposedHeaders") if k in rule
    }
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    if "MaxAge" in rule:
        converted["MaxAgeSeconds"] = int(rule["MaxAge"])
    return converted


def _bucket_notifications(s3: Any, name: str, logical_id: str, configuration: dict[str, Any]) -> None:
    for unsupported in ("LambdaConfigurations", "TopicConfigurations", "EventBridgeConfiguration"):
        if configuration.get(unsupported):
            logger.warning("%s: %s are not provisioned by the local stack", logical_id, unsupported)
    queues = configuration.get("QueueConfigurations") or []
    if queues:
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"QueueConfigurations": [_queue_notification(q) for q in queues]}
        )


def _queue_notification(config: dict[str, Any]) -> dict[str, Any]:
    """A resolved CloudFormation QueueConfiguration in the S3 API's shape."""
    notification: dict[str, Any] = {"QueueArn": config["Queue"], "Events": [config["Event"]]}
    if "Id" in config:
        notification["Id"] = config["Id"]
    rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules")
    if rules:
        notification["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
    return notification


# ---------------------------------------------------------------------------- Cognito

# Properties whose CloudFormation shape is the API's; the rest (SmsConfiguration, EmailConfiguration)
# name services the local stack does not create. The LambdaConfig triggers name functions the
# local stack runs in-process (infra/local/moto_fidelity.py calls them as Cognito would).
_POOL_PROPERTIES = (
    "LambdaConfig",
    "Schema",
    "Policies",
    "MfaConfiguration",
    "AdminCreateUserConfig",
    "AccountRecoverySetting",
    "UsernameAttributes",
    "AliasAttributes",
    "AutoVerifiedAttributes",
    "UsernameConfiguration",
)
_CLIENT_PROPERTIES = (
    "GenerateSecret",
    "ExplicitAuthFlows",
    "ReadAttributes",
    "WriteAttributes",
    "PreventUserExistenceErrors",
    "IdTokenValidity",
    "AccessTokenValidity",
    "RefreshTokenValidity",
    "TokenValidityUnits",
    "EnableTokenRevocation",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
)


def _paged(call: Callable[..., dict[str, Any]], items: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a Cognito list call that pages with NextToken."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        found.extend(page.get(items, []))
        token = page.get("NextToken")
        if not token:
            return found


def _schema_attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    # The API wants the length and value constraints as strings; YAML reads 1 and 256 as numbers.
    converted = dict(attribute)
    for constraints in ("StringAttributeConstraints", "NumberAttributeConstraints"):
        if constraints in converted:
            converted[constraints] = {k: str(v) for k, v in converted[constraints].items()}
    return converted


def _user_pool(
    cognito: Any,
    ctx: LocalContext,
    template: dict[str, Any],
    logical_id: str,
    props: dict[str, Any],
    endpoint_url: str | None,
) -> None:
    name = _name(props, "UserPoolName", ctx, template, logical_id)
    existing = [p["Id"] for p in _paged(cognito.list_user_pools, "UserPools", MaxResults=60) if p["Name"] == name]
    if existing:
        pool_id = existing[0]
    else:
        request = _given(props, _POOL_PROPERTIES, ctx, template)
        if "Schema" in request:
            request["Schema"] = [_schema_attribute(a) for a in request["Schema"]]
        pool_id = cognito.create_user_pool(PoolName=name, **request)["UserPool"]["Id"]
    if "SOFTWARE_TOKEN_MFA" in (resolve(props.get("EnabledMfas"), ctx, template) or []):
        # CloudFormation's EnabledMfas is the API's SetUserPoolMfaConfig: with it, moto asks a user who
        # has just set a password to enrol a TOTP app (MFA_SETUP), as Cognito does.
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=str(resolve(props.get("MfaConfiguration"), ctx, template) or "OPTIONAL"),
        )
    provider = f"cognito-idp.{ctx.region}.amazonaws.com/{pool_id}"
    keys_endpoint = endpoint_url or f"https://cognito-idp.{ctx.region}.amazonaws.com"
    ctx.physical[logical_id] = {
        "Ref": pool_id,
        "Arn": f"arn:{partition_of(ctx.region)}:cognito-idp:{ctx.region}:{ctx.account_id}:userpool/{pool_id}",
        "ProviderName": provider,
        # moto signs its tokens with this https issuer, whatever endpoint serves them.
        "ProviderURL": f"https://{provider}",
        # ...and serves the keys that verify them at its own endpoint.
        "JwksUrl": f"{keys_endpoint}/{pool_id}/.well-known/jwks.json",
    }


def _user_pool_client(
    cognito: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]
) -> None:
    pool_id = str(resolve(props["UserPoolId"], ctx, template))
    name = _name(props, "ClientName", ctx, template, logical_id)
    clients = _paged(cognito.list_user_pool_clients, "UserPoolClients", UserPoolId=pool_id, MaxResults=60)
    existing = [c["ClientId"] for c in clients if c["ClientName"] == name]
    if existing:
        client_id = existing[0]
    else:
        request = _given(props, _CLIENT_PROPERTIES, ctx, template)
        client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=name, **request)["UserPoolClient"][
            "ClientId"
        ]
    ctx.physical[logical_id] = {"Ref": client_id}


def _group(cognito: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]) -> None:
    pool_id = str(resolve(props["UserPoolId"], ctx, template))
    # CloudFormation would generate a name; the logical id is the readable local equivalent.
    name = str(resolve(props.get("GroupName"), ctx, template) or logical_id)
    try:
        cognito.get_group(GroupName=name, UserPoolId=pool_id)
    except cognito.exceptions.ResourceNotFoundException:
        extra = _given(props, ("Description", "Precedence"), ctx, template)
        cognito.create_group(GroupName=name, UserPoolId=pool_id, **extra)
    ctx.physical[logical_id] = {"Ref": name}


# ---------------------------------------------------------------------------- SES


def _email_identity(
    ses: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]
) -> None:
    """A domain (or an address) notices are sent from; moto refuses to send from an unverified one."""
    identity = str(resolve(props["EmailIdentity"], ctx, template))
    if "@" in identity:
        ses.verify_email_identity(EmailAddress=identity)
    else:
        ses.verify_domain_identity(Domain=identity)
    ctx.physical[logical_id] = {"Ref": identity}


def _email_template(
    ses: Any, ctx: LocalContext, template: dict[str, Any], logical_id: str, props: dict[str, Any]
) -> None:
    parts = resolve(props.get("Template", {}), ctx, template)
    name = str(parts.get("TemplateName") or local_name(ctx.stack_name, logical_id))
    request = {"TemplateName": name, **{k: parts[k] for k in ("SubjectPart", "TextPart", "HtmlPart") if k in parts}}
    try:
        ses.create_template(Template=request)
    except ses.exceptions.AlreadyExistsException:
        ses.update_template(Template=request)
    ctx.physical[logical_id] = {"Ref": name}
