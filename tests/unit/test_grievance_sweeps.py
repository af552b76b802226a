"""The grievance-SLA sweep (core.grievance_sla.GrievanceSweeper), against small in-memory fakes of what it
is typed with (core.store.protocols.Programmes, SweptGrievances, GrievanceChanges): what an overdue
grievance becomes at each level, and what is skipped. No I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from core.audit import Actor, AuditEvent
from core.clock import IST
from core.errors import VersionConflict
from core.grievance import Grievance, GrievanceChange, GrievanceStatus, Level, due_after
from core.grievance_sla import SLA_JOB, GrievanceSweeper
from core.programme import Programme
from core.store.dynamo import TxItem
from core.store.grievances import AUTOCLOSE_SWEEP, SLA_SWEEP
from core.store.protocols import GrievanceChanges, Programmes, SweptGrievances
from tests.factories import PKL_UNIT, PROGRAMME_ID, programme

FILED = datetime(2026, 1, 20, 11, 0, tzinfo=IST)
NOW = datetime(2026, 1, 28, 10, 0, tzinfo=IST)  # the morning after the 7-day L1 SLA closed


def grievance(grievance_id: str, **overrides: Any) -> Grievance:
    fields: dict[str, Any] = {
        "grievance_id": grievance_id,
        "number": f"HR26-G-{grievance_id[-8:]}",
        "programme_id": PROGRAMME_ID,
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
        "version": 3,
        "event_head": "0" * 64,
        "filed_at": FILED,
        "updated_at": FILED,
        "due_at": due_after(FILED, 7),
    }
    return Grievance(**{**fields, **overrides})


class FakeProgrammes(Programmes):
    def get(self, programme_id: str) -> Programme:
        return programme()


class FakeGrievances(SweptGrievances):
    """The sweeps index: each sweep's ids by shard, in pages of the asked size; and the grievances."""

    def __init__(self, listed: dict[tuple[str, int], list[str]], *grievances: Grievance) -> None:
        self.listed = listed
        self.by_id = {g.grievance_id: g for g in grievances}
        self.asked: list[tuple[str, int, datetime]] = []

    def due_for_sweep(
        self, *, sweep: str, shard: int, until: datetime, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        self.asked.append((sweep, shard, until))
        ids = self.listed.get((sweep, shard), [])
        offset = int(start["at"]) if start else 0
        page = ids[offset : offset + limit]
        return page, ({"at": offset + limit} if offset + limit < len(ids) else None)

    def get(self, grievance_id: str) -> Grievance | None:
        return self.by_id.get(grievance_id)


class FakeRecorder(GrievanceChanges):
    """Keeps each change; `moved` were changed by someone else meanwhile (their version check fails)."""

    def __init__(self, *moved: str) -> None:
        self.moved = set(moved)
        self.changes: list[tuple[str, GrievanceChange, Actor, datetime]] = []

    def record(
        self,
        *,
        before: Grievance | None,
        change: GrievanceChange,
        actor: Actor,
        at: datetime,
        extra: Sequence[TxItem] = (),
        seal: Callable[[AuditEvent, Grievance], Grievance] | None = None,
    ) -> Grievance:
        assert before is not None
        if before.grievance_id in self.moved:
            raise VersionConflict(record="grievance", current_version=before.version + 1)
        self.changes.append((before.grievance_id, change, actor, at))
        return change.after


def sweeper(grievances: FakeGrievances, recorder: FakeRecorder) -> GrievanceSweeper:
    return GrievanceSweeper(
        programme_id=PROGRAMME_ID, programmes=FakeProgrammes(), grievances=grievances, recorder=recorder
    )


def test_an_overdue_l1_grievance_goes_to_the_hod_and_an_overdue_l2_one_is_marked_overdue() -> None:
    # Given the SLA index listing, in two shards, an L1 and an L2 grievance whose SLA closed last night, one
    # a person acted on meanwhile, and one the index still lists though it was resolved in time
    l1 = grievance("GRV-00000001")
    l2 = grievance("GRV-00000002", level=Level.L2, unit=None)
    moved = grievance("GRV-00000003")
    resolved = grievance("GRV-00000004", status=GrievanceStatus.RESOLVED, resolved_at=FILED + timedelta(days=2))
    index = FakeGrievances(
        {(SLA_SWEEP, 0): ["GRV-00000001", "GRV-00000003"], (SLA_SWEEP, 5): ["GRV-00000002", "GRV-00000004"]},
        l1,
        l2,
        moved,
        resolved,
    )
    recorder = FakeRecorder("GRV-00000003")
    # When the sweep escalates what is overdue
    report = sweeper(index, recorder).escalate_overdue(NOW)
    # Then the index was read up to now, in the SLA partition of every shard
    assert {(sweep, until) for sweep, _, until in index.asked} == {(SLA_SWEEP, NOW)}
    assert sorted({shard for _, shard, _ in index.asked}) == list(range(8))
    # And the L1 one went to L2 (the HoD) with a fresh 15-day SLA, the employee and the HoD told, by the job
    changes = {grievance_id: (change, actor) for grievance_id, change, actor, _ in recorder.changes}
    escalated, actor = changes["GRV-00000001"]
    assert (escalated.event_type, escalated.after.level, escalated.after.unit, actor) == (
        "grievance.escalated",
        Level.L2,
        None,
        SLA_JOB,
    )
    assert escalated.after.due_at == due_after(NOW, programme().grievances.sla_of("salary_not_paid").l2_days)
    assert [n.template for n in escalated.notify] == ["grievance_escalated", "grievance_assigned"]
    # And the L2 one stays with the HoD, marked overdue since now
    overdue, _ = changes["GRV-00000002"]
    assert (overdue.event_type, overdue.after.level, overdue.after.overdue_since) == (
        "grievance.sla_breached",
        Level.L2,
        NOW,
    )
    # And the one changed meanwhile and the one no longer overdue are skipped, not changed
    assert set(changes) == {"GRV-00000001", "GRV-00000002"}
    assert (report.due, report.changed, report.skipped) == (4, 2, 2)
    assert sorted(report.sample) == ["GRV-00000001", "GRV-00000002"]


def test_a_dry_run_counts_what_it_would_change_and_records_nothing() -> None:
    # Given an overdue L1 grievance, and a resolved one waiting past the feedback days
    overdue = grievance("GRV-00000001")
    answered = grievance(
        "GRV-00000002", status=GrievanceStatus.RESOLVED, resolved_at=NOW - timedelta(days=30), due_at=NOW
    )
    index = FakeGrievances(
        {(SLA_SWEEP, 2): ["GRV-00000001"], (AUTOCLOSE_SWEEP, 2): ["GRV-00000002"]}, overdue, answered
    )
    recorder = FakeRecorder()
    # When both sweeps run dry
    escalations = sweeper(index, recorder).escalate_overdue(NOW, dry_run=True)
    closes = sweeper(index, recorder).close_unanswered(NOW, dry_run=True)
    # Then each counts its one, nothing is recorded, and the close looked back the feedback days
    assert [(r.action.value, r.dry_run, r.due, r.changed) for r in (escalations, closes)] == [
        ("escalate", True, 1, 1),
        ("autoclose", True, 1, 1),
    ]
    assert recorder.changes == []
    feedback_days = programme().grievances.feedback_days
    assert {until for sweep, _, until in index.asked if sweep == AUTOCLOSE_SWEEP} == {
        NOW - timedelta(days=feedback_days)
    }
