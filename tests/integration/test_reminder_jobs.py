"""The reminder jobs on moto, at clocks around each deadline: whom they remind, on which days, and
that a rerun, a duplicate or an extension never makes anyone hear twice or at the wrong time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import boto3
import pytest

from core.clock import IST, SettableClock
from core.identity import Official
from core.notices import Contact, NoticePolicy
from core.programme import Window
from core.store.directory import StoredOfficial
from core.store.dynamo import transact_write
from core.store.programmes import ProgrammeStore
from core.store.roll import RollEntry, RollStore
from register import handler as register_handler
from register import settings as register_settings
from tests import factories
from tests.factories import OPENS, PKL_UNIT, employee
from tests.integration.conftest import directory_store
from tests.integration.test_deadline_jobs import _fresh_settings, drain, run_job
from tests.integration.test_notification_delivery import Sends
from tests.integration.test_registration_journey import complete_draft, create, submit

pytestmark = pytest.mark.usefixtures("seeded", _fresh_settings.__name__)

DDO_CONTACT = Contact(mobile="9876500101", email="ddo.pkl001@example.gov.in")


def at(day: int, month: int = 1, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=IST)


def put_programme(**overrides: Any) -> None:
    settings = register_settings.get_settings()
    aws = register_handler.wiring.aws
    fields = {"notices": NoticePolicy(contacts={"ddo:DDO-PKL-001": DDO_CONTACT}), **overrides}
    programme = factories.programme(**fields)
    ProgrammeStore(aws.dynamodb, aws.resource("dynamodb"), settings.settings_table, 0).put(programme)


@pytest.fixture
def sends(seeded: Any) -> Iterator[Sends]:
    from reminders import worker  # noqa: PLC0415

    put_programme()
    recorded = Sends()
    aws = worker.wiring.aws
    aws.client("sns").meta.events.register("before-parameter-build.sns.Publish", recorded.on_sms)
    aws.client("ses").meta.events.register("before-parameter-build.ses.SendTemplatedEmail", recorded.on_email)
    yield recorded


def numbers(sends: Sends) -> list[str]:
    return sorted(p["PhoneNumber"] for p in sends.sms)


# The seeded roll: EMP-0001 and EMP-0002 (9812345678, 9876501234) of DDO-PKL-001, EMP-0003 of Hisar.
EMP1, EMP2, EMP3 = "+919812345678", "+919876501234", "+919812345678"


def test_registration_reminders_go_on_t_minus_14_7_3_1_to_the_unregistered_and_drafts(
    stack: Any, sends: Sends, clock: SettableClock
) -> None:
    # Given EMP-0001 has a draft, EMP-0002 has submitted, EMP-0003 has not registered
    create()
    reg_id, version = complete_draft(as_=employee("EMP-0002"))
    assert submit(reg_id, version, as_=employee("EMP-0002")).status == 200
    # When the job runs at T-15, nothing is due
    clock.set(at(16), frozen=True)
    assert run_job("registration-reminders")["outcome"] == "not_due"
    # And at T-14 the draft and the unregistered are reminded, not the one who submitted
    clock.set(at(17), frozen=True)
    plan = run_job("registration-reminders")
    assert plan["outcome"] == "planned"
    assert sorted(plan["sample_ids"]) == ["employee:EMP-0001", "employee:EMP-0003"]
    drain(stack)
    assert len(sends.sms) == 2
    text = sends.sms[0]["Message"]
    assert "14 दिन शेष" in text and "14 days left" in text and "31-01-2026" in text
    # And a rerun the same day sends nothing more
    run_job("registration-reminders")
    drain(stack)
    assert len(sends.sms) == 2
    # And T-1 reminds them again; the last day itself and after the close do not
    clock.set(at(30), frozen=True)
    run_job("registration-reminders")
    drain(stack)
    assert len(sends.sms) == 4
    for day, month in ((31, 1), (1, 2)):
        clock.set(at(day, month), frozen=True)
        assert run_job("registration-reminders")["outcome"] == "not_due"


def test_an_extension_moves_the_reminders(stack: Any, sends: Sends, clock: SettableClock) -> None:
    clock.set(at(31), frozen=True)
    assert run_job("registration-reminders")["outcome"] == "not_due"  # T-0
    put_programme(registration=Window(opens_at=OPENS, closes_at=datetime(2026, 2, 7, 23, 59, 59, tzinfo=IST)))
    plan = run_job("registration-reminders")  # now T-7 of the new close
    assert (plan["outcome"], plan["detail"]) == ("planned", "T-7: 3 to remind.")
    drain(stack)
    assert sends.sms and all("07-02-2026" in p["Message"] for p in sends.sms)


def test_a_dry_run_reminds_nobody(stack: Any, sends: Sends, clock: SettableClock) -> None:
    clock.set(at(24), frozen=True)  # T-7
    plan = run_job("registration-reminders", dry_run=True)
    assert plan["actions"] == {"remind": 3, "remind_ddo_corrections": 0} and plan["messages_sent"] == 0
    drain(stack)
    assert sends.sms == []


def test_verification_reminders_tell_each_ddo_their_pending_count(
    stack: Any, sends: Sends, clock: SettableClock
) -> None:
    for code in ("EMP-0001", "EMP-0002"):
        reg_id, version = complete_draft(as_=employee(code))
        assert submit(reg_id, version, as_=employee(code)).status == 200
    clock.set(at(13, 2), frozen=True)  # T-15
    assert run_job("verification-reminders")["outcome"] == "not_due"
    clock.set(at(14, 2), frozen=True)  # T-14
    plan = run_job("verification-reminders")
    assert plan["by_ddo"] == {"DDO-PKL-001": 2}
    drain(stack)
    assert numbers(sends) == ["+919876500101"]
    assert "2 service records" in sends.sms[0]["Message"] and "14 days left" in sends.sms[0]["Message"]
    [email] = sends.email
    assert email["Destination"] == {"ToAddresses": [DDO_CONTACT.email]}
    clock.set(at(20, 2), frozen=True)  # T-8: not a reminder day
    assert run_job("verification-reminders")["outcome"] == "not_due"
    clock.set(at(22, 2), frozen=True)  # T-6: every day of the last week
    assert run_job("verification-reminders")["outcome"] == "planned"


def retiring_entry(code: str, mobile: str, born: date) -> RollEntry:
    entry = factories.roll_entry(code, mobile=mobile)
    personal = entry.record.personal.model_copy(update={"date_of_birth": born})
    return entry.model_copy(update={"record": entry.record.model_copy(update={"personal": personal})})


def test_superannuation_notice_reaches_those_within_90_days_and_their_ddo(
    stack: Any, sends: Sends, clock: SettableClock
) -> None:
    # Given one employee who turns 58 in March 2026 (retires 31 March) and one in June (30 June)
    roll = RollStore(register_handler.wiring.aws.dynamodb, register_settings.get_settings().roll_table)
    roll.put(retiring_entry("EMP-0042", "9876500042", date(1968, 3, 10)))
    roll.put(retiring_entry("EMP-0043", "9876500043", date(1968, 6, 10)))
    # When the monthly notice runs on 1 February
    clock.set(at(1, 2, hour=9), frozen=True)
    plan = run_job("superannuation-notice")
    assert plan["actions"] == {"notify_employee": 1, "notify_ddo": 1}
    assert plan["sample_ids"] == ["employee:EMP-0042"]
    drain(stack)
    # Then the employee hears the date, and their DDO hears a count
    by_number = {p["PhoneNumber"]: p["Message"] for p in sends.sms}
    assert "31-03-2026" in by_number["+919876500042"]
    assert "1 of your employees" in by_number["+919876500101"]
    assert "+919876500043" not in by_number  # June is more than 90 days away
    # And a rerun the same day sends nothing more; on 1 April the March retiree has gone and the
    # June one is within 90 days
    run_job("superannuation-notice")
    drain(stack)
    assert len(sends.sms) == 2
    clock.set(at(1, 4, hour=9), frozen=True)
    assert run_job("superannuation-notice")["sample_ids"] == ["employee:EMP-0043"]


def official(username: str, role: str, **scope: str) -> None:
    """An imported official: their record and link in the directory."""

    person = Official(
        username=username, name=username, email=f"{username}@example.gov.in", mobile="9876500299", role=role, **scope
    )
    stored = StoredOfficial(official=person, sub=f"sub-{username}", version=1)
    transact_write(boto3.client("dynamodb"), directory_store().save_official(None, stored, at=at(20)))


def test_officer_digest_reports_pendency_overdue_and_who_did_not_sign_in(
    stack: Any, sends: Sends, clock: SettableClock
) -> None:
    from tests.integration.test_grievances import filed, listed  # noqa: PLC0415

    put_programme(
        notices=NoticePolicy(
            contacts={
                "unit:GRV-PKL-L1": Contact(mobile="9876500201"),
                "unit:GRV-HSR-L1": Contact(mobile="9876500202"),
                "hod:Health": Contact(mobile="9876500203"),
            }
        )
    )
    # Given a Panchkula officer who works on 20 January, a Hisar officer who never signs in, a HoD
    official("officer-pkl", "officer", unit=PKL_UNIT)
    official("officer-hsr", "officer", unit="GRV-HSR-L1")
    official("hod-health", "hod", department="Health")
    filed()
    listed(factories.claims("officer-pkl", "officer", unit=PKL_UNIT))  # a visit: last_seen on 20 January
    # When the digest runs at 09:00 on 21 January
    clock.set(at(21, hour=9), frozen=True)
    plan = run_job("officer-digest")
    assert plan["actions"] == {"officer_digest": 3, "hod_digest": 1, "ddo_digest": 0}
    drain(stack)
    by_number = {p["PhoneNumber"]: p["Message"] for p in sends.sms}
    # Then Panchkula hears of its open grievance and nobody absent; Hisar hears its officer was absent
    assert "1 grievances open, 0 overdue. Not signed in yesterday: -." in by_number["+919876500201"]
    assert "Not signed in yesterday: officer-hsr." in by_number["+919876500202"]
    assert "0 L2 grievances open" in by_number["+919876500203"]
    # And on 29 January the untouched grievance is overdue and the Panchkula officer was absent too
    clock.set(at(29, hour=9), frozen=True)
    run_job("officer-digest")
    drain(stack)
    latest = [p["Message"] for p in sends.sms if p["PhoneNumber"] == "+919876500201"][-1]
    assert "1 grievances open, 1 overdue. Not signed in yesterday: officer-pkl." in latest
