"""The grievance sweeps the `grievance-sla` job runs: escalate what breached its L1 SLA (or mark
overdue what breached its L2 SLA, the last level), and close what was resolved and never answered.
Each finds its work by a Query on the sparse `sweeps` index (so its cost follows the grievances
due, not the table) and records each change like a person's: one conditional transaction with its
audit event, by actor `system:grievance-sla`.

The scheduled job plans with `due_ids` and has its worker `apply` each id; `escalate_overdue` and
`close_unanswered` do both in one process. Rerunning is safe: an item that was changed meanwhile
fails its transition or version check and is skipped, never changed twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from core.audit import Actor
from core.errors import InvalidTransition, VersionConflict
from core.grievance import GrievanceChange, Level, close_unanswered, escalate_for_breach, mark_overdue
from core.programme import Programme
from core.store.dynamo import across_shards
from core.store.grievances import AUTOCLOSE_SWEEP, SLA_SWEEP, SWEEP_SHARDS

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import GrievanceChanges, GrievanceSweepIndex, Programmes, SweptGrievances
SLA_JOB = Actor(id="system:grievance-sla", role="system")
PAGE = 100
SAMPLE = 10


class SweepKind(StrEnum):
    ESCALATE = "escalate"  # SLA breached: L1 escalates, L2 is marked overdue
    AUTOCLOSE = "autoclose"  # RESOLVED with no feedback for the programme's feedback days


_INDEX_PARTITION = {SweepKind.ESCALATE: SLA_SWEEP, SweepKind.AUTOCLOSE: AUTOCLOSE_SWEEP}


def sweep_until(kind: SweepKind, programme: Programme, now: datetime) -> datetime:
    """The index's sweep_at is when the SLA breaks, or when the grievance was resolved."""
    if kind == SweepKind.AUTOCLOSE:
        return now - timedelta(days=programme.grievances.feedback_days)
    return now


def due_ids(grievances: GrievanceSweepIndex, kind: SweepKind, programme: Programme, now: datetime) -> Iterator[str]:
    """Every grievance `kind` acts on at `now`, shard by shard, oldest first within a shard."""
    until = sweep_until(kind, programme, now)
    return across_shards(
        SWEEP_SHARDS,
        lambda shard, start: grievances.due_for_sweep(
            sweep=_INDEX_PARTITION[kind], shard=shard, until=until, limit=PAGE, start=start
        ),
    )


class SweepReport(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    action: SweepKind
    dry_run: bool
    due: int  # found by the index
    changed: int
    skipped: int  # acted on by someone else meanwhile
    sample: list[str] = Field(default_factory=list)


class GrievanceSweeper:
    def __init__(
        self,
        *,
        programme_id: str,
        programmes: Programmes,
        grievances: SweptGrievances,
        recorder: GrievanceChanges,
    ) -> None:
        self._programme_id = programme_id
        self._programmes = programmes
        self._grievances = grievances
        self._recorder = recorder

    def escalate_overdue(self, now: datetime, *, dry_run: bool = False) -> SweepReport:
        """L1 grievances whose SLA broke by `now` go to L2 (the HoD) with a fresh L2 SLA; L2 ones are marked overdue."""
        return self._sweep(SweepKind.ESCALATE, now, dry_run)

    def close_unanswered(self, now: datetime, *, dry_run: bool = False) -> SweepReport:
        """RESOLVED grievances with no feedback for the programme's feedback days are closed."""
        return self._sweep(SweepKind.AUTOCLOSE, now, dry_run)

    def apply(self, kind: SweepKind, grievance_id: str, now: datetime, *, dry_run: bool = False) -> bool:
        """True if the grievance was (or, in a dry run, would be) changed; False if it no longer qualifies."""
        grievance = self._grievances.get(grievance_id)
        if grievance is None:
            return False
        programme = self._programmes.get(self._programme_id)
        try:
            change: GrievanceChange
            if kind == SweepKind.ESCALATE and grievance.level == Level.L2:
                change = mark_overdue(grievance, now=now)
            elif kind == SweepKind.ESCALATE:
                category = programme.grievances.sla_of(grievance.category)
                change = escalate_for_breach(grievance, category=category, now=now)
            else:
                change = close_unanswered(grievance, policy=programme.grievances, now=now)
            if not dry_run:
                self._recorder.record(before=grievance, change=change, actor=SLA_JOB, at=now)
        except (InvalidTransition, VersionConflict):
            return False  # someone acted on it meanwhile; the index no longer lists it
        return True

    def _sweep(self, kind: SweepKind, now: datetime, dry_run: bool) -> SweepReport:
        programme = self._programmes.get(self._programme_id)
        due = changed = 0
        sample: list[str] = []
        for grievance_id in due_ids(self._grievances, kind, programme, now):
            due += 1
            if self.apply(kind, grievance_id, now, dry_run=dry_run):
                changed += 1
                if len(sample) < SAMPLE:
                    sample.append(grievance_id)
        return SweepReport(action=kind, dry_run=dry_run, due=due, changed=changed, skipped=due - changed, sample=sample)
