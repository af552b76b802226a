"""Grievance routes on moto: time against the same AWS calls replayed (bench/replay.py) and inside them,
round trips per request, and round trips and items read per officer queue page with 50 and with 5,000
open grievances in the unit."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3

from bench.register_routes import SAMPLES, _environment, enrol
from bench.replay import ALIGN, COLUMNS, NOTE, Comparison
from bench.verify_routes import items_read
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
SIZES = (50, 5000)  # open grievances in the officer's unit
OTHERS = 1000  # open grievances of another unit in the same table
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
    return _report(compare(SAMPLES))


def compare(samples: int, sizes: tuple[int, int] = SIZES, others: int = OTHERS) -> Comparison:
    """`samples` filings, details and actions while the table is small, then the officer's queue page
    with `sizes[0]` and with `sizes[1]` open grievances in the unit, `samples` times each, every sample
    followed by its replayed baseline; `others` open grievances of another unit share the table."""
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
        _load(raw, store, settings.grievances_table, _open("GRV-HSR-L1", others, 900_000))
        call("GET", "/v1/grievances", "/v1/grievances", officer)  # warm: programme cache, officer activity
        comparison = Comparison()
        _requests(comparison, call, samples, officer)
        _load(raw, store, settings.grievances_table, _open(UNIT, sizes[0] - samples, 0))
        cursor = call("GET", "/v1/grievances", "/v1/grievances", officer, query="limit=25")["next_cursor"]
        for size in sizes:
            if size > sizes[0]:
                _load(raw, store, settings.grievances_table, _open(UNIT, size - sizes[0], sizes[0]))
            for _ in range(samples):
                comparison.measure(
                    f"officer queue page (limit 25, not the first), {size} open in the unit",
                    lambda: call("GET", "/v1/grievances", "/v1/grievances", officer, query=f"limit=25&cursor={cursor}"),
                )
    return comparison


def _report(comparison: Comparison) -> str:
    rows, pages = [], []
    for label, measured in comparison.measured.items():
        made = measured.per_request()
        calls = ", ".join(f"{k.split(':')[1]} x{v}" for k, v in sorted(made.items()) if k.startswith("dynamodb"))
        other = " ".join(f"(+ {k} x{v})" for k, v in sorted(made.items()) if not k.startswith("dynamodb"))
        read = "-"
        if label.startswith("officer queue page"):
            pages.append(items_read(measured))
            read = str(pages[-1][1])
        rows.append(f"| {label} | {measured.cells()} | {calls}{' ' + other if other else ''} | {read} |")
    equal = len(set(map(str, pages))) == 1
    lines = [
        f"## Grievance routes, in-process on moto ({SAMPLES} samples each)\n",
        f"| request | {COLUMNS} | AWS calls per request | items read per Query |",
        f"|---|{ALIGN}|---|---|",
        *rows,
        f"\n{NOTE}\n",
        f"Queries and items read per officer queue page at {SIZES[0]:,} and at {SIZES[1]:,} open grievances: "
        f"{'equal' if equal else 'NOT equal'} ({' vs '.join(map(str, pages))}). {OTHERS:,} open grievances of "
        "another unit share the table and cost nothing. An officer's first request in an hour adds one UpdateItem "
        "(last_seen); the runs above are within one hour. moto's Query time grows with the table, so the medians "
        "are reported, not targeted.",
    ]
    return "\n".join(lines) + "\n"


def _requests(comparison: Comparison, call: Callable[..., Any], samples: int, officer: dict[str, str]) -> None:
    """File, read and act on `samples` grievances while the table is small (moto's transactions copy
    the tables they touch)."""
    # Employees of the Panchkula DDOs, so every filing lands in the measured unit's queue.
    codes = [e.employee_code for e in demo_roll() if e.record.engagement.ddo_code.startswith("DDO-PKL")]
    employees = {code: enrol(f"sub-{code}", code.lower(), Role.EMPLOYEE, employee_code=code) for code in codes}
    for claims in employees.values():  # each caller's directory link read once, before any timing
        call("GET", "/v1/grievances", "/v1/grievances", claims)
    filed = []
    for n in range(samples):
        employee = employees[codes[n % len(codes)]]
        filed.append(
            comparison.measure("file", lambda e=employee: call("POST", "/v1/grievances", "/v1/grievances", e, FILING))
        )
    for g in filed:
        path = f"/v1/grievances/{g['grievance_id']}"
        comparison.measure("detail (with timeline)", lambda p=path: call("GET", p, "/v1/grievances/{id}", officer))
        comparison.measure(
            "action (accept)",
            lambda p=path, v=g["version"]: call(
                "POST", f"{p}/actions", "/v1/grievances/{id}/actions", officer, {"action": "accept", "version": v}
            ),
        )
