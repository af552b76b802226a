"""Faults lose nothing in the queue workers: every SQS consumer of the template, with an AWS fault
injected at each of its calls in turn (tests/integration/fault_injection.py).

For each fault, either the message is handled and the state is exactly the clean run's (a notification
that went out may stay unconfirmed in its ledger: see UNCONFIRMED), or the message is reported as a
batch item failure (the checkpoint requests, one checkpoint a batch, fail as a whole), so that it goes
back to its queue; and then its redelivery completes without applying anything twice: the state is
exactly the clean run's. Between the two the state may show the message's work in progress (the
records done, the checkpoint request not yet sent; events sequenced, the checkpoint not yet signed):
every record changes in one transaction with its events, counters and outbox (the HTTP sweeps check
that), and no client reads a worker's state half-way. Each message names one record (or recipient).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3
import requests

from admin import importer as admin_importer
from auth import handler as auth_handler
from core.clock import IST, SettableClock
from core.notices import Contact, NoticePolicy
from core.store.programmes import ProgrammeStore
from grievance import settings as grievance_settings
from infra.local.events import LocalLambdaContext
from infra.local.poller import sqs_event
from infra.local.template import LocalContext, load_template, sqs_sources
from register import handler as register_handler
from register import settings as register_settings
from reminders import worker as reminders_worker
from tests import factories
from tests.factories import PKL_UNIT, employee
from tests.integration.conftest import call
from tests.integration.fault_injection import UNCONFIRMED, Answer, Lab, Sweep
from tests.integration.test_faults import ADMIN
from tests.integration.test_grievances import DUE_L1, filed
from tests.integration.test_registration_journey import PDF, complete_draft, put_object, submit
from tests.integration.test_roll_import import roll_file, roll_line
from transparency import log as transparency_log

MESSAGE = "message-1"
UNIT_CONTACT = Contact(mobile="9876500001", email="cell.panchkula@example.gov.in")
AFTER_REGISTRATION = datetime(2026, 2, 1, 9, 0, tzinfo=IST)
AFTER_VERIFICATION = datetime(2026, 3, 1, 9, 0, tzinfo=IST)


def delivered(function_id: str, handler: Any, body: dict[str, Any] | str) -> Callable[[], Answer]:
    """One message, delivered to the function as Lambda's SQS poller delivers it."""
    (source,) = [s for s in sqs_sources(load_template()) if s.function_id == function_id]
    text = body if isinstance(body, str) else json.dumps(body)
    event = sqs_event([{"MessageId": MESSAGE, "ReceiptHandle": MESSAGE, "Body": text}], source.queue_id, "ap-south-1")

    def deliver() -> Answer:
        try:
            response = handler.lambda_handler(event, LocalLambdaContext(function_id))
        except Exception as error:  # noqa: BLE001 - a batch that fails as a whole: Lambda retries all of it
            return Answer(raised=type(error).__name__)
        failures = response.get("batchItemFailures")
        return Answer(body=response, failed_messages=[f["itemIdentifier"] for f in failures or []])

    return deliver


# Every SQS consumer of the template, by function and queue: each is swept below.
SWEPT = frozenset(
    {
        ("RegisterFunction", "UploadEventsQueue"),
        ("AuthFunction", "OtpQueue"),
        ("RollImportFunction", "RollImportQueue"),
        ("RemindersWorkerFunction", "JobWorkQueue"),
        ("TransparencyLogFunction", "CheckpointRequestQueue"),
    }
)


def test_every_queue_consumer_of_the_template_is_swept() -> None:
    assert {(s.function_id, s.queue_id) for s in sqs_sources(load_template())} == SWEPT


def defects(sweep: Sweep) -> list[str]:
    found = []
    for p in sweep.positions:
        where = f"{sweep.name}: {p.fault} at call {p.index} ({p.call})"
        answer = p.answer
        if answer.succeeded:
            if p.left not in ("after", UNCONFIRMED):
                found.append(f"{where}: handled the message and left the state {p.left} {p.torn[:4]}")
            continue
        if answer.raised is None and answer.failed_messages != [MESSAGE]:
            found.append(f"{where}: answered {answer}")
        if p.retried is None or not p.retried.succeeded:
            found.append(f"{where}: the redelivered message failed: {p.retried}")
        elif p.after_retry:
            found.append(f"{where}: the redelivery left a state other than the clean run's: {p.after_retry[:4]}")
    return found


def sweep(lab: Lab, name: str, action: Callable[[], Answer]) -> None:
    done = lab.sweep(name, action)
    assert done.injected > 0, f"{name}: made no AWS call"


def nothing_lost(lab: Lab) -> None:
    found = [defect for done in lab.sweeps for defect in defects(done)]
    injected = sum(done.injected for done in lab.sweeps)
    assert not found, f"{len(found)} outcomes of {injected} faults broke the rule:\n" + "\n".join(found)


def queued(stack: LocalContext, queue_id: str) -> list[str]:
    """The bodies waiting in a queue, taken off it (to be delivered by hand)."""
    url, sqs = stack.physical[queue_id]["Ref"], boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [m["Body"] for m in messages]


# ---------------------------------------------------------------- the register function's upload check
def test_the_upload_check(lab: Lab) -> None:
    # Given a draft whose document has arrived in S3 but was never confirmed
    reg = call("POST", "/v1/registrations", as_=employee(), body={}).body["registration_id"]
    grant = call(
        "POST",
        f"/v1/registrations/{reg}/documents",
        as_=employee(),
        body={"type": "appointment_letter", "content_type": "application/pdf", "size_bytes": len(PDF)},
    ).body
    key = grant["upload"]["fields"]["key"]
    put_object(key, PDF)
    # When S3's event reaches the function
    event = {"Records": [{"s3": {"object": {"key": key}}}]}
    sweep(lab, "upload check (UploadEventsQueue)", delivered("RegisterFunction", register_handler, event))
    nothing_lost(lab)


# ---------------------------------------------------------------- the sign-in function's OTP sender
def test_the_otp_sender(lab: Lab, seeded: LocalContext) -> None:
    asked = call("POST", "/v1/auth/otp", as_=None, body={"employee_code": "EMP-0001"})
    [body] = queued(seeded, "OtpQueue")
    assert json.loads(body) == {"challenge_id": asked.body["challenge_id"]}
    sweep(lab, "OTP SMS (OtpQueue)", delivered("AuthFunction", auth_handler, body))
    nothing_lost(lab)


# ---------------------------------------------------------------- the roll import
def test_the_roll_import(lab: Lab, seeded: LocalContext) -> None:
    started = call("POST", "/v1/admin/roll-imports", as_=ADMIN, body={"filename": "roll-2026.csv"})
    grant = started.body["upload"]
    content = roll_file(roll_line("EMP-0101"), roll_line("EMP-0102", mobile="9812300002"))
    posted = requests.post(grant["url"], data=grant["fields"], files={"file": ("roll.csv", content)}, timeout=10)
    assert posted.status_code in (200, 204), posted.text
    [body] = [b for b in queued(seeded, "RollImportQueue") if "ObjectCreated" in b]  # S3's event (not its test)
    sweep(lab, "roll import (RollImportQueue)", delivered("RollImportFunction", admin_importer, body))
    nothing_lost(lab)


# ---------------------------------------------------------------- the deadline jobs' worker
def test_the_deadline_jobs_worker(lab: Lab, clock: SettableClock) -> None:
    # Given a draft never submitted and a submission never decided
    draft = call("POST", "/v1/registrations", as_=employee(), body={}).body["registration_id"]
    other = employee("EMP-0002")
    reg, version = complete_draft(as_=other)
    assert submit(reg, version, as_=other).status == 200
    # When registration closes, the draft lapses
    clock.set(AFTER_REGISTRATION, frozen=True)
    lapse = {
        "job": "close-registration",
        "programme_id": "HR-2026",
        "deadline": factories.REGISTRATION_CLOSES.isoformat(),
        "ddo_code": "DDO-PKL-001",
        "registration_ids": [draft],
    }
    worker = "RemindersWorkerFunction"
    sweep(lab, "close-registration (JobWorkQueue)", delivered(worker, reminders_worker, lapse))
    # And when verification closes, the undecided submission goes to the HoD
    clock.set(AFTER_VERIFICATION, frozen=True)
    escalate = {
        **lapse,
        "job": "close-verification",
        "deadline": factories.VERIFICATION_CLOSES.isoformat(),
        "registration_ids": [reg],
    }
    sweep(lab, "close-verification (JobWorkQueue)", delivered(worker, reminders_worker, escalate))
    nothing_lost(lab)


def test_the_grievance_and_notice_workers(lab: Lab, clock: SettableClock) -> None:
    # Given the Panchkula cell has a mobile and an e-mail, and a grievance filed there
    settings, aws = register_settings.get_settings(), register_handler.wiring.aws
    programme = factories.programme(notices=NoticePolicy(contacts={f"unit:{PKL_UNIT}": UNIT_CONTACT}))
    ProgrammeStore(aws.dynamodb, aws.resource("dynamodb"), settings.settings_table, 0).put(programme)
    gid, _ = filed()
    worker = "RemindersWorkerFunction"
    # When its outbox request to the cell is delivered: an SMS and an e-mail
    table = grievance_settings.get_settings().notifications_table
    requests_ = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"request#grievance#{gid}"}},
    )["Items"]
    [to_cell] = [r for r in requests_ if r["recipient"]["S"] == f"unit:{PKL_UNIT}"]
    notice = {
        "job": "deliver-notifications",
        "programme_id": "HR-2026",
        "requests": [{"pk": to_cell["pk"]["S"], "sk": to_cell["sk"]["S"]}],
    }
    sweep(lab, "deliver-notifications (JobWorkQueue)", delivered(worker, reminders_worker, notice))
    # And a reminder to one employee
    remind = {
        "job": "registration-reminders",
        "programme_id": "HR-2026",
        "campaign": "registration-reminders#2026-01-31#T-7",
        "template": "registration_reminder",
        "day": "2026-01-24",
        "items": [{"recipient": "employee:EMP-0003", "data": {"days_left": 7, "closes_on": "31-01-2026"}}],
    }
    sweep(lab, "registration-reminders (JobWorkQueue)", delivered(worker, reminders_worker, remind))
    # And once its SLA has passed, the grievance is escalated
    clock.set(DUE_L1 + timedelta(seconds=1), frozen=True)
    escalate = {"job": "grievance-sla", "programme_id": "HR-2026", "action": "escalate", "grievance_ids": [gid]}
    sweep(lab, "grievance-sla (JobWorkQueue)", delivered(worker, reminders_worker, escalate))
    nothing_lost(lab)


# ---------------------------------------------------------------- the transparency log's checkpoint requests
def test_the_checkpoint_requests(lab: Lab) -> None:
    # Given events not yet in the log (a registration created)
    call("POST", "/v1/registrations", as_=employee(), body={})
    request = {"after": "close-registration"}
    sweep(
        lab,
        "checkpoint (CheckpointRequestQueue)",
        delivered("TransparencyLogFunction", transparency_log, request),
    )
    nothing_lost(lab)
