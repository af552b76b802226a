"""The SAM template: transformed by the SAM translator, linted by cfn-lint, and checked for what
docs/architecture.md requires of its resources and policies.

cfn-lint >= 1.54 no longer runs the SAM transform, so a `!Ref` to a missing resource would pass
unseen; transforming first and linting the CloudFormation output catches it. The assertions are
made on that output, which is what CloudFormation deploys.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file
from samtranslator.translator.transform import transform

from infra.deployment import OUTPUTS_READ
from infra.local.template import TEMPLATE_PATH, http_routes, load_template

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-south-1"
DATA_ACTION_PREFIXES = ("dynamodb:", "s3:", "sqs:", "kms:")
SES_ARN = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
PUBLIC_ACCESS_BLOCKS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def _with_s3_code_uris(template: dict[str, Any]) -> dict[str, Any]:
    """The translator wants code in S3 (as after `sam package`); dummy S3 URIs stand for the local paths."""
    packaged = copy.deepcopy(template)
    packaged.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://bucket/functions.zip"
    for resource in packaged["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource["Properties"]:
            resource["Properties"]["CodeUri"] = "s3://bucket/functions.zip"
    return packaged


@pytest.fixture(scope="module")
def cloudformation() -> Iterator[dict[str, Any]]:
    # The translator reads the region from the environment; module scope outlives the
    # function-scoped autouse monkeypatch, so it gets its own.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        yield transform(_with_s3_code_uris(load_template()), {}, None)


def lint(template: dict[str, Any], directory: Path) -> tuple[list[str], list[str]]:
    """cfn-lint on `template` written as JSON: (errors, other findings)."""
    path = directory / "template.json"
    path.write_text(json.dumps(template, indent=1))
    matches = lint_file(path, config=ManualArgs(regions=[REGION]))
    found = [(m.rule.id, f"{m.rule.id} {m.message} (line {m.linenumber})") for m in matches]
    return [text for rule, text in found if rule.startswith("E")], [
        text for rule, text in found if not rule.startswith("E")
    ]


def resources(cfn: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == type_name}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(cfn: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = cfn["Resources"][role]["Properties"].get("Policies", [])
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _touches(statement: dict[str, Any], prefix: str) -> bool:
    return any(action.startswith(prefix) for action in _as_list(statement["Action"]))


# ---------------------------------------------------------------------------- lint


def test_cfn_lint_finds_no_errors_in_the_transformed_template(cloudformation: dict[str, Any], tmp_path: Path) -> None:
    errors, warnings = lint(cloudformation, tmp_path)
    for warning in warnings:
        print("cfn-lint:", warning)  # noqa: T201 - warnings are allowed, but shown with -s
    assert errors == []


def test_cfn_lint_finds_no_errors_in_the_sam_source() -> None:
    matches = lint_file(TEMPLATE_PATH, config=ManualArgs(regions=[REGION]))
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")] == []


def test_the_linter_would_catch_a_reference_to_a_missing_resource(
    cloudformation: dict[str, Any], tmp_path: Path
) -> None:
    # Given the transformed template with an environment variable naming a table that does not exist
    broken = copy.deepcopy(cloudformation)
    broken["Resources"]["RegisterFunction"]["Properties"]["Environment"]["Variables"]["ROLL_TABLE"] = {
        "Ref": "NoSuchTable"
    }
    # When / Then the lint step reports it: the check above is not vacuous
    errors, _ = lint(broken, tmp_path)
    assert any("NoSuchTable" in e for e in errors)


# ---------------------------------------------------------------------------- data at rest


def test_every_table_has_pitr_deletion_protection_and_encryption(cloudformation: dict[str, Any]) -> None:
    tables = resources(cloudformation, "AWS::DynamoDB::Table")
    assert tables
    for name, table in tables.items():
        properties = table["Properties"]
        assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert properties["DeletionProtectionEnabled"] is True, name
        assert properties["SSESpecification"]["SSEEnabled"] is True, name
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        assert table["DeletionPolicy"] == "Retain", name


def test_documents_bucket_is_versioned_encrypted_private_and_tls_only(cloudformation: dict[str, Any]) -> None:
    bucket = cloudformation["Resources"]["DocumentsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert {k: bucket["PublicAccessBlockConfiguration"].get(k) for k in PUBLIC_ACCESS_BLOCKS} == dict.fromkeys(
        PUBLIC_ACCESS_BLOCKS, True
    )
    # The policy attached to this bucket denies every S3 action over plain HTTP, on the bucket and its objects.
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in resources(cloudformation, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "DocumentsBucket"}
    ]
    tls_only = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and "s3:*" in _as_list(s["Action"])
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert len(tls_only) == 1
    assert _as_list(tls_only[0]["Resource"]) == [
        {"Fn::GetAtt": ["DocumentsBucket", "Arn"]},
        {"Fn::Sub": "${DocumentsBucket.Arn}/*"},
    ]


def test_documents_bucket_has_object_lock_but_no_default_retention(cloudformation: dict[str, Any]) -> None:
    bucket = cloudformation["Resources"]["DocumentsBucket"]["Properties"]
    assert bucket["ObjectLockEnabled"] is True
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"  # Object Lock requires it
    # A default rule would make S3 demand Content-MD5 on every upload, breaking the pre-signed POSTs.
    assert "Rule" not in bucket.get("ObjectLockConfiguration", {})


def test_the_retention_period_is_a_parameter_given_to_exactly_the_functions_that_confirm(
    cloudformation: dict[str, Any],
) -> None:
    parameter = cloudformation["Parameters"]["DocumentRetentionDays"]
    assert parameter["Type"] == "Number"
    assert parameter["MinValue"] >= 1
    assert parameter["Default"] >= parameter["MinValue"]
    given_to = {
        function_id
        for function_id, function in resources(cloudformation, "AWS::Lambda::Function").items()
        if function["Properties"]["Environment"]["Variables"].get("DOCUMENT_RETENTION_DAYS")
        == {"Ref": "DocumentRetentionDays"}
    }
    assert given_to == {"RegisterFunction", "GrievanceFunction"}


def _role_statements(cfn: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {role: _statements(cfn, role) for role in resources(cfn, "AWS::IAM::Role")}


def test_only_the_confirming_roles_may_lock_and_only_under_their_own_prefix(cloudformation: dict[str, Any]) -> None:
    locking = {
        role: [
            r for s in statements if "s3:PutObjectRetention" in _as_list(s["Action"]) for r in _as_list(s["Resource"])
        ]
        for role, statements in _role_statements(cloudformation).items()
    }
    assert {role: resources for role, resources in locking.items() if resources} == {
        "RegisterFunctionRole": [{"Fn::Sub": "${DocumentsBucket.Arn}/registrations/*"}],
        "GrievanceFunctionRole": [{"Fn::Sub": "${DocumentsBucket.Arn}/grievances/*"}],
    }


@pytest.mark.parametrize("forbidden", ["s3:BypassGovernanceRetention", "s3:DeleteObjectVersion"])
def test_no_role_may_bypass_a_lock_or_delete_a_version(cloudformation: dict[str, Any], forbidden: str) -> None:
    for role, statements in _role_statements(cloudformation).items():
        for statement in statements:
            if statement["Effect"] != "Allow":
                continue
            for action in _as_list(statement["Action"]):
                # Wildcards count: "s3:*" or "s3:Delete*" would grant it as surely as its name.
                assert not fnmatch.fnmatchcase(forbidden.lower(), str(action).lower()), (role, statement)
        # Managed policies are AWS's own: only the basic execution and X-Ray ones, which grant no S3.
        for arn in cloudformation["Resources"][role]["Properties"].get("ManagedPolicyArns", []):
            assert re.search(r"AWSLambdaBasicExecutionRole|AWSXrayWriteOnlyAccess", json.dumps(arn)), (role, arn)


def _schedule_dead_letter_ids(cfn: dict[str, Any]) -> set[str]:
    return {
        s["Properties"]["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        for s in resources(cfn, "AWS::Scheduler::Schedule").values()
        if "DeadLetterConfig" in s["Properties"]["Target"]
    }


def test_every_work_queue_has_a_dead_letter_queue(cloudformation: dict[str, Any]) -> None:
    queues = resources(cloudformation, "AWS::SQS::Queue")
    # A queue is a dead-letter queue when a queue redrives to it or a schedule sends its failures there.
    dead_letter_ids = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    } | _schedule_dead_letter_ids(cloudformation)
    work_queues = set(queues) - dead_letter_ids
    assert work_queues
    assert dead_letter_ids <= set(queues)
    for name in work_queues:
        assert "RedrivePolicy" in queues[name]["Properties"], name


# ---------------------------------------------------------------------------- least privilege


def _tables_named_by(cfn: dict[str, Any], function_id: str) -> set[str]:
    """The tables a function is told about in its environment (SAM has merged Globals in)."""
    variables = cfn["Resources"][function_id]["Properties"]["Environment"]["Variables"]
    tables = resources(cfn, "AWS::DynamoDB::Table")
    return {v["Ref"] for v in variables.values() if isinstance(v, dict) and v.get("Ref") in tables}


def test_register_role_touches_only_its_tables_and_bucket_prefix(cloudformation: dict[str, Any]) -> None:
    function = cloudformation["Resources"]["RegisterFunction"]["Properties"]
    role_id = function["Role"]["Fn::GetAtt"][0]
    role = cloudformation["Resources"][role_id]["Properties"]
    # No managed policy may bring data actions (SAM's SQS one grants sqs:* on "*").
    assert all("SQSQueueExecution" not in json.dumps(arn) for arn in role["ManagedPolicyArns"])
    statements = _statements(cloudformation, role_id)
    tables = _tables_named_by(cloudformation, "RegisterFunction")
    assert "RegistrationsTable" in tables
    bucket_id = function["Environment"]["Variables"]["DOCUMENTS_BUCKET"]["Ref"]

    dynamodb = [s for s in statements if _touches(s, "dynamodb:")]
    s3 = [s for s in statements if _touches(s, "s3:")]
    assert dynamodb
    assert s3
    for statement in dynamodb + s3:
        assert "*" not in _as_list(statement["Resource"]), statement
        # One service per statement, so a table's statement cannot also grant S3, or the reverse.
        assert len({a.split(":")[0] for a in _as_list(statement["Action"])}) == 1, statement
    for statement in dynamodb:
        for resource in _as_list(statement["Resource"]):
            assert resource["Fn::GetAtt"][1] == "Arn", statement
            assert resource["Fn::GetAtt"][0] in tables, statement
    for statement in s3:
        assert _as_list(statement["Resource"]) == [{"Fn::Sub": f"${{{bucket_id}.Arn}}/registrations/*"}], statement
    sqs = [s for s in statements if _touches(s, "sqs:")]
    assert [s["Resource"] for s in sqs] == [{"Fn::GetAtt": ["UploadEventsQueue", "Arn"]}]


def test_every_function_has_its_own_role_with_no_data_action_on_everything(cloudformation: dict[str, Any]) -> None:
    functions = resources(cloudformation, "AWS::Lambda::Function")
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
    assert len(roles) == len(set(roles)) == len(functions)
    for role in roles:
        for statement in _statements(cloudformation, role):
            if any(_touches(statement, prefix) for prefix in DATA_ACTION_PREFIXES):
                assert "*" not in _as_list(statement["Resource"]), (role, statement)


def test_grievance_role_writes_only_grievances_and_reads_what_routing_needs(cloudformation: dict[str, Any]) -> None:
    statements = _statements(cloudformation, "GrievanceFunctionRole")

    def grants(table: str) -> set[str]:
        return {
            action
            for s in statements
            for action in _as_list(s["Action"])
            if {"Fn::GetAtt": [table, "Arn"]} in _as_list(s["Resource"])
        }

    assert "dynamodb:PutItem" in grants("GrievancesTable")
    # Appeals and routing read the registration and roll entry; they never change them.
    assert grants("RegistrationsTable") == {"dynamodb:Query"}
    assert grants("RollTable") == {"dynamodb:GetItem"}
    # Lists use three named indexes; the SLA sweep index belongs to the scheduled jobs.
    index_statement = next(s for s in statements if s["Sid"] == "GrievanceListIndexes")
    indexes = [r["Fn::Sub"].rpartition("/")[2] for r in index_statement["Resource"]]
    assert sorted(indexes) == ["by_employee", "l2_queue", "unit_queue"]
    s3 = [r for s in statements if _touches(s, "s3:") for r in _as_list(s["Resource"])]
    assert s3 and all(r == {"Fn::Sub": "${DocumentsBucket.Arn}/grievances/*"} for r in s3)
    assert not [s for s in statements if _touches(s, "sqs:")]


def test_admin_role_moves_windows_reads_counters_and_exports_but_touches_no_record(
    cloudformation: dict[str, Any],
) -> None:
    granted = {
        (tuple(sorted(_as_list(s["Action"]))), json.dumps(s["Resource"], sort_keys=True))
        for s in _statements(cloudformation, "AdminFunctionRole")
    }
    # Separation of duties: an admin decides nothing, so the role cannot write a registration or grievance.
    assert granted == {
        (("dynamodb:GetItem", "dynamodb:UpdateItem"), json.dumps({"Fn::GetAtt": ["SettingsTable", "Arn"]})),
        (("dynamodb:PutItem", "dynamodb:Query"), json.dumps({"Fn::GetAtt": ["EventsTable", "Arn"]})),
        (("dynamodb:Query",), json.dumps({"Fn::Sub": "${CountersTable.Arn}/index/groups"})),
        (("s3:GetObject", "s3:PutObject"), json.dumps({"Fn::Sub": "${ReportsBucket.Arn}/exports/*"})),
        (("s3:GetObject", "s3:PutObject"), json.dumps({"Fn::Sub": "${ReportsBucket.Arn}/imports/*"})),
        (("dynamodb:GetItem", "dynamodb:PutItem"), json.dumps({"Fn::GetAtt": ["JobRunsTable", "Arn"]})),
        # the transparency auditor's runs, read only
        (("dynamodb:Query",), json.dumps({"Fn::GetAtt": ["TransparencyAuditsTable", "Arn"]})),
        # who the caller is: the directory link of the verified sub
        (("dynamodb:GetItem",), json.dumps({"Fn::GetAtt": ["DirectoryTable", "Arn"]})),
    }


def test_roll_import_writes_only_the_roll_and_its_own_files(cloudformation: dict[str, Any]) -> None:
    statements = _statements(cloudformation, "RollImportRole")
    writes = {
        json.dumps(s["Resource"], sort_keys=True)
        for s in statements
        if any(a.split(":")[1].startswith(("Put", "BatchWrite", "Update")) for a in _as_list(s["Action"]))
    }
    assert writes == {
        json.dumps({"Fn::GetAtt": ["JobRunsTable", "Arn"]}),
        json.dumps({"Fn::GetAtt": ["RollTable", "Arn"]}),
        json.dumps({"Fn::Sub": "${ReportsBucket.Arn}/imports/*"}),
    }
    notification = cloudformation["Resources"]["ReportsBucket"]["Properties"]["NotificationConfiguration"]
    [rule] = notification["QueueConfigurations"]
    assert rule["Queue"] == {"Fn::GetAtt": ["RollImportQueue", "Arn"]}
    assert {r["Name"]: r["Value"] for r in rule["Filter"]["S3Key"]["Rules"]} == {
        "prefix": "imports/",
        "suffix": "source.csv",
    }


@pytest.mark.parametrize(
    ("function", "role"),
    [
        ("VerifyFunction", "VerifyFunctionRole"),  # decisions
        ("RegisterFunction", "RegisterFunctionRole"),  # submissions
        ("GrievanceFunction", "GrievanceFunctionRole"),  # filings
    ],
)
def test_receipt_signers_sign_only_with_the_one_key(cloudformation: dict[str, Any], function: str, role: str) -> None:
    kms = [s for s in _statements(cloudformation, role) if _touches(s, "kms:")]
    assert [(sorted(_as_list(s["Action"])), s["Resource"]) for s in kms] == [
        (["kms:GetPublicKey", "kms:Sign"], {"Fn::GetAtt": ["DecisionSigningKey", "Arn"]})
    ]
    environment = cloudformation["Resources"][function]["Properties"]["Environment"]["Variables"]
    assert environment["SIGNING_KEY_ID"] == {"Ref": "DecisionSigningKey"}


def test_certificates_role_reads_a_record_appends_its_chain_and_signs_with_the_one_key(
    cloudformation: dict[str, Any],
) -> None:
    granted = {
        (action, json.dumps(statement["Resource"], sort_keys=True))
        for statement in _statements(cloudformation, "CertificatesFunctionRole")
        for action in _as_list(statement["Action"])
    }

    def on(resource: str) -> str:
        return json.dumps({"Fn::GetAtt": [resource, "Arn"]}, sort_keys=True)

    assert granted == {
        ("dynamodb:GetItem", on("DirectoryTable")),
        ("dynamodb:Query", on("RegistrationsTable")),
        ("dynamodb:PutItem", on("RegistrationsTable")),  # the next version, same state: no counters
        ("dynamodb:PutItem", on("EventsTable")),
        ("dynamodb:Query", on("EventsTable")),
        ("dynamodb:GetItem", on("CertificatesTable")),
        ("dynamodb:PutItem", on("CertificatesTable")),
        ("kms:Sign", on("DecisionSigningKey")),
        ("kms:GetPublicKey", on("DecisionSigningKey")),
    }
    routes = {
        (r.method, r.path): r.requires_auth
        for r in http_routes(load_template())
        if r.function_id == "CertificatesFunction"
    }
    assert routes == {
        ("GET", "/v1/registrations/{id}/certificate"): True,
        ("GET", "/v1/certificates/{serial}/status"): False,
        ("POST", "/v1/certificates/verify"): False,
        ("POST", "/v1/certificates/{serial}/revoke"): True,
    }


def test_reminders_planner_reads_only_the_sweep_index_and_writes_only_what_it_must(
    cloudformation: dict[str, Any],
) -> None:
    statements = _statements(cloudformation, "RemindersPlannerRole")
    granted = {(tuple(sorted(_as_list(s["Action"]))), json.dumps(s["Resource"], sort_keys=True)) for s in statements}
    assert granted == {
        (
            ("dynamodb:Query",),
            json.dumps(
                [
                    {"Fn::Sub": "${RegistrationsTable.Arn}/index/sweep"},
                    {"Fn::Sub": "${GrievancesTable.Arn}/index/sweeps"},
                    {"Fn::Sub": "${NotificationsTable.Arn}/index/pending"},
                    {"Fn::Sub": "${RollTable.Arn}/index/unregistered"},
                    {"Fn::Sub": "${RollTable.Arn}/index/superannuation"},
                    {"Fn::Sub": "${GrievancesTable.Arn}/index/unit_queue"},
                    {"Fn::Sub": "${GrievancesTable.Arn}/index/l2_queue"},
                ]
            ),
        ),
        (("dynamodb:GetItem",), json.dumps({"Fn::GetAtt": ["GrievancesTable", "Arn"]})),
        # the digest's officials: the directory's sparse index of active officials by role
        (("dynamodb:Query",), json.dumps({"Fn::Sub": "${DirectoryTable.Arn}/index/by_role"})),
        (("dynamodb:GetItem", "dynamodb:PutItem"), json.dumps({"Fn::GetAtt": ["JobRunsTable", "Arn"]})),
        (("dynamodb:PutItem",), json.dumps({"Fn::GetAtt": ["NotificationsTable", "Arn"]})),
        (("dynamodb:GetItem",), json.dumps({"Fn::GetAtt": ["SettingsTable", "Arn"]})),
        (("s3:PutObject",), json.dumps({"Fn::Sub": "${ReportsBucket.Arn}/reports/*"})),
        (("sqs:SendMessage",), json.dumps({"Fn::GetAtt": ["JobWorkQueue", "Arn"]}, sort_keys=True)),
        # state-metrics reads the programme's counter totals (eight shards each)
        (("dynamodb:BatchGetItem",), json.dumps({"Fn::GetAtt": ["CountersTable", "Arn"]}, sort_keys=True)),
        # registration-reminders: pending mobile corrections by DDO, from the counters' groups
        (("dynamodb:Query",), json.dumps({"Fn::Sub": "${CountersTable.Arn}/index/groups"})),
        (("sqs:SendMessage",), json.dumps({"Fn::GetAtt": ["ScheduleDLQ", "Arn"]}, sort_keys=True)),
    }


def test_roll_role_changes_mobiles_and_corrections_but_no_registration_or_grievance(
    cloudformation: dict[str, Any],
) -> None:
    statements = _statements(cloudformation, "RollFunctionRole")
    granted = {(tuple(sorted(_as_list(s["Action"]))), json.dumps(s["Resource"], sort_keys=True)) for s in statements}
    assert granted == {
        (("dynamodb:GetItem",), json.dumps({"Fn::GetAtt": ["DirectoryTable", "Arn"]})),
        (
            ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem"),
            json.dumps({"Fn::GetAtt": ["RollTable", "Arn"]}),
        ),
        (
            ("dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"),
            json.dumps({"Fn::GetAtt": ["CorrectionsTable", "Arn"]}),
        ),
        (
            ("dynamodb:Query",),
            json.dumps(
                [
                    {"Fn::Sub": "${CorrectionsTable.Arn}/index/ddo_queue"},
                    {"Fn::Sub": "${CorrectionsTable.Arn}/index/hod_queue"},
                ]
            ),
        ),
        (("dynamodb:PutItem", "dynamodb:Query"), json.dumps({"Fn::GetAtt": ["EventsTable", "Arn"]})),
        (("dynamodb:BatchGetItem", "dynamodb:UpdateItem"), json.dumps({"Fn::GetAtt": ["CountersTable", "Arn"]})),
        (("dynamodb:PutItem",), json.dumps({"Fn::GetAtt": ["NotificationsTable", "Arn"]})),
    }
    # Least privilege: it can neither write nor read a registration or grievance, nor send anything itself.
    named = json.dumps([s["Resource"] for s in statements])
    assert "RegistrationsTable" not in named and "GrievancesTable" not in named
    assert not [s for s in statements if any(_touches(s, p) for p in ("s3:", "kms:", "sqs:", "sns:", "ses:"))]
    # Its tables are exactly those its environment names, and its routes are the roll's.
    assert _tables_named_by(cloudformation, "RollFunction") == {
        "RollTable",
        "CorrectionsTable",
        "EventsTable",
        "CountersTable",
        "NotificationsTable",
        "SettingsTable",
        "DirectoryTable",
    }
    routes = {(r.method, r.path) for r in http_routes(load_template()) if r.function_id == "RollFunction"}
    assert routes == {
        ("GET", "/v1/roll/corrections"),
        ("POST", "/v1/roll/corrections/{id}/decision"),
        ("PATCH", "/v1/roll/{employee_code}/mobile"),
        ("GET", "/v1/roll/{employee_code}"),
    }


def test_the_correction_queues_are_sparse_indexes_ordered_oldest_first(cloudformation: dict[str, Any]) -> None:
    table = cloudformation["Resources"]["CorrectionsTable"]["Properties"]
    indexes = {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in table["GlobalSecondaryIndexes"]}
    assert indexes == {"ddo_queue": ["queue_ddo", "queue_sort"], "hod_queue": ["queue_department", "queue_sort"]}


def test_an_asynchronously_invoked_function_keeps_its_failed_runs(cloudformation: dict[str, Any]) -> None:
    # Scheduler invokes asynchronously; Lambda's own retries exhausted, the event goes to a queue.
    scheduled = {
        function_id
        for function_id, function in resources(cloudformation, "AWS::Lambda::Function").items()
        if any(
            isinstance(p.get("Properties", {}).get("Target", {}).get("Arn"), dict)
            and json.dumps(p["Properties"]["Target"]["Arn"]).find(function_id) >= 0
            for p in resources(cloudformation, "AWS::Scheduler::Schedule").values()
        )
    }
    configured = {
        c["Properties"]["FunctionName"]["Ref"]: c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        for c in resources(cloudformation, "AWS::Lambda::EventInvokeConfig").values()
    }
    assert scheduled == {"RemindersPlannerFunction", "TransparencyLogFunction", "TransparencyAuditFunction"}
    assert configured == {function_id: {"Fn::GetAtt": ["ScheduleDLQ", "Arn"]} for function_id in scheduled}


def test_reminders_worker_changes_records_and_nothing_it_does_not_need(cloudformation: dict[str, Any]) -> None:
    statements = _statements(cloudformation, "RemindersWorkerRole")
    by_resource = {json.dumps(s["Resource"], sort_keys=True): sorted(_as_list(s["Action"])) for s in statements}
    assert by_resource == {
        json.dumps({"Fn::GetAtt": ["RegistrationsTable", "Arn"]}): ["dynamodb:PutItem", "dynamodb:Query"],
        json.dumps({"Fn::GetAtt": ["GrievancesTable", "Arn"]}): ["dynamodb:PutItem", "dynamodb:Query"],
        json.dumps({"Fn::GetAtt": ["NotificationsTable", "Arn"]}): [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
        json.dumps({"Fn::GetAtt": ["RollTable", "Arn"]}): ["dynamodb:GetItem"],
        json.dumps("*"): ["sns:Publish"],
        json.dumps(
            [
                {"Fn::Sub": f"{SES_ARN}:identity/${{SenderDomain}}"},
                {"Fn::Sub": f"{SES_ARN}:template/${{NoticeEmailTemplate}}"},
            ]
        ): ["ses:SendTemplatedEmail"],
        json.dumps({"Fn::GetAtt": ["EventsTable", "Arn"]}): ["dynamodb:PutItem"],
        json.dumps({"Fn::GetAtt": ["CountersTable", "Arn"]}): ["dynamodb:UpdateItem"],
        json.dumps({"Fn::GetAtt": ["SettingsTable", "Arn"]}): ["dynamodb:GetItem"],
        json.dumps({"Fn::GetAtt": ["CheckpointRequestQueue", "Arn"]}): ["sqs:SendMessage"],
        json.dumps({"Fn::GetAtt": ["JobWorkQueue", "Arn"]}): [
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        ],
    }
    # No S3 or KMS at all; SNS only to publish (SMS to a number has no ARN to name), SES only its template.
    assert not [s for s in statements if any(_touches(s, p) for p in ("s3:", "kms:"))]


# ---------------------------------------------------------------------------- schedules


def test_every_schedule_runs_in_ist_with_retries_and_a_dead_letter_queue(cloudformation: dict[str, Any]) -> None:
    schedules = resources(cloudformation, "AWS::Scheduler::Schedule")
    assert {json.loads(s["Properties"]["Target"]["Input"])["job"] for s in schedules.values()} >= {
        "close-registration",
        "close-verification",
        "grievance-sla",
        "deliver-notifications",
        "registration-reminders",
        "verification-reminders",
        "superannuation-notice",
        "officer-digest",
        "transparency-sequence",
        "transparency-checkpoint",
        "transparency-audit",
    }
    queues = resources(cloudformation, "AWS::SQS::Queue")
    for name, schedule in schedules.items():
        properties = schedule["Properties"]
        assert properties["ScheduleExpressionTimezone"] == "Asia/Kolkata", name
        retry = properties["Target"]["RetryPolicy"]
        assert retry["MaximumRetryAttempts"] >= 1, name
        assert retry["MaximumEventAgeInSeconds"] >= 60, name
        dead_letter = properties["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"]
        assert dead_letter[0] in queues and dead_letter[1] == "Arn", name
        # The schedule's own role may invoke its function and write its DLQ, nothing else.
        role_id = properties["Target"]["RoleArn"]["Fn::GetAtt"][0]
        actions = {a for s in _statements(cloudformation, role_id) for a in _as_list(s["Action"])}
        assert actions == {"lambda:InvokeFunction", "sqs:SendMessage"}, name


def test_the_job_worker_reports_partial_batch_failures(cloudformation: dict[str, Any]) -> None:
    (mapping,) = [
        m["Properties"]
        for m in resources(cloudformation, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["JobWorkQueue", "Arn"]}
    ]
    assert mapping["FunctionName"] == {"Ref": "RemindersWorkerFunction"}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_sweep_index_is_sparse_and_projects_only_what_planning_reads(cloudformation: dict[str, Any]) -> None:
    table = cloudformation["Resources"]["RegistrationsTable"]["Properties"]
    (sweep,) = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "sweep"]
    assert [k["AttributeName"] for k in sweep["KeySchema"]] == ["sweep_pk", "sweep_sort"]
    assert sweep["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["registration_id", "employee_code", "ddo_code", "department", "district"],
    }


# ---------------------------------------------------------------------------- HTTP API


def test_http_api_checks_cognito_jwts_on_every_route_but_the_public_ones(cloudformation: dict[str, Any]) -> None:
    (api,) = resources(cloudformation, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    # SAM puts the authorizer into the OpenAPI body as a security scheme.
    jwt_schemes = {
        name: scheme["x-amazon-apigateway-authorizer"]
        for name, scheme in body["components"]["securitySchemes"].items()
        if scheme.get("x-amazon-apigateway-authorizer", {}).get("type") == "jwt"
    }
    ((scheme_name, authorizer),) = jwt_schemes.items()
    pools = resources(cloudformation, "AWS::Cognito::UserPool")
    clients = resources(cloudformation, "AWS::Cognito::UserPoolClient")
    (pool_id,) = pools
    issuer = authorizer["jwtConfiguration"]["issuer"]["Fn::Sub"]
    assert issuer == f"https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{pool_id}}}"
    assert [a["Ref"] for a in authorizer["jwtConfiguration"]["audience"]] == list(clients)

    # Every operation is behind the JWT authorizer except those the loader reads as public:
    # the local gateway and API Gateway agree on which routes need a token.
    secured = {
        (method.upper(), path): [next(iter(s)) for s in operation.get("security", [])]
        for path, operations in body["paths"].items()
        for method, operation in operations.items()
    }
    routes = {(r.method, r.path): r.requires_auth for r in http_routes(load_template())}
    assert set(secured) == set(routes)
    for key, requires_auth in routes.items():
        assert secured[key] == ([scheme_name] if requires_auth else ["NONE"]), key


def test_every_route_is_throttled_and_the_named_ones_exist(cloudformation: dict[str, Any]) -> None:
    # Given the stage SAM makes for the HTTP API
    (stage,) = resources(cloudformation, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]
    # Then every route has a ceiling, sized in docs/capacity.md, with a burst above its rate
    default = settings["DefaultRouteSettings"]
    assert default == {"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}
    # And every route given its own ceiling is a real route, held below the default
    routes = {f"{r.method} {r.path}" for r in http_routes(load_template())}
    named = settings["RouteSettings"]
    assert set(named) <= routes, set(named) - routes
    for route, limits in named.items():
        assert limits["ThrottlingRateLimit"] <= default["ThrottlingRateLimit"], route
        assert limits["ThrottlingBurstLimit"] >= limits["ThrottlingRateLimit"], route


def test_the_deadline_paths_keep_their_concurrency_and_the_queues_cannot_take_it(
    cloudformation: dict[str, Any],
) -> None:
    functions = resources(cloudformation, "AWS::Lambda::Function")
    reserved = {
        name: f["Properties"]["ReservedConcurrentExecutions"]
        for name, f in functions.items()
        if "ReservedConcurrentExecutions" in f["Properties"]
    }
    # The employees' and DDOs' deadline paths and sign-in are guaranteed capacity...
    assert set(reserved) == {
        "RegisterFunction",
        "VerifyFunction",
        "AuthFunction",
        "AuthChallengeFunction",
        "GrievanceFunction",
    }
    # ...leaving well over the 100 AWS keeps unreserved in a 1,000 account limit.
    assert sum(reserved.values()) <= 900 - 100
    # Every queue consumer is capped, and below its function's reservation where it has one,
    # so a burst of messages is throttled at the poller and never sent to a dead-letter queue.
    mappings = resources(cloudformation, "AWS::Lambda::EventSourceMapping").values()
    sqs = [m["Properties"] for m in mappings if "Queue" in str(m["Properties"].get("EventSourceArn"))]
    assert sqs
    for mapping in sqs:
        cap = mapping["ScalingConfig"]["MaximumConcurrency"]
        function = mapping["FunctionName"]["Ref"]
        assert 2 <= cap <= reserved.get(function, cap), function


def test_the_stack_outputs_what_the_operator_cli_reads(cloudformation: dict[str, Any]) -> None:
    # `anubandh ... --stack NAME` reads these Outputs (and the local stack's /_local/stack resolves them)
    assert set(OUTPUTS_READ) <= set(cloudformation["Outputs"])
    assert cloudformation["Outputs"]["DirectoryTableName"]["Value"] == {"Ref": "DirectoryTable"}


def test_the_operator_policy_allows_every_cognito_call_the_cli_makes(cloudformation: dict[str, Any]) -> None:
    # Every Cognito admin call of infra/officials.py, infra/programmes.py and infra/sign_in.py
    sources = "".join((ROOT / "infra" / name).read_text() for name in ("officials.py", "programmes.py", "sign_in.py"))
    called = {name.replace("_", "") for name in re.findall(r'"(admin_\w+)"', sources)}  # admin_get_user
    policy = cloudformation["Resources"]["OperatorPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allowed = {a.split(":")[1].lower() for s in policy for a in _as_list(s["Action"]) if a.startswith("cognito-idp:")}
    assert called <= allowed, called - allowed
    assert all(s["Resource"] != "*" for s in policy)
    # and no function's role may create a user but the sign-in function's, which makes an employee's
    # user (emp:<code>) at the first OTP sign-in: app admins cannot mint officials (a user is nobody
    # until the directory, written by operators for officials, says who it is)
    creators = {
        role
        for role in resources(cloudformation, "AWS::IAM::Role")
        for statement in _statements(cloudformation, role)
        if [a for a in _as_list(statement["Action"]) if str(a).startswith("cognito-idp:AdminCreate")]
    }
    assert creators == {"AuthFunctionRole"}


def test_officials_invited_by_an_operator_are_told_of_the_totp_app() -> None:
    pool = load_template()["Resources"]["UserPool"]["Properties"]
    invitation = pool["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"]
    assert "{username}" in invitation and "{####}" in invitation  # what Cognito requires
    assert "authenticator app" in invitation
    assert pool["MfaConfiguration"] == "ON" and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


# ---------------------------------------------------------------------------- build


def test_the_layer_installs_exactly_the_projects_runtime_dependencies() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [
        line.strip()
        for line in (ROOT / "infra" / "layer" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert layer == declared


# ---------------------------------------------------------------------------- operations


def _alarms(cfn: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["Properties"] for a in resources(cfn, "AWS::CloudWatch::Alarm").values()]


def test_every_function_has_error_throttle_and_p95_duration_alarms_that_page(cloudformation: dict[str, Any]) -> None:
    alarmed: dict[str, set[str]] = {}
    for alarm in _alarms(cloudformation):
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], alarm
        for dimension in alarm.get("Dimensions", []):
            if dimension["Name"] == "FunctionName":
                alarmed.setdefault(dimension["Value"]["Ref"], set()).add(alarm["MetricName"])
        if alarm.get("MetricName") == "Duration":
            assert alarm["ExtendedStatistic"] == "p95"
    functions = resources(cloudformation, "AWS::Lambda::Function")
    assert alarmed == {name: {"Errors", "Throttles", "Duration"} for name in functions}


def test_every_dead_letter_queue_pages_on_its_first_message(cloudformation: dict[str, Any]) -> None:
    queues = resources(cloudformation, "AWS::SQS::Queue")
    redrive_targets = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    schedule_targets = {
        s["Properties"]["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        for s in resources(cloudformation, "AWS::Scheduler::Schedule").values()
    }
    watched = {
        d["Value"]["Fn::GetAtt"][0]
        for alarm in _alarms(cloudformation)
        if alarm.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        for d in alarm["Dimensions"]
    }
    assert redrive_targets | schedule_targets <= watched


def test_the_api_5xx_rate_alarm_divides_errors_by_requests(cloudformation: dict[str, Any]) -> None:
    [rate] = [a for a in _alarms(cloudformation) if "Metrics" in a]
    stats = {m["Id"]: m for m in rate["Metrics"]}
    assert {stats[i]["MetricStat"]["Metric"]["MetricName"] for i in ("errors", "requests")} == {"5xx", "Count"}
    assert "errors / requests" in stats["rate"]["Expression"]


def test_the_dashboard_is_valid_json_naming_only_what_exists(cloudformation: dict[str, Any]) -> None:
    [dashboard] = resources(cloudformation, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([A-Za-z0-9:.]+)\}", body))
    for name in names - {"AWS::Region"}:
        assert name.split(".")[0] in cloudformation["Resources"], name
    widgets = json.loads(re.sub(r"\$\{[A-Za-z0-9:.]+\}", "x", body))["widgets"]
    metrics = [m for w in widgets for m in w["properties"]["metrics"]]
    custom = {m[1] for m in metrics if m[0] == "Anubandh"}
    code = "\n".join(p.read_text() for p in (ROOT / "functions").rglob("*.py"))
    for metric in custom:  # every custom metric the dashboard plots is one the code names
        assert f'name="{metric}"' in code or f': "{metric}",' in code, metric
    assert {"RegistrationsDraft", "VerificationBacklog", "GrievancesOverdue", "JobItemsDone"} <= custom
    assert {m[1] for m in metrics if m[0] == "AWS/Lambda"} == {"Invocations", "Errors", "Duration"}


def test_replaced_documents_are_kept_in_cold_storage_never_expired(cloudformation: dict[str, Any]) -> None:
    bucket = cloudformation["Resources"]["DocumentsBucket"]["Properties"]
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["NoncurrentVersionTransitions"]
    assert not {"ExpirationInDays", "NoncurrentVersionExpiration", "NoncurrentVersionExpirationInDays"} & set(rule)


def test_checkpoints_are_locked_in_compliance_mode_for_a_parameter_of_days(cloudformation: dict[str, Any]) -> None:
    bucket = resources(cloudformation, "AWS::S3::Bucket")["CheckpointsBucket"]["Properties"]
    assert bucket["ObjectLockEnabled"] is True
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    retention = bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention == {"Mode": "COMPLIANCE", "Days": {"Ref": "CheckpointRetentionDays"}}
    # Only the log writes checkpoints, and it can neither delete one nor touch a retention or legal hold (it
    # reads its archive for a checkpoint a failed run left unserved); the auditor reads them, and nothing
    # else does anything with them.
    granted: dict[str, set[str]] = {}
    for role_id in resources(cloudformation, "AWS::IAM::Role"):
        for statement in _statements(cloudformation, role_id):
            if "CheckpointsBucket" in json.dumps(statement.get("Resource")):
                granted.setdefault(role_id, set()).update(_as_list(statement["Action"]))
    assert granted == {
        "TransparencyLogRole": {"s3:PutObject", "s3:ListBucket", "s3:GetObject"},
        "TransparencyAuditRole": {"s3:ListBucket", "s3:GetObject"},
    }


def test_the_log_signs_with_its_own_key_and_marks_events_without_rewriting_them(cloudformation: dict[str, Any]) -> None:
    statements = _statements(cloudformation, "TransparencyLogRole")
    signing = [s for s in statements if "kms:Sign" in _as_list(s["Action"])]
    assert [s["Resource"] for s in signing] == [{"Fn::GetAtt": ["TransparencySigningKey", "Arn"]}]
    (mark,) = [s for s in statements if s["Resource"] == {"Fn::GetAtt": ["EventsTable", "Arn"]}]
    assert _as_list(mark["Action"]) == ["dynamodb:UpdateItem"]
    assert set(mark["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]) == {
        "pk", "seq", "leaf_index", "unsequenced", "hash"
    }  # fmt: skip


def test_the_auditor_reads_the_log_and_the_heads_and_writes_only_its_results(cloudformation: dict[str, Any]) -> None:
    statements = _statements(cloudformation, "TransparencyAuditRole")
    by_resource: dict[str, set[str]] = {}
    for statement in statements:
        for resource in _as_list(statement["Resource"]):
            by_resource.setdefault(json.dumps(resource, sort_keys=True), set()).update(_as_list(statement["Action"]))

    def table(name: str) -> str:
        return json.dumps({"Fn::GetAtt": [name, "Arn"]})

    heads = ("RegistrationsTable", "GrievancesTable", "CorrectionsTable", "RollTable", "SettingsTable")
    assert by_resource == {
        table("EventsTable"): {"dynamodb:Scan"},
        **{table(name): {"dynamodb:Scan"} for name in heads},
        table("DirectoryTable"): {"dynamodb:Scan"},
        json.dumps({"Fn::Sub": "${DirectoryTable.Arn}/index/by_role"}): {"dynamodb:Query"},
        table("TransparencyTable"): {"dynamodb:BatchGetItem", "dynamodb:Query"},
        table("CheckpointsBucket"): {"s3:ListBucket"},
        json.dumps({"Fn::Sub": "${CheckpointsBucket.Arn}/checkpoints/*"}): {"s3:GetObject"},
        table("TransparencySigningKey"): {"kms:GetPublicKey"},
        table("TransparencyAuditsTable"): {
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"
        },
        table("NotificationsTable"): {"dynamodb:PutItem"},
    }  # fmt: skip
    # The records' tables: a Scan naming nothing but keys, version and head (no personal data), and the
    # outbox: only its own job's requests. It cannot sign, change an event, a node, a record or a checkpoint.
    (record_heads,) = [s for s in statements if {"Fn::GetAtt": ["RollTable", "Arn"]} in _as_list(s["Resource"])]
    assert set(record_heads["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]) == {
        "pk", "sk", "employee_code", "programme_id", "version", "event_head"
    }  # fmt: skip
    assert record_heads["Condition"]["StringEqualsIfExists"] == {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}
    (notify,) = [s for s in statements if s["Resource"] == {"Fn::GetAtt": ["NotificationsTable", "Arn"]}]
    assert notify["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["request#job#transparency-audit#*"]}
    }
    # Its schedule: hourly at half past (between the log's hourly checkpoints), in IST, from the template,
    # so `POST /_local/jobs/transparency-audit` runs it locally.
    (schedule,) = [
        s["Properties"]
        for s in resources(cloudformation, "AWS::Scheduler::Schedule").values()
        if json.loads(s["Properties"]["Target"]["Input"])["job"] == "transparency-audit"
    ]
    assert schedule["ScheduleExpression"] == "cron(30 * * * ? *)"
    assert "TransparencyAuditFunction" in json.dumps(schedule["Target"]["Arn"])


def test_a_finding_or_a_missed_audit_pages(cloudformation: dict[str, Any]) -> None:
    alarms = {a["MetricName"]: a for a in _alarms(cloudformation) if a.get("Namespace") == "Anubandh"}
    findings, runs = alarms["TransparencyAuditFindings"], alarms["TransparencyAuditRuns"]
    for alarm in (findings, runs):
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["Dimensions"] == [{"Name": "service", "Value": "transparency-audit"}]
    env = cloudformation["Resources"]["TransparencyAuditFunction"]["Properties"]["Environment"]["Variables"]
    assert env["POWERTOOLS_SERVICE_NAME"] == "transparency-audit"  # the metrics' service dimension
    assert (findings["Threshold"], findings["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    # No run in two hours pages as well: missing data counts as breaching
    assert runs["TreatMissingData"] == "breaching" and runs["ComparisonOperator"] == "LessThanThreshold"
    assert (runs["Period"], runs["EvaluationPeriods"], runs["DatapointsToAlarm"]) == (3600, 2, 2)


def test_every_function_logs_as_its_own_powertools_service() -> None:
    # Given the source template (the local stack reads the same names)
    template = load_template()
    functions = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
    services = {
        function_id: resource["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME")
        for function_id, resource in functions.items()
    }
    # Then each names a service of its own: no line says service_undefined, nor another function's name
    assert None not in services.values(), services
    assert len(set(services.values())) == len(services)


def _tracing(cfn: dict[str, Any]) -> dict[str, tuple[Any, Any, bool]]:
    """Per function: its X-Ray mode, its TRACING variable and whether its role may write to X-Ray when
    the stage traces (the condition Traced)."""
    found = {}
    for function_id, function in resources(cfn, "AWS::Lambda::Function").items():
        properties = function["Properties"]
        role = properties["Role"]["Fn::GetAtt"][0]
        arns = json.dumps(cfn["Resources"][role]["Properties"].get("ManagedPolicyArns", []))
        x_ray_if_traced = (
            '{"Fn::If": ["Traced", {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"}'
        )
        found[function_id] = (
            properties.get("TracingConfig"),
            properties["Environment"]["Variables"]["TRACING"],
            x_ray_if_traced in arns and "AWSXrayWriteOnlyAccess" not in arns.replace(x_ray_if_traced, ""),
        )
    return found


def test_tracing_is_off_unless_the_stage_turns_it_on(cloudformation: dict[str, Any]) -> None:
    # Given the stage's default: no function is traced, and none makes a Tracer (core/observability.py)
    assert cloudformation["Parameters"]["Tracing"]["Default"] == "Disabled"
    assert cloudformation["Conditions"]["Traced"] == {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]}
    default = _tracing(cloudformation)
    assert len(default) == 14
    assert {json.dumps(found) for found in default.values()} == {json.dumps([None, {"Ref": "Tracing"}, True])}
    # When a stage deploys with Tracing=Active, Then every function is traced, and told so
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        traced = transform(_with_s3_code_uris(load_template()), {"Tracing": "Active"}, None)
    modes = {json.dumps(mode) for mode, _, _ in _tracing(traced).values()}
    assert modes == {json.dumps({"Mode": {"Ref": "Tracing"}})}
