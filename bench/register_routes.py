"""In-process handler cost of each registration route on moto, against raw boto3 making the same
DynamoDB and S3 calls, with DynamoDB round trips per request counted by a botocore event hook."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions"))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from core.clock import IST, SettableClock, install_clock  # noqa: E402
from core.store.programmes import ProgrammeStore  # noqa: E402
from core.store.roll import RollEntry, RollStore  # noqa: E402
from infra.local.events import LocalLambdaContext, http_api_event  # noqa: E402
from infra.local.moto_fidelity import serialize_transactions  # noqa: E402
from infra.local.provision import provision  # noqa: E402
from infra.local.seed import PROGRAMME, demo_roll  # noqa: E402
from infra.local.template import function_environment, load_template  # noqa: E402

SAMPLES = 30
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
REQUIRED = ("appointment_letter", "service_certificate", "pay_proof", "identity_proof")


class Calls:
    """DynamoDB / S3 API calls, counted by a botocore `before-call` hook."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.made.append(f"{model.service_model.service_name}:{model.name}")

    def take(self) -> list[str]:
        taken, self.made = self.made, []
        return taken


def _claims(code: str) -> dict[str, str]:
    return {
        "sub": f"sub-{code}",
        "cognito:username": code.lower(),
        "cognito:groups": "[employee]",
        "custom:employee_code": code,
    }


class Bench:
    def __init__(self) -> None:
        from register import handler  # noqa: PLC0415 - after the environment it reads is set

        self.handler = handler
        aws = handler._aws()
        self.calls = Calls()
        for client in (aws.dynamodb, aws.resource("dynamodb").meta.client, aws.s3):
            client.meta.events.register("before-call.*", self.calls)
        self.raw_ddb = boto3.client("dynamodb")
        self.raw_s3 = boto3.client("s3")
        self.settings = handler.get_settings()

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
            claims=_claims(code),
        )
        response = self.handler.lambda_handler(event, LocalLambdaContext("register"))
        assert response["statusCode"] < 300, response
        return json.loads(response["body"])


def _timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


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
        serialize_transactions()
        with mock_aws():
            template = load_template()
            context = provision(template, endpoint_url=None, region="ap-south-1", stack_name="bench")
            os.environ.update(function_environment(template, "RegisterFunction", context))
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _roll(count: int) -> list[RollEntry]:
    base = demo_roll()
    return [base[i % len(base)].model_copy(update={"employee_code": f"BEN-{i:04d}"}) for i in range(count)]


def run() -> str:
    with _environment():
        clock = SettableClock()
        clock.set(datetime(2026, 1, 20, 10, 0, tzinfo=IST), frozen=True)
        install_clock(clock)
        bench = Bench()
        settings = bench.settings
        ProgrammeStore(bench.raw_ddb, boto3.resource("dynamodb"), settings.settings_table, 0).put(PROGRAMME)
        roll_store = RollStore(bench.raw_ddb, settings.roll_table)
        entries = _roll(SAMPLES * 2)
        for entry in entries:
            roll_store.put(entry)
        creators, submitters = entries[:SAMPLES], entries[SAMPLES:]
        bench.call("GET", "/v1/programme", "/v1/programme", creators[0].employee_code)  # warm the settings cache
        bench.calls.take()

        timings: dict[str, list[float]] = {}
        trips: dict[str, Counter[str]] = {}

        def measure(name: str, action: Callable[[], Any]) -> Any:
            bench.calls.take()
            result: dict[str, Any] = {}
            timings.setdefault(name, []).append(_timed(lambda: result.setdefault("r", action())))
            made = Counter(bench.calls.take())
            trips.setdefault(name, made)
            return result["r"]

        registrations: dict[str, str] = {}
        for entry in creators:
            code = entry.employee_code
            created = measure(
                "POST /v1/registrations",
                lambda c=code: bench.call("POST", "/v1/registrations", "/v1/registrations", c, {}),
            )
            registrations[code] = created["registration_id"]
        for code, reg_id in registrations.items():
            path = f"/v1/registrations/{reg_id}"
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
            reg_id = bench.call("POST", "/v1/registrations", "/v1/registrations", code, {"family_id": "BENCH001"})[
                "registration_id"
            ]
            path = f"/v1/registrations/{reg_id}"
            for doc_type in REQUIRED:
                grant = bench.call(
                    "POST",
                    f"{path}/documents",
                    "/v1/registrations/{id}/documents",
                    code,
                    {"type": doc_type, "content_type": "application/pdf", "size_bytes": len(PDF)},
                )
                bench.raw_s3.put_object(
                    Bucket=settings.documents_bucket, Key=grant["upload"]["fields"]["key"], Body=PDF
                )
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

        baselines = _baselines(bench, registrations)
    return _report(timings, trips, baselines)


def _baselines(bench: Bench, registrations: dict[str, str]) -> dict[str, list[float]]:
    """Raw boto3 making the same calls with same-sized items: the floor a handler adds to."""
    ddb, s3, settings = bench.raw_ddb, bench.raw_s3, bench.settings
    reg_id = next(iter(registrations.values()))
    record = ddb.query(
        TableName=settings.registrations_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": reg_id}},
    )["Items"]
    reg_item = next(i for i in record if i["sk"]["S"] == "REGISTRATION")
    event_item = ddb.query(
        TableName=settings.events_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": f"registration#{reg_id}"}},
    )["Items"][0]
    results: dict[str, list[float]] = {}
    counter = iter(range(10_000_000))

    def fresh(item: dict[str, Any], **keys: str) -> dict[str, Any]:
        return {**item, **{k: {"S": v} for k, v in keys.items()}}

    def counters() -> list[dict[str, Any]]:
        return [
            {
                "Update": {
                    "TableName": settings.counters_table,
                    "Key": {"pk": {"S": f"bench#{scope}"}, "sk": {"S": "shard#0"}},
                    "UpdateExpression": "ADD #d :one",
                    "ExpressionAttributeNames": {"#d": "DRAFT"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
            for scope in range(4)
        ]

    def write(n: int, extra: list[dict[str, Any]]) -> None:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": settings.registrations_table, "Item": fresh(reg_item, pk=f"BASE-{n}")}},
                {"Put": {"TableName": settings.events_table, "Item": {**event_item, "pk": {"S": f"base#{n}"}}}},
                *extra,
            ]
        )

    def query() -> None:
        ddb.query(
            TableName=settings.registrations_table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": reg_id}},
            ConsistentRead=True,
        )

    scenarios: dict[str, Callable[[], None]] = {
        "POST /v1/registrations": lambda: (
            ddb.get_item(
                TableName=settings.roll_table,
                Key={"employee_code": {"S": "BEN-0000"}, "programme_id": {"S": "HR-2026"}},
            ),
            write(next(counter), counters()),
        ),
        "GET /v1/registrations/{id}": query,
        "PATCH /v1/registrations/{id}": lambda: (query(), write(next(counter), [])),
        "POST /v1/registrations/{id}/documents": lambda: (
            ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": settings.registrations_table,
                            "Item": {"pk": {"S": f"BASE-DOC-{next(counter)}"}, "sk": {"S": "DOC#1"}},
                        }
                    }
                ]
            ),
            s3.generate_presigned_post(settings.documents_bucket, "registrations/x/y", ExpiresIn=900),
        ),
        "POST .../documents/{doc}/confirm": lambda: (
            query(),
            s3.head_object(Bucket=settings.documents_bucket, Key=_any_key(bench)),
            s3.get_object(Bucket=settings.documents_bucket, Key=_any_key(bench))["Body"].read(),
            write(next(counter), []),
        ),
        "GET /v1/registrations/{id}/history": lambda: (
            query(),
            ddb.query(
                TableName=settings.events_table,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": f"registration#{reg_id}"}},
            ),
        ),
        "POST .../submit (Idempotency-Key)": lambda: (query(), write(next(counter), counters())),
    }
    for name, scenario in scenarios.items():
        results[name] = [_timed(scenario) for _ in range(SAMPLES)]
    return results


_KEY_CACHE: list[str] = []


def _any_key(bench: Bench) -> str:
    if not _KEY_CACHE:
        listed = bench.raw_s3.list_objects_v2(Bucket=bench.settings.documents_bucket, MaxKeys=1)
        _KEY_CACHE.append(listed["Contents"][0]["Key"])
    return _KEY_CACHE[0]


IDEMPOTENCY_CALLS = {"dynamodb:PutItem", "dynamodb:UpdateItem"}


def _report(timings: dict[str, list[float]], trips: dict[str, Counter[str]], baselines: dict[str, list[float]]) -> str:
    lines = [
        f"## Registration routes, in-process on moto ({SAMPLES} samples each)\n",
        "| route | median ms | p95 ms | baseline median ms | ratio | DynamoDB round trips | other calls |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, samples in timings.items():
        made = trips[name]
        ddb = {k.split(":")[1]: v for k, v in made.items() if k.startswith("dynamodb:")}
        business = sum(v for k, v in ddb.items() if k not in {"PutItem", "UpdateItem"})
        idem = sum(v for k, v in ddb.items() if k in {"PutItem", "UpdateItem"})
        ddb_text = f"{business}" + (f" + {idem} idempotency" if idem else "") + f" ({', '.join(sorted(ddb))})"
        other = ", ".join(f"{k} x{v}" for k, v in sorted(made.items()) if not k.startswith("dynamodb:")) or "-"
        base = statistics.median(baselines[name])
        median = statistics.median(samples)
        lines.append(
            f"| {name} | {median:.1f} | {_p95(samples):.1f} | {base:.1f} | {median / base:.2f} | {ddb_text} | {other} |"
        )
    lines.append(
        "\nRound trips: business calls (the read and the one TransactWriteItems) are counted apart from Powertools "
        "idempotency's own two writes (the in-progress PutItem and the result UpdateItem), which only requests "
        "with an `Idempotency-Key` pay. S3 pre-signing is local computation: no call."
    )
    return "\n".join(lines) + "\n"
