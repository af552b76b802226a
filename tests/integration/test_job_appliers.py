"""A cold start of the worker builds only what the message's kind of work needs (on moto): its stores,
recorders and senders, and its AWS clients."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from reminders.appliers import wiring
from tests.integration.test_deadline_jobs import _fresh_settings, deliver, work_message
from tests.integration.test_job_planners import noting_builds

pytestmark = pytest.mark.usefixtures("seeded", _fresh_settings.__name__)

BUILT = (
    "ChangeRecorder",
    "CounterStore",
    "Deliverer",
    "EmailSender",
    "EventStore",
    "GrievanceRecorder",
    "GrievanceStore",
    "GrievanceSweeper",
    "NotificationStore",
    "ProgrammeStore",
    "RegistrationStore",
    "RollStore",
    "SmsSender",
    "WorkQueue",
)
GRIEVANCES = {"job": "grievance-sla", "programme_id": "HR-2026", "action": "escalate", "grievance_ids": ["GRV-NONE"]}
NOTICES = {"job": "deliver-notifications", "programme_id": "HR-2026", "requests": [{"pk": "request#none", "sk": "x"}]}
REMINDERS = {
    "job": "registration-reminders",
    "programme_id": "HR-2026",
    "campaign": "registration-reminders#T-7",
    "template": "no_such_template",  # nothing is sent: the senders are built, SNS and SES never called
    "day": "2026-01-24",
    "items": [{"recipient": "employee:EMP-0001", "data": {}}],
}


@pytest.mark.parametrize(
    ("message", "needs", "clients"),
    [
        (
            work_message("REG-NONE"),
            [
                "ChangeRecorder",
                "CounterStore",
                "EventStore",
                "NotificationStore",
                "ProgrammeStore",
                "RegistrationStore",
                "WorkQueue",
            ],
            ["dynamodb", "sqs"],
        ),
        (
            GRIEVANCES,
            [
                "CounterStore",
                "EventStore",
                "GrievanceRecorder",
                "GrievanceStore",
                "GrievanceSweeper",
                "NotificationStore",
                "ProgrammeStore",
            ],
            ["dynamodb"],
        ),
        (
            NOTICES,
            ["Deliverer", "EmailSender", "NotificationStore", "ProgrammeStore", "RollStore", "SmsSender"],
            ["dynamodb", "ses", "sns"],
        ),
        (
            REMINDERS,
            ["Deliverer", "EmailSender", "NotificationStore", "ProgrammeStore", "RollStore", "SmsSender"],
            ["dynamodb", "ses", "sns"],
        ),
    ],
    ids=["records", "grievances", "notices", "reminders"],
)
def test_a_message_builds_only_what_its_applier_needs(
    message: dict[str, Any], needs: list[str], clients: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a fresh cold start whose stores, recorders and senders note when they are built, and whose
    # boto3 session notes each client it makes
    built = noting_builds(monkeypatch, wiring, BUILT)
    made: set[str] = set()
    real_client = boto3.session.Session.client

    def client(session: boto3.session.Session, service: str, *args: Any, **kwargs: Any) -> Any:
        made.add(service)
        return real_client(session, service, *args, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", client)
    # When one message of the kind is worked, and then another
    assert deliver(("m-1", message)) == {"batchItemFailures": []}
    assert deliver(("m-2", message)) == {"batchItemFailures": []}
    # Then only its own parts were built, each once, and only its own clients
    assert sorted(built) == needs
    assert sorted(made) == clients
