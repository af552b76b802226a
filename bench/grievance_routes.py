"""Grievance routes on moto: time against raw boto3, DynamoDB round trips per request, and round
trips and items read per officer queue page with 50 and with 5,000 open grievances in the unit."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3

from bench.register_routes import SAMPLES, Calls, _environment, _p95, _timed, enrol
from bench.verify_routes import Items
from core.audit import GENESIS_HASH
from core.auth import Role
from core.clock import IST, SettableClock, install_clock
from core.grievance import Grievance, GrievanceStatus, Level, due_after
from core.store.grievances import GrievanceStore
from core.store.programmes import ProgrammeStore
from core.store.roll import RollStore
from infra.local.events import LocalLambdaContext, http_api_event
from infra.local.seed import PROGRAMME, demo_roll

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=IST)
UNIT = "GRV-PKL-L1"
FILING = {
    "category": "salary_not_paid",
    "subject": "Salary not paid",
    "description": "My salary for the last two months has not been credited.",
}


def _open(unit: str, count: int, start: int) -> list[Grievance]:
    return [
        Grievance(
            grievance_id=f"GRV-{start + n:026d}",
            number=f"HR26-G-{start + n:08d}",
            programme_id="HR-2026",
            owner_sub=f"sub-{n}",
            employee_code=f"B-{start + n:06d}",
            ddo_code="DDO-PKL-001",
            department="Health",
            district="Panchkula",
            category="salary_not_paid",
            subject="Salary not paid",
            description="Salary not credited for two months.",
            level=Level.L1,
            unit=unit,
            status=GrievanceStatus.OPEN,
            version=1,
            event_head=GENESIS_HASH,
            filed_at=NOW - timedelta(minutes=start + n),
            updated_at=NOW,
            due_at=due_after(NOW, 7),
        )
        for n in range(count)
    ]


def _load(raw: Any, store: GrievanceStore, table: str, grievances: list[Grievance]) -> None:
    puts = [{"PutRequest": {"Item": store.create(g).request["Item"]}} for g in grievances]
    for i in range(0, len(puts), 25):
        batch: dict[str, Any] = {table: puts[i : i + 25]}
        while batch:
            batch = raw.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}


def run() -> str:
    with _environment():
        clock = SettableClock()
        clock.set(NOW, frozen=True)
        install_clock(clock)
        from grievance import handler  # noqa: PLC0415 - after the environment it reads is set

        settings = handler.get_settings()
        raw = boto3.client("dynamodb")
        ProgrammeStore(raw, boto3.resource("dynamodb"), settings.settings_table, 0).put(PROGRAMME)
        roll = RollStore(raw, settings.roll_table)
        for entry in demo_roll():
            roll.put(entry)
        store = GrievanceStore(raw, settings.grievances_table)
        calls, items = Calls(), Items()
        aws = handler.wiring.aws
        for client in (aws.dynamodb, aws.resource("dynamodb").meta.client):
            client.meta.events.register("before-call.*", calls)
        aws.dynamodb.meta.events.register("after-call.dynamodb.Query", items)
        officer = enrol("officer1", "officer1", Role.OFFICER, unit=UNIT)

        def call(method: str, path: str, route: str, claims: dict[str, str], body: Any = None, query: str = "") -> Any:
            parts = path.split("/")
            event = http_api_event(
                method=method,
                route=route,
                path=path,
                query=query,
                path_parameters={"id": parts[3]} if "{id}" in route else None,
                headers={"content-type": "application/json"},
                body=None if body is None else json.dumps(body).encode(),
                claims=claims,
            )
            response = handler.lambda_handler(event, LocalLambdaContext("grievance"))
            assert response["statusCode"] < 300, response
            return json.loads(response["body"])

        # Another unit's work shares the table; it must not cost this unit anything.
        _load(raw, store, settings.grievances_table, _open("GRV-HSR-L1", 1000, 900_000))
        call("GET", "/v1/grievances", "/v1/grievances", officer)  # warm: programme cache, officer activity
        rows = _requests(call, calls, raw, settings, officer)
        _load(raw, store, settings.grievances_table, _open(UNIT, 50 - SAMPLES, 0))
        first = call("GET", "/v1/grievances", "/v1/grievances", officer, query="limit=25")
        cursor = first["next_cursor"]

        results: dict[int, tuple[int, list[int]]] = {}
        for size in (50, 5000):
            if size == 5000:
                _load(raw, store, settings.grievances_table, _open(UNIT, 4950, 50))
            timings, baselines = [], []
            calls.take()
            items.read.clear()
            for _ in range(SAMPLES):
                timings.append(
                    _timed(
                        lambda: call(
                            "GET", "/v1/grievances", "/v1/grievances", officer, query=f"limit=25&cursor={cursor}"
                        )
                    )
                )
                baselines.append(
                    _timed(
                        lambda: raw.query(
                            TableName=settings.grievances_table,
                            IndexName="unit_queue",
                            KeyConditionExpression="queue_unit = :u",
                            ExpressionAttributeValues={":u": {"S": UNIT}},
                            Limit=25,
                        )
                    )
                )
            made = Counter(calls.take())
            results[size] = (made["dynamodb:Query"] // SAMPLES, sorted(set(items.read)))
            rows.append(
                f"| officer queue page (limit 25, not the first), {size} open in the unit | "
                f"{statistics.median(timings):.1f} | {_p95(timings):.1f} | {statistics.median(baselines):.1f} | "
                f"{statistics.median(timings) / statistics.median(baselines):.2f} | "
                f"Query x{results[size][0]} | {results[size][1]} |"
            )

    equal = results[50] == results[5000]
    lines = [
        f"## Grievance routes, in-process on moto ({SAMPLES} samples each)\n",
        "| request | median ms | p95 ms | raw boto3 median ms | ratio | DynamoDB calls per request "
        "| items read per Query |",
        "|---|---:|---:|---:|---:|---|---|",
        *rows,
        f"\nQueries and items read per officer queue page at 50 and at 5,000 open grievances: "
        f"{'equal' if equal else 'NOT equal'} ({results[50]} vs {results[5000]}). 1,000 open grievances of another "
        "unit share the table and cost nothing. An officer's first request in an hour adds one UpdateItem "
        "(last_seen); the runs above are within one hour. moto's Query time grows with the table, so the medians "
        "are reported, not targeted.",
    ]
    return "\n".join(lines) + "\n"


def _requests(call: Callable[..., Any], calls: Calls, raw: Any, settings: Any, officer: dict[str, str]) -> list[str]:
    """File, read and act on SAMPLES grievances while the table is small (moto copies tables in transactions)."""
    rows = []
    filed = []
    per_route: dict[str, tuple[list[float], list[float], Counter[str]]] = {}
    kms = boto3.client("kms")  # the baseline of a filing signs its receipt too

    def measure(name: str, action: Callable[[], Any], baseline: Callable[[], Any]) -> Any:
        timings, baselines, made = per_route.setdefault(name, ([], [], Counter()))
        calls.take()
        result: list[Any] = []
        timings.append(_timed(lambda: result.append(action())))
        made.update(calls.take())
        baselines.append(_timed(baseline))
        return result[0]

    # Employees of the Panchkula DDOs, so every filing lands in the measured unit's queue.
    codes = [e.employee_code for e in demo_roll() if e.record.engagement.ddo_code.startswith("DDO-PKL")]
    employees = {code: enrol(f"sub-{code}", code.lower(), Role.EMPLOYEE, employee_code=code) for code in codes}
    for n in range(SAMPLES):
        employee = employees[codes[n % len(codes)]]
        created = measure(
            "file",
            lambda e=employee: call("POST", "/v1/grievances", "/v1/grievances", e, FILING),
            lambda n=n: (
                _raw_sign(kms, settings),  # the filing's receipt
                _raw_write(raw, settings, f"file-{n}", read=lambda: _raw_roll(raw, settings), counters=6, notices=2),
            ),
        )
        filed.append(created)
    for g in filed:
        gid, path = g["grievance_id"], f"/v1/grievances/{g['grievance_id']}"
        measure(
            "detail (with timeline)",
            lambda p=path: call("GET", p, "/v1/grievances/{id}", officer),
            lambda gid=gid: (_raw_read(raw, settings, gid), _raw_events(raw, settings, gid)),
        )
        measure(
            "action (accept)",
            lambda p=path, v=g["version"]: call(
                "POST", f"{p}/actions", "/v1/grievances/{id}/actions", officer, {"action": "accept", "version": v}
            ),
            lambda gid=gid: _raw_write(
                raw, settings, f"act-{gid}", read=lambda: _raw_read(raw, settings, gid), counters=5, notices=1
            ),
        )
    for name, (timings, baselines, made) in per_route.items():
        per = {k.split(":")[1]: v // SAMPLES for k, v in sorted(made.items()) if k.startswith("dynamodb") and v}
        median, base = statistics.median(timings), statistics.median(baselines)
        rows.append(
            f"| {name} | {median:.1f} | {_p95(timings):.1f} | {base:.1f} | {median / base:.2f} | "
            f"{', '.join(f'{k} x{v}' for k, v in per.items())} | - |"
        )
    return rows


def _raw_sign(kms: Any, settings: Any) -> Any:
    return kms.sign(
        KeyId=settings.signing_key_id, Message=b"r" * 700, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
    )


def _raw_roll(raw: Any, settings: Any) -> Any:
    return raw.get_item(
        TableName=settings.roll_table, Key={"employee_code": {"S": "EMP-0001"}, "programme_id": {"S": "HR-2026"}}
    )


def _raw_read(raw: Any, settings: Any, grievance_id: str) -> Any:
    return raw.query(
        TableName=settings.grievances_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": grievance_id}},
        ConsistentRead=True,
    )


def _raw_events(raw: Any, settings: Any, grievance_id: str) -> Any:
    return raw.query(
        TableName=settings.events_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": f"grievance#{grievance_id}"}},
        ConsistentRead=True,
    )


def _raw_write(raw: Any, settings: Any, key: str, read: Callable[[], Any], *, counters: int, notices: int) -> None:
    """The same shape of work: one read, then one transaction of the record, its event, `counters`
    counter updates and `notices` notification requests."""
    read()
    items: list[dict[str, Any]] = [
        {"Put": {"TableName": settings.grievances_table, "Item": {"pk": {"S": f"base#{key}"}, "sk": {"S": "G"}}}},
        {
            "Put": {
                "TableName": settings.events_table,
                "Item": {"pk": {"S": f"base#{key}"}, "seq": {"N": "1"}, "body": {"S": "x" * 1200}},
            }
        },
    ]
    items += [
        {
            "Update": {
                "TableName": settings.counters_table,
                "Key": {"pk": {"S": f"base#{key}#{n}"}, "sk": {"S": "shard#0"}},
                "UpdateExpression": "ADD #c :one",
                "ExpressionAttributeNames": {"#c": "OPEN"},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }
        for n in range(counters)
    ]
    items += [
        {"Put": {"TableName": settings.notifications_table, "Item": {"pk": {"S": f"base#{key}"}, "sk": {"S": str(n)}}}}
        for n in range(notices)
    ]
    raw.transact_write_items(TransactItems=items)
