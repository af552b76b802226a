"""Roll import at 10,000 and 100,000 lines (1% of them bad) on moto: rows/s, DynamoDB calls per line,
and how many Lambda invocations it took. The baseline, measured in the same run, is the raw load of
the same entries with BatchWriteItem alone (no reading, validation, checkpoints or report).
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections import Counter
from typing import Any

import boto3

from bench.register_routes import Calls, _environment
from core.auth import Principal, Role
from core.clock import SettableClock, install_clock
from core.store.dynamo import marshal
from core.store.programmes import ProgrammeStore
from infra.local.events import LocalLambdaContext
from infra.local.poller import sqs_event
from infra.local.seed import PROGRAMME

SIZES = tuple(int(n) for n in os.environ.get("BENCH_IMPORT_SIZES", "10000,100000").split(","))
BAD_EVERY = 100  # one line in a hundred has a wrong mobile
ADMIN = Principal(sub="bench", username="bench-admin", roles=frozenset({Role.ADMIN}))
HEADER = (
    "employee_code,name,father_name,date_of_birth,gender,mobile,email,family_id,engagement_type,department,"
    "office,district,ddo_code,designation,monthly_pay,full_time,centrally_sponsored_scheme,bank_account_last4"
)


def roll_csv(size: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    for n in range(size):
        mobile = "12345" if n % BAD_EVERY == 0 else f"98{n:08d}"
        writer.writerow(
            [
                f"BEN-{n:07d}",
                "सुनीता देवी",
                "राम कुमार",
                "12-04-1988",
                "female",
                mobile,
                "",
                f"F{n:07d}",
                "direct_contract",
                "Health",
                "Civil Hospital Sector 6",
                "Panchkula",
                "DDO-PKL-001",
                "Staff Nurse",
                "32000",
                "yes",
                "no",
                f"{n % 10000:04d}",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _raw_load_seconds(table: str, size: int) -> float:
    """The baseline: the same number of entries, BatchWriteItem 25 at a time, nothing else."""
    raw = boto3.client("dynamodb")
    record = {"personal": {"name": "सुनीता देवी", "mobile": "9800000000"}, "engagement": {"ddo_code": "DDO-PKL-001"}}
    items = [
        marshal({"employee_code": f"RAW-{n:07d}", "programme_id": PROGRAMME.programme_id, "record": record})
        for n in range(size)
    ]
    started = time.perf_counter()
    for i in range(0, size, 25):
        batch: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[i : i + 25]]}
        while batch:
            batch = raw.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    return time.perf_counter() - started


def _import(size: int) -> dict[str, Any]:
    with _environment():
        install_clock(SettableClock())
        from admin import handler, importer  # noqa: PLC0415 - after the environment they read is set
        from admin import settings as admin_settings  # noqa: PLC0415

        handler.wiring.reset()
        importer.wiring.reset()
        settings = admin_settings.get_import_settings()
        ProgrammeStore(boto3.client("dynamodb"), boto3.resource("dynamodb"), settings.settings_table, 0).put(PROGRAMME)
        content = roll_csv(size)
        started_import = handler.wiring.imports.start(ADMIN, "bench.csv", max_bytes=len(content))
        boto3.client("s3").put_object(
            Bucket=settings.reports_bucket, Key=started_import.run.source_key, Body=content, ContentType="text/csv"
        )
        calls = Calls()
        importer.wiring.aws.dynamodb.meta.events.register("before-call.dynamodb.*", calls)
        sqs = boto3.client("sqs")
        invocations = 0
        started = time.perf_counter()
        while True:
            messages = sqs.receive_message(QueueUrl=settings.roll_import_queue_url, MaxNumberOfMessages=1).get(
                "Messages", []
            )
            if not messages:
                break
            event = sqs_event(messages, "arn:aws:sqs:ap-south-1:123456789012:roll-import", "ap-south-1")
            response = importer.lambda_handler(event, LocalLambdaContext("RollImportFunction", timeout_seconds=900))
            assert response == {"batchItemFailures": []}, response
            sqs.delete_message(QueueUrl=settings.roll_import_queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
            invocations += 1
        seconds = time.perf_counter() - started
        run = importer.wiring.importer._runs.get(PROGRAMME.programme_id, started_import.run.import_id)
        assert run is not None and run.status.value == "COMPLETED", run
        assert run.counts.inserted == size - size // BAD_EVERY and run.counts.errors == size // BAD_EVERY, run.counts
        baseline = _raw_load_seconds(settings.roll_table, size)
        return {
            "size": size,
            "seconds": seconds,
            "baseline": baseline,
            "calls": Counter(calls.take()),
            "invocations": invocations,
            "counts": run.counts,
        }


def run() -> str:
    rows = []
    for r in map(_import, SIZES):
        size = r["size"]
        per_line = ", ".join(
            f"{name.split(':')[1]} {count / size:.3f}" for name, count in sorted(r["calls"].items()) if count
        )
        rows.append(
            f"| {size:,} | {r['counts'].inserted:,} | {r['counts'].errors:,} | {r['seconds']:.1f} | "
            f"{size / r['seconds']:,.0f} | {size / r['baseline']:,.0f} | {r['seconds'] / r['baseline']:.2f} | "
            f"{r['invocations']} | {per_line} |"
        )
    lines = [
        "## Roll import, in-process on moto (1% of lines invalid)\n",
        "| lines | inserted | errors | seconds | lines/s | baseline lines/s (raw BatchWriteItem) | ratio "
        "| invocations (messages) | DynamoDB calls per line |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "\nPer 100 lines: one BatchGetItem (what the roll holds already) and four BatchWriteItem (25 new "
        "entries each); one checkpoint PutItem (and GetItem) per 2,000 lines. The invocation count includes "
        "moto's s3:TestEvent message when the notification is set up. Counted calls carry over to DynamoDB; "
        "moto's per-call time does not.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
