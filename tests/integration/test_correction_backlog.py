"""The mobile-correction backlog is visible before the deadline: the admin summary counts pending
requests per group, the registration reminders report them and remind each DDO once, the state
metrics carry the programme's total."""

from __future__ import annotations

from typing import Any

import pytest

from core.clock import SettableClock
from reminders import planner
from reminders.models import JobName, JobRequest
from tests import factories
from tests.integration.conftest import call
from tests.integration.test_deadline_jobs import _fresh_settings, drain, run_job
from tests.integration.test_mobile_corrections import HOD, ask, decide, queue, roll_store, sends
from tests.integration.test_notification_delivery import Sends
from tests.integration.test_reminder_jobs import at

pytestmark = pytest.mark.usefixtures("seeded", _fresh_settings.__name__)
__all__ = ["sends"]  # the fixture


def test_the_summary_and_the_registration_reminders_show_the_backlog(
    stack: Any, sends: Sends, clock: SettableClock
) -> None:
    # Given pending requests with DDO-PKL-001 (Health) and DDO-HSR-001, one of them decided
    ask("EMP-0001")
    ask("EMP-0003")
    roll_store().put(factories.roll_entry("EMP-0004", mobile="9876500004"))
    ask("EMP-0004")
    decide(next(i for i in queue().body["items"] if i["employee_code"] == "EMP-0004"), "reject")
    # Then the summary counts the pending ones per group and in the totals
    summary = call("GET", "/v1/admin/reports/summary", as_=factories.claims("admin1", "admin"), query="by=ddo")
    rows = {row["group"]: row["corrections_pending"] for row in summary.body["rows"]}
    assert rows == {"DDO-PKL-001": 1, "DDO-HSR-001": 1}
    assert summary.body["totals"]["corrections_pending"] == 2
    mine = call("GET", "/v1/admin/reports/summary", as_=HOD, query="by=department").body
    assert [(r["group"], r["corrections_pending"]) for r in mine["rows"]] == [("Health", 2)]
    # And on T-14 the registration reminders report them and remind each DDO once
    clock.set(at(17), frozen=True)
    plan = run_job("registration-reminders")
    assert plan["corrections_pending"] == {"DDO-HSR-001": 1, "DDO-PKL-001": 1}
    assert plan["actions"]["remind_ddo_corrections"] == 2
    assert "2 mobile corrections pending with 2 DDOs" in plan["detail"]
    drain(stack)
    to_ddo = [p["Message"] for p in sends.sms if p["PhoneNumber"] == "+919876500101"]
    assert len(to_ddo) == 1 and "1 mobile-correction requests await your decision" in to_ddo[0]
    run_job("registration-reminders")
    drain(stack)
    assert len([p for p in sends.sms if p["PhoneNumber"] == "+919876500101"]) == 1
    # And the state metrics carry the programme's backlog (planned only: publishing is the dashboard test's)
    totals = planner.wiring.table.run(JobRequest(job=JobName.STATE_METRICS)).actions
    assert totals["corrections.PENDING"] == 2
