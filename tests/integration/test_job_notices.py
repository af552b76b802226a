"""People hear what the jobs do to their records, as they do when an officer acts: a lapsed draft, a
record escalated to the HoD, a grievance escalated or closed by the SLA job. Through the outbox (in the
change's own transaction) and the delivery ledger, so nothing is sent twice."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from core.clock import SettableClock
from infra.local.template import LocalContext
from reminders import settings as reminders_settings
from reminders import worker
from tests.integration.test_deadline_jobs import (
    AFTER_REGISTRATION,
    AFTER_VERIFICATION,
    _fresh_settings,
    a_draft,
    a_submission,
    drain,
    run_job,
)
from tests.integration.test_grievance_sla_job import JUST_AFTER_DUE
from tests.integration.test_grievances import RESOLUTION, act, filed, ok
from tests.integration.test_notification_delivery import Sends, attribute

pytestmark = pytest.mark.usefixtures("seeded", _fresh_settings.__name__)


@pytest.fixture
def sends() -> Sends:
    """Every SMS the worker publishes (SNS), with its real parameters."""
    recorded = Sends()
    worker.wiring.aws.client("sns").meta.events.register("before-parameter-build.sns.Publish", recorded.on_sms)
    return recorded


def requests_since(at: str) -> list[tuple[str, str]]:
    """(recipient, template) of every outbox request made at or after `at` (ISO), sorted."""
    table = reminders_settings.get_planner_settings().notifications_table
    items = boto3.resource("dynamodb").Table(table).scan()["Items"]  # a test may look at everything
    return sorted(
        (str(i["recipient"]), str(i["template"]))
        for i in items
        if str(i["pk"]).startswith("request#") and str(i.get("requested_at", "")) >= at
    )


def test_a_lapsed_draft_tells_its_employee_once_in_both_languages(
    stack: LocalContext, clock: SettableClock, sends: Sends
) -> None:
    # Given a draft not submitted by the deadline
    a_draft()
    # When close-registration lapses it, and deliver-notifications runs
    clock.set(AFTER_REGISTRATION, frozen=True)
    run_job("close-registration")
    drain(stack)
    assert requests_since(AFTER_REGISTRATION.isoformat()) == [("employee:EMP-0001", "registration_lapsed")]
    run_job("deliver-notifications")
    drain(stack)
    # Then the employee got one SMS, Hindi first, saying when registration closed and who can help
    (sms,) = sends.sms
    assert sms["PhoneNumber"] == "+919812345678"
    hindi, english = sms["Message"].split("\n")
    assert "31 जनवरी 2026, रात 11:59 बजे (IST)" in hindi and "DDO" in hindi
    assert "registration closed on 31 January 2026 at 11:59 pm IST" in english and "ask your DDO" in english
    assert attribute(sms, "AWS.MM.SMS.TemplateId") == "1107000000000000009"

    # When both jobs run again
    run_job("close-registration")
    run_job("deliver-notifications")
    drain(stack)
    # Then nobody hears anything twice
    assert len(sends.sms) == 1


def test_a_record_escalated_at_the_verification_deadline_tells_its_employee(
    stack: LocalContext, clock: SettableClock
) -> None:
    a_submission()
    clock.set(AFTER_VERIFICATION, frozen=True)
    run_job("close-verification")
    drain(stack)
    told = requests_since(AFTER_VERIFICATION.isoformat())
    assert ("employee:EMP-0001", "verification_escalated") in told


def test_the_sla_job_tells_the_employee_and_the_hod_as_an_officer_would(stack: Any, clock: SettableClock) -> None:
    # Given a grievance left past its SLA and one resolved with no feedback
    filed()
    resolved, version = filed()
    ok(act(resolved, version, "resolve", remarks=RESOLUTION))
    # When the SLA job escalates the first and closes the second
    clock.set(JUST_AFTER_DUE, frozen=True)
    run_job("grievance-sla")
    drain(stack)
    # Then the employee hears of both, and the HoD that a grievance is now theirs
    assert requests_since(JUST_AFTER_DUE.isoformat()) == [
        ("employee:EMP-0001", "grievance_closed"),
        ("employee:EMP-0001", "grievance_escalated"),
        ("hod:Health", "grievance_assigned"),
    ]
