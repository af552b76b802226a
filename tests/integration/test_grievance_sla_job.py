"""The grievance-sla job on moto: the scheduled planner finds overdue L1 grievances and unanswered
resolutions in the sparse sweeps index and queues them; the SQS worker escalates or closes each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import SettableClock
from tests.integration.test_deadline_jobs import _fresh_settings, deliver, drain, run_job
from tests.integration.test_grievances import DUE_L1, FILED_AT, RESOLUTION, act, detail, filed, ok

pytestmark = pytest.mark.usefixtures("seeded", _fresh_settings.__name__)

JUST_AFTER_DUE = DUE_L1 + timedelta(seconds=1)


def test_nothing_due_means_nothing_queued_and_it_says_so(clock: SettableClock) -> None:
    filed()
    clock.set(DUE_L1, frozen=True)  # the last second of the SLA
    plan = run_job("grievance-sla")
    assert (plan["outcome"], plan["actions"], plan["messages_sent"]) == (
        "nothing_to_do",
        {"escalate": 0, "autoclose": 0},
        0,
    )
    assert plan["deadline"] is None


def test_overdue_and_unanswered_grievances_are_queued_and_worked_once(stack: object, clock: SettableClock) -> None:
    # Given one grievance left untouched past its SLA and one resolved more than 7 days ago
    overdue, _ = filed()
    resolved, version = filed()
    ok(act(resolved, version, "resolve", remarks=RESOLUTION))
    clock.set(JUST_AFTER_DUE, frozen=True)  # 7 days and 13 hours after the resolution

    # When the planner runs: a dry run first, then for real, and the worker drains the queue
    dry = run_job("grievance-sla", dry_run=True)
    assert dry["actions"] == {"escalate": 1, "autoclose": 1} and dry["messages_sent"] == 0
    assert detail(overdue).body["level"] == "L1"  # a dry run changes nothing
    plan = run_job("grievance-sla")
    assert plan["outcome"] == "planned" and plan["messages_sent"] == 2
    assert sorted(plan["sample_ids"]) == sorted([overdue, resolved])
    assert drain(stack) == 2

    # Then the overdue one is at L2 and the resolved one closed, each by the job, with its chain whole
    escalated, closed = detail(overdue).body, detail(resolved).body
    assert (escalated["level"], escalated["status"]) == ("L2", "OPEN")
    assert closed["status"] == "CLOSED" and closed["timeline"][-1]["data"]["why"] == "no_feedback"
    for body in (escalated, closed):
        assert body["timeline"][-1]["actor"] == "system:grievance-sla" and body["chain_valid"] is True

    # And a rerun, or the same message delivered again, changes nothing more
    assert run_job("grievance-sla")["outcome"] == "nothing_to_do"
    again = deliver(
        ("dup", {"job": "grievance-sla", "programme_id": "HR-2026", "action": "escalate", "grievance_ids": [overdue]})
    )
    assert again == {"batchItemFailures": []}
    assert len(detail(overdue).body["timeline"]) == len(escalated["timeline"])


def test_a_grievance_acted_on_after_planning_is_skipped(stack: object, clock: SettableClock) -> None:
    gid, version = filed()
    clock.set(JUST_AFTER_DUE, frozen=True)
    assert run_job("grievance-sla")["messages_sent"] == 1
    ok(act(gid, version, "request_info", remarks="Which month?"))  # the officer acts before the worker runs
    drain(stack)
    assert detail(gid).body["status"] == "AWAITING_EMPLOYEE" and detail(gid).body["level"] == "L1"


def test_a_malformed_grievance_message_fails_alone(clock: SettableClock) -> None:
    gid, _ = filed()
    clock.set(FILED_AT + timedelta(days=30), frozen=True)
    good = {"job": "grievance-sla", "programme_id": "HR-2026", "action": "escalate", "grievance_ids": [gid]}
    bad = {**good, "action": "delete"}
    assert deliver(("good", good), ("bad", bad)) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert detail(gid).body["level"] == "L2"
