"""The grievance state machine, SLA arithmetic, routing and index keys, with no AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from core.clock import IST
from core.errors import InvalidReasonCode, InvalidTransition, ReassignLimit, RemarksRequired, UnknownUnit
from core.grievance import (
    ACTION_FROM,
    Action,
    Grievance,
    GrievanceStatus,
    Level,
    apply_action,
    close_unanswered,
    due_after,
    escalate_for_breach,
    give_feedback,
    mark_overdue,
    next_month_opens,
    reply,
)
from core.programme import GrievancePolicy, GrievanceUnit
from core.store.counters import CounterStore
from core.store.grievances import index_attributes
from tests.factories import HSR_UNIT, PKL_UNIT, grievance_policy

POLICY = grievance_policy()
CATEGORY = POLICY.sla_of("salary_not_paid")
FILED = datetime(2026, 1, 20, 11, 0, tzinfo=IST)
RESOLUTION = "Salary released by the treasury on 22 January 2026."


def grievance(**overrides: Any) -> Grievance:
    fields: dict[str, Any] = {
        "grievance_id": "GRV-01JABCDEFGHJKMNPQRSTVWXYZ0",
        "number": "HR26-G-ABCDEFGH",
        "programme_id": "HR-2026",
        "owner_sub": "sub-emp-0001",
        "employee_code": "EMP-0001",
        "ddo_code": "DDO-PKL-001",
        "department": "Health",
        "district": "Panchkula",
        "category": "salary_not_paid",
        "subject": "Salary not paid",
        "description": "My salary for November has not been credited.",
        "level": Level.L1,
        "unit": PKL_UNIT,
        "status": GrievanceStatus.OPEN,
        "version": 1,
        "event_head": "0" * 64,
        "filed_at": FILED,
        "updated_at": FILED,
        "due_at": due_after(FILED, 7),
    }
    return Grievance(**{**fields, **overrides})


def act(g: Grievance, action: Action, remarks: str = RESOLUTION, **kwargs: Any) -> Grievance:
    return apply_action(g, action=action, remarks=remarks, policy=POLICY, category=CATEGORY, now=FILED, **kwargs).after


# ---------------------------------------------------------------- time
def test_due_dates_end_at_the_last_second_of_the_ist_day() -> None:
    assert due_after(FILED, 7) == datetime(2026, 1, 27, 23, 59, 59, tzinfo=IST)
    # 20:00 UTC on the 20th is already the 21st in India: the count starts from the IST date.
    late_evening_utc = datetime(2026, 1, 20, 20, 0, tzinfo=UTC)
    assert due_after(late_evening_utc, 7) == datetime(2026, 1, 28, 23, 59, 59, tzinfo=IST)


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        (datetime(2026, 1, 31, 23, 59, tzinfo=IST), datetime(2026, 2, 1, tzinfo=IST)),
        (datetime(2026, 12, 15, 9, 0, tzinfo=IST), datetime(2027, 1, 1, tzinfo=IST)),
        (datetime(2026, 1, 31, 19, 0, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=IST)),  # already 1 Feb in IST
    ],
)
def test_the_monthly_limit_reopens_on_the_first_of_the_next_ist_month(now: datetime, opens: datetime) -> None:
    assert next_month_opens(now) == opens


def test_breach_is_the_first_whole_second_after_due_and_never_while_paused() -> None:
    g = grievance()
    assert not g.breached(g.due_at + timedelta(microseconds=999_999))
    assert g.breached(g.due_at + timedelta(seconds=1))
    paused = act(g, Action.REQUEST_INFO, "Which month?")
    assert not paused.breached(g.due_at + timedelta(days=30))


# ---------------------------------------------------------------- officer actions
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(GrievanceStatus))
def test_every_action_is_legal_exactly_in_its_states(action: Action, status: GrievanceStatus) -> None:
    g = grievance(status=status, sla_paused_at=FILED if status == GrievanceStatus.AWAITING_EMPLOYEE else None)
    extra: dict[str, Any] = {"reason_code": "duplicate", "to_unit": HSR_UNIT}
    if status in ACTION_FROM[action]:
        assert act(g, action, **extra).version == g.version  # the recorder bumps it, not the rule
    else:
        with pytest.raises(InvalidTransition):
            act(g, action, **extra)


def test_each_action_leads_where_design_says() -> None:
    g = grievance()
    assert act(g, Action.ACCEPT, "").status == GrievanceStatus.IN_PROGRESS
    waiting = act(g, Action.REQUEST_INFO, "Which month?")
    assert (waiting.status, waiting.sla_paused_at) == (GrievanceStatus.AWAITING_EMPLOYEE, FILED)
    resolved = act(g, Action.RESOLVE)
    assert (resolved.status, resolved.resolution, resolved.resolved_at) == (GrievanceStatus.RESOLVED, RESOLUTION, FILED)
    rejected = act(g, Action.REJECT, reason_code="duplicate")
    assert (rejected.status, rejected.reason_code) == (GrievanceStatus.REJECTED, "duplicate")
    moved = act(g, Action.REASSIGN, to_unit=HSR_UNIT)
    assert (moved.unit, moved.reassignments, moved.due_at) == (HSR_UNIT, 1, g.due_at)
    escalated = act(g, Action.ESCALATE)
    assert (escalated.level, escalated.unit, escalated.status) == (Level.L2, None, GrievanceStatus.OPEN)
    assert escalated.due_at == due_after(FILED, CATEGORY.l2_days)
    assert act(g, Action.COMMENT) == g


def test_remarks_reason_codes_units_and_the_reassign_limit_are_enforced() -> None:
    g = grievance()
    with pytest.raises(RemarksRequired):
        act(g, Action.RESOLVE, "x" * 29)
    with pytest.raises(RemarksRequired):
        act(g, Action.REQUEST_INFO, "   ")
    with pytest.raises(InvalidReasonCode):
        act(g, Action.REJECT, reason_code=None)
    with pytest.raises(UnknownUnit):
        act(g, Action.REASSIGN, to_unit="GRV-MARS")
    with pytest.raises(UnknownUnit):
        act(g, Action.REASSIGN, to_unit=PKL_UNIT)
    with pytest.raises(ReassignLimit):
        act(grievance(reassignments=3), Action.REASSIGN, to_unit=HSR_UNIT)


def test_l2_has_no_reassign_or_escalate() -> None:
    g = grievance(level=Level.L2, unit=None)
    for action in (Action.REASSIGN, Action.ESCALATE):
        with pytest.raises(InvalidTransition):
            act(g, action, to_unit=HSR_UNIT)


# ---------------------------------------------------------------- the employee's side
def test_a_reply_resumes_the_sla_with_the_paused_time_added() -> None:
    waiting = act(grievance(), Action.REQUEST_INFO, "Which month?")
    change = reply(waiting, message="November.", attachments=[], now=FILED + timedelta(days=2, hours=3))
    assert change.after.status == GrievanceStatus.IN_PROGRESS
    assert change.after.due_at == waiting.due_at + timedelta(days=2, hours=3)
    assert change.data["paused_seconds"] == (2 * 24 + 3) * 3600
    assert change.notify[0].address == f"unit:{PKL_UNIT}"


@pytest.mark.parametrize(
    ("level", "satisfied", "status", "new_level"),
    [
        (Level.L1, True, GrievanceStatus.CLOSED, Level.L1),
        (Level.L1, False, GrievanceStatus.OPEN, Level.L2),
        (Level.L2, True, GrievanceStatus.CLOSED, Level.L2),
        (Level.L2, False, GrievanceStatus.CLOSED, Level.L2),
    ],
)
def test_feedback_closes_or_reopens_at_l2(
    level: Level, satisfied: bool, status: GrievanceStatus, new_level: Level
) -> None:
    resolved = act(grievance(level=level, unit=PKL_UNIT if level == Level.L1 else None), Action.RESOLVE)
    change = give_feedback(resolved, satisfied=satisfied, rating=3, comment=None, category=CATEGORY, now=FILED)
    assert (change.after.status, change.after.level) == (status, new_level)
    assert change.after.feedback[-1].satisfied is satisfied


# ---------------------------------------------------------------- the sweeps' rules
def test_breach_escalation_and_autoclose_refuse_anything_not_yet_due() -> None:
    g = grievance()
    with pytest.raises(InvalidTransition):
        escalate_for_breach(g, category=CATEGORY, now=g.due_at)
    assert escalate_for_breach(g, category=CATEGORY, now=g.due_at + timedelta(seconds=1)).after.level == Level.L2
    resolved = act(g, Action.RESOLVE)
    with pytest.raises(InvalidTransition):
        close_unanswered(resolved, policy=POLICY, now=FILED + timedelta(days=7) - timedelta(seconds=1))
    assert (
        close_unanswered(resolved, policy=POLICY, now=FILED + timedelta(days=7)).after.status == GrievanceStatus.CLOSED
    )


# ---------------------------------------------------------------- routing and index keys
def test_routing_prefers_the_ddo_then_the_department_then_the_default() -> None:
    policy = grievance_policy(route_by_department={"Health": HSR_UNIT})
    assert policy.l1_unit_for(ddo_code="DDO-PKL-001", department="Health") == PKL_UNIT
    assert policy.l1_unit_for(ddo_code="DDO-XYZ-009", department="Health") == HSR_UNIT
    assert policy.l1_unit_for(ddo_code="DDO-XYZ-009", department="Forests") == "GRV-STATE-L1"


def test_routing_may_only_name_known_units() -> None:
    with pytest.raises(ValidationError, match="unknown units"):
        GrievancePolicy(units=(GrievanceUnit(unit_id="GRV-A", name="A"),), route_by_ddo={"DDO-PKL-001": "GRV-B"})


def test_index_keys_are_sparse_and_sort_by_when_the_sla_breaks() -> None:
    open_l1 = index_attributes(grievance())
    assert open_l1["queue_unit"] == PKL_UNIT and "queue_department" not in open_l1
    assert open_l1["sweep"].startswith("sla#") and open_l1["sweep_at"] == "2026-01-27T18:30:00Z"
    assert open_l1["queue_sort"].startswith("0#2026-01-27T18:30:00Z#")
    escalated = act(grievance(), Action.ESCALATE)
    at_l2 = index_attributes(escalated)
    assert "queue_unit" not in at_l2 and at_l2["queue_department"] == "Health"
    assert at_l2["sweep"].startswith("sla#") and at_l2["sweep_at"] == "2026-02-04T18:30:00Z"
    marked = mark_overdue(escalated, now=escalated.due_at + timedelta(seconds=1)).after
    assert "sweep" not in index_attributes(marked) and marked.counter_labels() == ("OPEN", "overdue")
    waiting = index_attributes(act(grievance(), Action.REQUEST_INFO, "Which month?"))
    assert "sweep" not in waiting and "sla_breaks_at" not in waiting and waiting["queue_sort"].startswith("1#")
    resolved = index_attributes(act(grievance(), Action.RESOLVE))
    assert resolved["sweep"].startswith("autoclose#") and resolved["sweep_at"] == "2026-01-20T05:30:00Z"
    closed = index_attributes(grievance(status=GrievanceStatus.CLOSED))
    assert "sweep" not in closed and closed["queue_sort"].startswith("3#")


def test_counters_move_between_groups_when_a_grievance_changes_level() -> None:
    before = grievance()
    after = act(before, Action.ESCALATE)
    items = CounterStore(None, "counters").transition(
        kind="grievances",
        programme_id="HR-2026",
        shard_key=before.grievance_id,
        before=(before.counter_scopes(), before.counter_labels()),
        after=(after.counter_scopes(), after.counter_labels()),
    )
    moves = {item.request["Key"]["pk"]["S"]: _counted(item.request) for item in items}
    assert moves == {
        "HR-2026#grievances#level#L1": {"OPEN": -1},
        "HR-2026#grievances#level#L2": {"OPEN": 1},
        f"HR-2026#grievances#unit#{PKL_UNIT}": {"OPEN": -1},
        "HR-2026#grievances#unit#L2:Health": {"OPEN": 1},
    }  # programme, category, department and the department's DDO and district keep their count: no write


def test_an_overdue_grievance_is_counted_overdue_until_it_is_escalated_or_closed() -> None:
    escalated = act(grievance(), Action.ESCALATE)
    marked = mark_overdue(escalated, now=escalated.due_at + timedelta(seconds=1)).after
    items = CounterStore(None, "counters").transition(
        kind="grievances",
        programme_id="HR-2026",
        shard_key=marked.grievance_id,
        before=(escalated.counter_scopes(), escalated.counter_labels()),
        after=(marked.counter_scopes(), marked.counter_labels()),
    )
    assert {_counted(item.request)["overdue"] for item in items} == {1}
    assert len(items) == len(marked.counter_scopes())  # every group gains one overdue, and only that
    resolved = act(marked, Action.RESOLVE)
    assert resolved.counter_labels() == ("RESOLVED",)


def _counted(request: dict[str, Any]) -> dict[str, int]:
    """The counter amounts of an ADD update, without the group attribute it also sets."""
    names, values = request["ExpressionAttributeNames"], request["ExpressionAttributeValues"]
    return {names[f"#c{i}"]: int(values[f":c{i}"]["N"]) for i in range(len(names) - 1)}
