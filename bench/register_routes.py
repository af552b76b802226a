"""In-process handler cost of each registration route on moto, against its own AWS calls replayed
verbatim through boto3 (bench/replay.py), and the time spent inside those calls; round trips per request."""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions"))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.replay import ALIGN, COLUMNS, NOTE, Comparison  # noqa: E402
from core.auth import Role  # noqa: E402
from core.clock import IST, SettableClock, install_clock  # noqa: E402
from core.identity import IdentityLink  # noqa: E402
from core.store.directory import DirectoryStore  # noqa: E402
from core.store.dynamo import transact_write  # noqa: E402
from core.store.programmes import ProgrammeStore  # noqa: E402
from core.store.roll import RollEntry, RollStore  # noqa: E402
from infra.local.events import LocalLambdaContext, http_api_event  # noqa: E402
from infra.local.moto_fidelity import cheap_transaction_rollback, serialize_dynamodb  # noqa: E402
from infra.local.provision import provision  # noqa: E402
from infra.local.seed import PROGRAMME, demo_roll  # noqa: E402
from infra.local.template import function_environment, load_template, resources_of_type  # noqa: E402

SAMPLES = 30
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
REQUIRED = ("appointment_letter", "service_certificate", "pay_proof", "identity_proof")


class Calls:
    """AWS API calls, counted by a botocore `before-call` hook (the scale benches count with it)."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.made.append(f"{model.service_model.service_name}:{model.name}")

    def take(self) -> list[str]:
        taken, self.made = self.made, []
        return taken


def enrol(sub: str, username: str, role: Role, **scope: str) -> dict[str, str]:
    """A caller the directory knows (its link written once, outside any timing); returns the claims
    API Gateway hands the Lambda. The server reads the scope from the directory, not from the claims."""
    directory = DirectoryStore(boto3.client("dynamodb"), os.environ["DIRECTORY_TABLE"])
    if directory.link(sub) is None:
        link = IdentityLink(sub=sub, username=username, role=role, **scope)
        transact_write(boto3.client("dynamodb"), [directory.put_link(link)])
    return {"sub": sub, "cognito:username": username, "token_use": "id", "iat": str(int(time.time()))}


class Bench:
    def __init__(self) -> None:
        from register import handler  # noqa: PLC0415 - after the environment it reads is set

        self.handler = handler
        self.raw_ddb = boto3.client("dynamodb")
        self.raw_s3 = boto3.client("s3")
        self.settings = handler.get_settings()
        self.callers: dict[str, dict[str, str]] = {}

    def enrol(self, codes: list[str]) -> None:
        """Each caller linked, and known to the handler's directory cache (its first request in a warm
        process reads the link once: one GetItem, not measured here)."""
        for code in codes:
            self.callers[code] = enrol(f"sub-{code}", code.lower(), Role.EMPLOYEE, employee_code=code)
            self.call("GET", "/v1/programme", "/v1/programme", code)

    def call(
        self, method: str, path: str, route: str, code: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        names = [s[1:-1] for s in route.split("/") if s.startswith("{")]
        values = [p for p, r in zip(path.split("/"), route.split("/"), strict=True) if r.startswith("{")]
        event = http_api_event(
            method=method,
            route=route,
            path=path,
            path_parameters=dict(zip(names, values, strict=True)) or None,
            headers={"content-type": "application/json", **(headers or {})},
            body=None if body is None else json.dumps(body).encode(),
            claims=self.callers[code],
        )
        response = self.handler.lambda_handler(event, LocalLambdaContext("register"))
        assert response["statusCode"] < 300, response
        return json.loads(response["body"])


@contextmanager
def _environment() -> Any:
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "ap-south-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        serialize_dynamodb()
        cheap_transaction_rollback()
        with mock_aws():
            template = load_template()
            context = provision(template, endpoint_url=None, region="ap-south-1", stack_name="bench")
            for function_id in resources_of_type(template, "AWS::Serverless::Function"):
                os.environ.update(function_environment(template, function_id, context))
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _roll(count: int) -> list[RollEntry]:
    base = demo_roll()
    return [base[i % len(base)].model_copy(update={"employee_code": f"BEN-{i:04d}"}) for i in range(count)]


def run() -> str:
    return _report(compare(SAMPLES))


def compare(samples: int) -> Comparison:
    """Each route `samples` times, each sample followed by its replayed baseline."""
    with _environment():
        clock = SettableClock()
        clock.set(datetime(2026, 1, 20, 10, 0, tzinfo=IST), frozen=True)
        install_clock(clock)
        bench = Bench()
        settings = bench.settings
        ProgrammeStore(bench.raw_ddb, boto3.resource("dynamodb"), settings.settings_table, 0).put(PROGRAMME)
        roll_store = RollStore(bench.raw_ddb, settings.roll_table)
        entries = _roll(samples * 2)
        for entry in entries:
            roll_store.put(entry)
        creators, submitters = entries[:samples], entries[samples:]
        bench.enrol([e.employee_code for e in entries])  # and warms the programme settings cache

        comparison = Comparison()
        measure = comparison.measure

        for entry in creators:
            code = entry.employee_code
            created = measure(
                "POST /v1/registrations",
                lambda c=code: bench.call("POST", "/v1/registrations", "/v1/registrations", c, {}),
            )
            path = f"/v1/registrations/{created['registration_id']}"
            measure(
                "GET /v1/registrations/{id}", lambda p=path, c=code: bench.call("GET", p, "/v1/registrations/{id}", c)
            )
            measure(
                "PATCH /v1/registrations/{id}",
                lambda p=path, c=code: bench.call(
                    "PATCH", p, "/v1/registrations/{id}", c, {"version": 1, "family_id": "BENCH001"}
                ),
            )
            grant = measure(
                "POST /v1/registrations/{id}/documents",
                lambda p=path, c=code: bench.call(
                    "POST",
                    f"{p}/documents",
                    "/v1/registrations/{id}/documents",
                    c,
                    {"type": "pay_proof", "content_type": "application/pdf", "size_bytes": len(PDF)},
                ),
            )
            bench.raw_s3.put_object(Bucket=settings.documents_bucket, Key=grant["upload"]["fields"]["key"], Body=PDF)
            measure(
                "POST .../documents/{doc}/confirm",
                lambda p=path, c=code, d=grant["document_id"]: bench.call(
                    "POST", f"{p}/documents/{d}/confirm", "/v1/registrations/{id}/documents/{doc}/confirm", c
                ),
            )
            measure(
                "GET /v1/registrations/{id}/history",
                lambda p=path, c=code: bench.call("GET", f"{p}/history", "/v1/registrations/{id}/history", c),
            )
        for entry in submitters:
            code = entry.employee_code
            created = bench.call("POST", "/v1/registrations", "/v1/registrations", code, {"family_id": "BENCH001"})
            path = f"/v1/registrations/{created['registration_id']}"
            for doc_type in REQUIRED:
                grant = bench.call(
                    "POST",
                    f"{path}/documents",
                    "/v1/registrations/{id}/documents",
                    code,
                    {"type": doc_type, "content_type": "application/pdf", "size_bytes": len(PDF)},
                )
                key = grant["upload"]["fields"]["key"]
                bench.raw_s3.put_object(Bucket=settings.documents_bucket, Key=key, Body=PDF)
                bench.call(
                    "POST",
                    f"{path}/documents/{grant['document_id']}/confirm",
                    "/v1/registrations/{id}/documents/{doc}/confirm",
                    code,
                )
            version = bench.call("GET", path, "/v1/registrations/{id}", code)["version"]
            measure(
                "POST .../submit (Idempotency-Key)",
                lambda p=path, c=code, v=version: bench.call(
                    "POST",
                    f"{p}/submit",
                    "/v1/registrations/{id}/submit",
                    c,
                    {"version": v},
                    {"Idempotency-Key": f"bench-{p}"},
                ),
            )
            measure(
                "GET /v1/registrations/{id}/receipt",
                lambda p=path, c=code: bench.call("GET", f"{p}/receipt", "/v1/registrations/{id}/receipt", c),
            )
    return comparison


def _report(comparison: Comparison) -> str:
    lines = [
        f"## Registration routes, in-process on moto ({SAMPLES} samples each)\n",
        f"| route | {COLUMNS} | DynamoDB round trips | other calls |",
        f"|---|{ALIGN}|---|---|",
    ]
    for name, measured in comparison.measured.items():
        made = measured.per_request()
        ddb = {k.split(":")[1]: v for k, v in made.items() if k.startswith("dynamodb:")}
        business = sum(v for k, v in ddb.items() if k not in {"PutItem", "UpdateItem"})
        idem = sum(v for k, v in ddb.items() if k in {"PutItem", "UpdateItem"})
        ddb_text = f"{business}" + (f" + {idem} idempotency" if idem else "") + f" ({', '.join(sorted(ddb))})"
        other = ", ".join(f"{k} x{v}" for k, v in sorted(made.items()) if not k.startswith("dynamodb:")) or "-"
        lines.append(f"| {name} | {measured.cells()} | {ddb_text} | {other} |")
    lines.append(
        f"\n{NOTE} Round trips: business calls (the read and the one TransactWriteItems) are counted apart from "
        "Powertools idempotency's own two writes (the in-progress PutItem and the result UpdateItem), which only "
        "requests with an `Idempotency-Key` pay. S3 pre-signing is local computation: no call."
    )
    return "\n".join(lines) + "\n"
