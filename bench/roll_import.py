"""Roll import at 10,000 and 100,000 lines (1% of them bad) on moto: rows/s, DynamoDB calls per line,
and how many Lambda invocations it took. The baseline, measured in the same run, is the import's own
AWS calls replayed verbatim (bench/replay.py); the time inside those calls is reported too.
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any

import boto3

from bench.register_routes import _environment
from bench.replay import Comparison, unrecorded
from core.auth import Principal, Role
from core.clock import SettableClock, install_clock
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
        sqs = boto3.client("sqs")
        invocations = 0

        def invoke_all() -> None:
            """Every message on the queue, one invocation each, until none is left (the importer queues
            its own continuations); receiving and deleting the messages is the bench's, not timed."""
            nonlocal invocations
            while True:
                with unrecorded():
                    received = sqs.receive_message(QueueUrl=settings.roll_import_queue_url, MaxNumberOfMessages=1)
                messages = received.get("Messages", [])
                if not messages:
                    return
                event = sqs_event(messages, "arn:aws:sqs:ap-south-1:123456789012:roll-import", "ap-south-1")
                response = importer.lambda_handler(event, LocalLambdaContext("RollImportFunction", timeout_seconds=900))
                assert response == {"batchItemFailures": []}, response
                with unrecorded():
                    sqs.delete_message(
                        QueueUrl=settings.roll_import_queue_url, ReceiptHandle=messages[0]["ReceiptHandle"]
                    )
                invocations += 1

        comparison = Comparison()
        comparison.measure("import", invoke_all)
        measured = comparison.measured["import"]
        run = importer.wiring.importer._runs.get(PROGRAMME.programme_id, started_import.run.import_id)
        assert run is not None and run.status.value == "COMPLETED", run
        assert run.counts.inserted == size - size // BAD_EVERY and run.counts.errors == size // BAD_EVERY, run.counts
        return {
            "size": size,
            "measured": measured,
            "calls": measured.per_request(),
            "invocations": invocations,
            "counts": run.counts,
        }


def run() -> str:
    rows = []
    for r in map(_import, SIZES):
        size, measured = r["size"], r["measured"]
        seconds, replay, aws = measured.median / 1000, measured.replay / 1000, measured.aws / 1000
        made = sorted(r["calls"].items())
        per_line = ", ".join(f"{name.split(':')[1]} {count / size:.3f}" for name, count in made if "dynamodb" in name)
        other = ", ".join(f"{name} {count}" for name, count in made if "dynamodb" not in name)
        rows.append(
            f"| {size:,} | {r['counts'].inserted:,} | {r['counts'].errors:,} | {seconds:.1f} | "
            f"{size / seconds:,.0f} | {replay:.1f} | {seconds / replay:.2f} | {aws:.1f} | {seconds / aws:.2f} | "
            f"{r['invocations']} | {per_line} | {other} |"
        )
    lines = [
        "## Roll import, in-process on moto (1% of lines invalid)\n",
        "| lines | inserted | errors | seconds | lines/s | replayed calls s | ratio | in its AWS calls s | ratio "
        "| invocations (messages) | DynamoDB calls per line | other calls in all |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        *rows,
        "\n*Seconds*: the importer's invocations, one per message, until the queue is empty (receiving and "
        "deleting the messages is not counted). *Replayed calls*: every AWS call those invocations made, sent "
        "again verbatim through the same boto3 clients after moto's DynamoDB tables are put back as they were "
        "before the import (bench/replay.py); *in its AWS calls*: the time the invocations spent inside them. "
        "Per 100 lines: one BatchGetItem (what the roll holds already) and four BatchWriteItem (25 new "
        "entries each); one checkpoint PutItem (and GetItem) per 2,000 lines. The invocation count includes "
        "moto's s3:TestEvent message when the notification is set up. Counted calls carry over to DynamoDB; "
        "moto's per-call time does not.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
