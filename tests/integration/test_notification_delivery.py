"""Delivering the outbox on moto: deliver-notifications plans from the sparse pending index, the worker
sends each request as SMS (SNS with the DLT ids) and e-mail (an SES template), once, whatever happens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from core.clock import SettableClock
from core.notices import Contact, NoticePolicy
from core.store.programmes import ProgrammeStore
from register import handler as register_handler
from register import settings as register_settings
from reminders import worker
from tests import factories
from tests.factories import PKL_UNIT
from tests.integration.test_deadline_jobs import _fresh_settings, deliver, drain, run_job
from tests.integration.test_grievances import filed

pytestmark = pytest.mark.usefixtures("seeded", _fresh_settings.__name__)

UNIT_CONTACT = Contact(mobile="9876500001", email="cell.panchkula@example.gov.in")


class Sends:
    """Every SNS Publish and SES SendTemplatedEmail the worker makes, with its real parameters."""

    def __init__(self) -> None:
        self.sms: list[dict[str, Any]] = []
        self.email: list[dict[str, Any]] = []
        self.fail_on_sms: int | None = None  # the n-th Publish raises, as a worker dying mid-batch

    def on_sms(self, params: dict[str, Any], **_: Any) -> None:
        if self.fail_on_sms is not None and len(self.sms) + 1 == self.fail_on_sms:
            self.fail_on_sms = None
            raise ConnectionError("the worker died here")
        self.sms.append(params)

    def on_email(self, params: dict[str, Any], **_: Any) -> None:
        self.email.append(params)


@pytest.fixture
def sends() -> Iterator[Sends]:
    recorded = Sends()
    aws = worker.wiring.aws
    aws.client("sns").meta.events.register("before-parameter-build.sns.Publish", recorded.on_sms)
    aws.client("ses").meta.events.register("before-parameter-build.ses.SendTemplatedEmail", recorded.on_email)
    yield recorded


@pytest.fixture(autouse=True)
def _unit_has_a_contact(seeded: Any) -> None:
    settings = register_settings.get_settings()
    aws = register_handler.wiring.aws
    programme = factories.programme(notices=NoticePolicy(contacts={f"unit:{PKL_UNIT}": UNIT_CONTACT}))
    ProgrammeStore(aws.dynamodb, aws.resource("dynamodb"), settings.settings_table, 0).put(programme)


def attribute(params: dict[str, Any], name: str) -> str:
    return str(params["MessageAttributes"][name]["StringValue"])


def test_a_grievance_filing_reaches_the_employee_by_sms_and_the_unit_by_sms_and_email(stack: Any, sends: Sends) -> None:
    # Given a filed grievance: two outbox requests (the employee, the assigned unit)
    filed()
    dry = run_job("deliver-notifications", dry_run=True)
    assert dry["actions"] == {"grievance_assigned": 1, "grievance_filed": 1} and dry["messages_sent"] == 0
    # When the delivery job runs and the worker drains the queue
    plan = run_job("deliver-notifications")
    assert plan["messages_sent"] == 1
    drain(stack)
    # Then the SMS went out with the TRAI DLT ids and both languages, and the unit also got its e-mail
    by_number = {p["PhoneNumber"]: p for p in sends.sms}
    assert set(by_number) == {"+919812345678", "+919876500001"}
    employee_sms = by_number["+919812345678"]
    assert attribute(employee_sms, "AWS.SNS.SMS.SMSType") == "Transactional"
    assert attribute(employee_sms, "AWS.SNS.SMS.SenderID") == "ANBNDH"
    assert attribute(employee_sms, "AWS.MM.SMS.EntityId") == NoticePolicy().dlt_entity_id
    template = NoticePolicy().template("grievance_filed")
    assert template is not None
    assert attribute(employee_sms, "AWS.MM.SMS.TemplateId") == template.dlt_template_id
    assert "शिकायत HR26-G-" in employee_sms["Message"] and "Grievance HR26-G-" in employee_sms["Message"]
    [email] = sends.email
    assert email["Destination"] == {"ToAddresses": [UNIT_CONTACT.email]}
    assert email["Source"] == NoticePolicy().email_from
    # And the outbox is empty: a rerun plans nothing and sends nothing
    assert run_job("deliver-notifications")["outcome"] == "nothing_to_do"
    assert len(sends.sms) == 2


def test_a_duplicate_message_sends_one_sms(stack: Any, sends: Sends) -> None:
    filed()
    run_job("deliver-notifications")
    message = next(iter(_queued(stack)))
    assert deliver(("first", message), ("again", message)) == {"batchItemFailures": []}
    assert len(sends.sms) == 2  # employee and unit, once each


def test_a_worker_dying_halfway_resumes_and_every_recipient_hears_exactly_once(
    stack: Any, sends: Sends, clock: SettableClock
) -> None:
    # Given three grievances: six requests (employee and unit for each), all in one work message
    for _ in range(3):
        filed()
    run_job("deliver-notifications")
    message = next(iter(_queued(stack)))
    # When the worker dies on the third SMS
    sends.fail_on_sms = 3
    assert deliver(("m", message)) == {"batchItemFailures": [{"itemIdentifier": "m"}]}
    assert len(sends.sms) == 2
    # Then an immediate retry sends nothing more: the dying send may be in flight, so it waits
    assert deliver(("m", message)) == {"batchItemFailures": [{"itemIdentifier": "m"}]}
    assert len(sends.sms) == 2
    # And once the claim's lease has passed, the retry completes: six SMS, none twice
    clock.set(clock.now() + timedelta(minutes=6), frozen=True)
    assert deliver(("m", message)) == {"batchItemFailures": []}
    assert len(sends.sms) == 6
    assert len({(p["PhoneNumber"], p["Message"]) for p in sends.sms}) == 6  # each grievance's own text
    assert run_job("deliver-notifications")["outcome"] == "nothing_to_do"


def test_a_request_for_someone_with_no_contact_is_closed_as_undeliverable(stack: Any, sends: Sends) -> None:
    factories_programme = factories.programme()  # no unit contacts
    settings = register_settings.get_settings()
    aws = register_handler.wiring.aws
    ProgrammeStore(aws.dynamodb, aws.resource("dynamodb"), settings.settings_table, 0).put(factories_programme)
    filed()
    run_job("deliver-notifications")
    drain(stack)
    assert [p["PhoneNumber"] for p in sends.sms] == ["+919812345678"]  # the unit has no contact
    assert run_job("deliver-notifications")["outcome"] == "nothing_to_do"


def _queued(stack: Any) -> list[dict[str, Any]]:
    """Takes the work messages off the queue without working them (to deliver them by hand)."""
    import json  # noqa: PLC0415

    url = stack.physical["JobWorkQueue"]["Ref"]
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for m in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def test_the_deployments_dlt_entity_id_overrides_the_programme_data(
    stack: Any, sends: Sends, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.setenv("DLT_ENTITY_ID", "1101999999999999999")
    worker.wiring.reset("settings", "worker")  # the SNS client (with the test's hook) stays
    filed()
    run_job("deliver-notifications")
    drain(stack)
    assert {attribute(p, "AWS.MM.SMS.EntityId") for p in sends.sms} == {"1101999999999999999"}
