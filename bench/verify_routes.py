"""The DDO's queue page and decision on moto: time against the same AWS calls replayed (bench/replay.py)
and inside them, round trips, and items read per queue page with 50 and with 5,000 pending records for
the DDO."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import boto3

from bench.register_routes import SAMPLES, _environment, enrol
from bench.replay import ALIGN, COLUMNS, NOTE, Comparison, Measured
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
SIZES = (50, 5000)  # records pending for the DDO: the decisions run at the first size
OTHERS = 1000  # records of another DDO in the same table


class Items:
    """Items DynamoDB read (ScannedCount) per Query, from a botocore after-call hook (the sweep bench's)."""

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
    return _report(compare(SAMPLES))


def compare(samples: int, sizes: tuple[int, int] = SIZES, others: int = OTHERS) -> Comparison:
    """The queue page with `sizes[0]` records pending for the DDO, decisions on `samples` of them, the
    queue page with `sizes[1]` pending: `samples` of each, every sample followed by its replayed
    baseline; `others` records of another DDO share the table."""
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

        def call(method: str, path: str, route: str, body: Any = None, query: str = "") -> dict[str, Any]:
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
        _load(raw, store, settings.registrations_table, _pending("DDO-HSR-001", others, 900_000))
        _load(raw, store, settings.registrations_table, _pending("DDO-PKL-001", sizes[0], 0))
        call("GET", "/v1/verifications", "/v1/verifications", query="limit=25")  # warm the programme cache
        comparison = Comparison()
        cursor = call("GET", "/v1/verifications", "/v1/verifications", query="limit=25")["next_cursor"]

        def pages(size: int) -> None:
            for _ in range(samples):
                comparison.measure(
                    f"queue page (limit 25, not the first), {size} pending",
                    lambda: call("GET", "/v1/verifications", "/v1/verifications", query=f"limit=25&cursor={cursor}"),
                )

        pages(sizes[0])
        # Decisions are measured while the table is small: moto's transactions copy the tables they touch.
        pending = call("GET", "/v1/verifications", "/v1/verifications", query=f"limit={samples}")["items"]
        for item in pending:
            path = f"/v1/verifications/{item['registration_id']}/decision"
            body = {"decision": "verify", "remarks": "", "version": item["version"]}
            comparison.measure(
                f"decision (verify), {sizes[0]} pending",
                lambda p=path, b=body: call("POST", p, "/v1/verifications/{id}/decision", b),
            )
        _load(raw, store, settings.registrations_table, _pending("DDO-PKL-001", sizes[1] - sizes[0], sizes[0]))
        pages(sizes[1])
    return comparison


def items_read(measured: Measured) -> tuple[int, list[int]]:
    """Queries per request, and the distinct numbers of items each Query read (its ScannedCount)."""
    queries = [c for s in measured.samples for c in s.calls if c.name == "dynamodb:Query"]
    return len(queries) // len(measured.samples), sorted({int(c.response.get("ScannedCount", 0)) for c in queries})


def _report(comparison: Comparison) -> str:
    rows, pages = [], []
    for label, measured in comparison.measured.items():
        made = measured.per_request()
        dynamodb = ", ".join(f"{k.split(':')[1]} x{v}" for k, v in sorted(made.items()) if k.startswith("dynamodb"))
        other = " ".join(f"(+ {k} x{v})" for k, v in sorted(made.items()) if not k.startswith("dynamodb"))
        read = "-"
        if label.startswith("queue page"):
            pages.append(items_read(measured))
            read = str(pages[-1][1])
        rows.append(f"| {label} | {measured.cells()} | {dynamodb}{' ' + other if other else ''} | {read} |")
    equal = len(set(map(str, pages))) == 1
    lines = [
        f"## Verification queue and decision, in-process on moto ({SAMPLES} samples each)\n",
        f"| request | {COLUMNS} | AWS calls per request | items read per Query |",
        f"|---|{ALIGN}|---|---|",
        *rows,
        f"\n{NOTE}\n",
        f"Queries and items read per queue page at {SIZES[0]:,} and at {SIZES[1]:,} pending: "
        f"{'equal' if equal else 'NOT equal'} ({' vs '.join(map(str, pages))}). {OTHERS:,} records of another DDO "
        "share the table and cost nothing. The first page adds one BatchGetItem for the counts. moto's Query time "
        "grows with the table, so the medians are reported, not targeted.",
    ]
    return "\n".join(lines) + "\n"
