"""The DDO's queue page and decision on moto: time against raw boto3, DynamoDB round trips, and
items read per queue page with 50 and with 5,000 pending records for the DDO."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import boto3

from bench.register_routes import SAMPLES, Calls, _environment, _p95, _timed, enrol
from core.audit import GENESIS_HASH
from core.auth import Role
from core.clock import IST, SettableClock, install_clock
from core.eligibility import assess_eligibility
from core.registration import Registration, RegistrationStatus
from core.store.programmes import ProgrammeStore
from core.store.registrations import RegistrationStore
from infra.local.events import LocalLambdaContext, http_api_event
from infra.local.seed import PROGRAMME, demo_roll

NOW = datetime(2026, 2, 10, 12, 0, tzinfo=IST)


class Items:
    """Items DynamoDB read (ScannedCount) per Query, from a botocore after-call hook."""

    def __init__(self) -> None:
        self.read: list[int] = []

    def __call__(self, parsed: dict[str, Any], **_: Any) -> None:
        self.read.append(int(parsed.get("ScannedCount", 0)))


def _pending(ddo_code: str, count: int, start: int) -> list[Registration]:
    entry = next(e for e in demo_roll() if e.record.engagement.ddo_code == ddo_code and e.record.family_id)
    record = entry.record
    eligibility = assess_eligibility(record, PROGRAMME.eligibility, NOW.date())
    return [
        Registration(
            registration_id=f"REG-{start + n:026d}",
            programme_id="HR-2026",
            employee_code=f"B-{start + n:06d}",
            owner_sub=f"sub-{n}",
            ddo_code=ddo_code,
            department=record.engagement.department,
            district=record.engagement.district,
            status=RegistrationStatus.SUBMITTED,
            version=6,
            event_head=GENESIS_HASH,
            roll_record=record,
            record=record,
            eligibility=eligibility,
            acknowledgement_number=f"HR26-B{n:07d}",
            created_at=NOW,
            updated_at=NOW,
            submitted_at=NOW - timedelta(days=20) + timedelta(seconds=start + n),
        )
        for n in range(count)
    ]


def _load(raw: Any, store: RegistrationStore, table: str, registrations: list[Registration]) -> None:
    puts = [{"PutRequest": {"Item": store.create(r).request["Item"]}} for r in registrations]
    for i in range(0, len(puts), 25):
        batch: dict[str, Any] = {table: puts[i : i + 25]}
        while batch:
            batch = raw.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}


def run() -> str:
    with _environment():
        clock = SettableClock()
        clock.set(NOW, frozen=True)
        install_clock(clock)
        from verify import handler  # noqa: PLC0415 - after the environment it reads is set

        settings = handler.get_settings()
        raw = boto3.client("dynamodb")
        ProgrammeStore(raw, boto3.resource("dynamodb"), settings.settings_table, 0).put(PROGRAMME)
        store = RegistrationStore(raw, settings.registrations_table)
        ddo_claims = enrol("ddo1", "ddo1", Role.DDO, ddo_code="DDO-PKL-001")
        calls, items = Calls(), Items()
        aws = handler.wiring.aws
        for client in (aws.dynamodb, aws.resource("dynamodb").meta.client, aws.client("kms")):
            client.meta.events.register("before-call.*", calls)
        aws.dynamodb.meta.events.register("after-call.dynamodb.Query", items)

        def call(method: str, path: str, route: str, body: Any = None, query: str = "") -> dict[str, Any]:
            import json  # noqa: PLC0415

            event = http_api_event(
                method=method,
                route=route,
                path=path,
                query=query,
                path_parameters={"id": path.split("/")[3]} if "{id}" in route else None,
                headers={"content-type": "application/json"},
                body=None if body is None else json.dumps(body).encode(),
                claims=ddo_claims,
            )
            response = handler.lambda_handler(event, LocalLambdaContext("verify"))
            assert response["statusCode"] < 300, response
            return dict(json.loads(response["body"]))

        # Other DDOs' work is in the same table; it must not cost this DDO anything.
        _load(raw, store, settings.registrations_table, _pending("DDO-HSR-001", 1000, 900_000))
        _load(raw, store, settings.registrations_table, _pending("DDO-PKL-001", 50, 0))
        call("GET", "/v1/verifications", "/v1/verifications", query="limit=25")  # warm the programme cache
        first_page = call("GET", "/v1/verifications", "/v1/verifications", query="limit=25")
        cursor = first_page["next_cursor"]

        rows: list[str] = []
        results: dict[str, Any] = {}
        for size in (50, 5000):
            if size == 5000:
                # Decisions are measured while the table is small: moto's transactions copy whole tables.
                rows.append(_decisions(call, calls, raw, settings))
                _load(raw, store, settings.registrations_table, _pending("DDO-PKL-001", 4950, 50))
            timings, baselines = [], []
            calls.take()
            items.read.clear()
            for _ in range(SAMPLES):
                timings.append(
                    _timed(
                        lambda: call("GET", "/v1/verifications", "/v1/verifications", query=f"limit=25&cursor={cursor}")
                    )
                )
                baselines.append(
                    _timed(
                        lambda: raw.query(
                            TableName=settings.registrations_table,
                            IndexName="ddo_queue",
                            KeyConditionExpression="queue_ddo = :d",
                            ExpressionAttributeValues={":d": {"S": "DDO-PKL-001"}},
                            Limit=25,
                        )
                    )
                )
            made = Counter(calls.take())
            # The programme settings cache may refresh (a GetItem) during a run; that is not the page's cost.
            results[size] = (made["dynamodb:Query"] // SAMPLES, sorted(set(items.read)))
            rows.append(
                f"| queue page (limit 25, not the first), {size} pending | {statistics.median(timings):.1f} | "
                f"{_p95(timings):.1f} | {statistics.median(baselines):.1f} | "
                f"{statistics.median(timings) / statistics.median(baselines):.2f} | "
                f"{made['dynamodb:Query'] // SAMPLES} Query | {results[size][1]} |"
            )

    equal = results[50] == results[5000]
    lines = [
        f"## Verification queue and decision, in-process on moto ({SAMPLES} samples each)\n",
        "| request | median ms | p95 ms | raw boto3 median ms | ratio | DynamoDB calls per request "
        "| items read per Query |",
        "|---|---:|---:|---:|---:|---|---|",
        *rows,
        f"\nQueries and items read per queue page at 50 and at 5,000 pending: "
        f"{'equal' if equal else 'NOT equal'} ({results[50]} vs {results[5000]}). 1,000 records of another DDO "
        "share the table and cost nothing. The first page adds one BatchGetItem for the counts. moto's Query time "
        "grows with the table, so the medians are reported, not targeted.",
    ]
    return "\n".join(lines) + "\n"


def _decisions(call: Any, calls: Calls, raw: Any, settings: Any) -> str:
    decision_times, decision_baselines = [], []
    pending = call("GET", "/v1/verifications", "/v1/verifications", query=f"limit={SAMPLES}")["items"]
    calls.take()
    for item in pending:
        path = f"/v1/verifications/{item['registration_id']}/decision"
        body = {"decision": "verify", "remarks": "", "version": item["version"]}
        decision_times.append(_timed(lambda p=path, b=body: call("POST", p, "/v1/verifications/{id}/decision", b)))
        decision_baselines.append(_timed(lambda r=item["registration_id"]: _raw_decision(raw, settings, r)))
    per = {k: v // len(pending) for k, v in Counter(calls.take()).items()}
    dynamodb_calls = ", ".join(
        f"{k.split(':')[1]} x{v}" for k, v in sorted(per.items()) if k.startswith("dynamodb") and v
    )
    median, base = statistics.median(decision_times), statistics.median(decision_baselines)
    return (
        f"| decision (verify), 50 pending | {median:.1f} | {_p95(decision_times):.1f} | {base:.1f} | "
        f"{median / base:.2f} | {dynamodb_calls} (+ kms:Sign x{per.get('kms:Sign', 0)}) | - |"
    )


def _raw_decision(raw: Any, settings: Any, registration_id: str) -> None:
    """The same two calls a decision makes: read the record, then one transaction."""
    found = raw.query(
        TableName=settings.registrations_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": registration_id}},
        ConsistentRead=True,
    )["Items"]
    item = {**found[0], "pk": {"S": f"BASE-{registration_id}"}}
    raw.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": settings.registrations_table, "Item": item}},
            {
                "Put": {
                    "TableName": settings.events_table,
                    "Item": {"pk": {"S": f"base#{registration_id}"}, "seq": {"N": "1"}, "body": {"S": "x" * 1500}},
                }
            },
            {
                "Put": {
                    "TableName": settings.notifications_table,
                    "Item": {"pk": {"S": f"base#{registration_id}"}, "sk": {"S": "1"}},
                }
            },
        ]
    )
