"""The grievance sweeps the `grievance-sla` job runs: escalate what breached its L1 SLA, and close
what was resolved and never answered. Each finds its work by a Query on the sparse `sweeps` index
(so its cost follows the grievances due, not the table) and records each change like a person's:
one conditional transaction with its audit event, by actor `system:grievance-sla`.

Rerunning is safe: an item that was changed meanwhile fails its transition or version check and
is counted as skipped, never changed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from core.audit import Actor
from core.errors import InvalidTransition, VersionConflict
from core.grievance import Grievance, GrievanceChange, close_unanswered, escalate_for_breach
from core.recorder import GrievanceRecorder
from core.store.grievances import AUTOCLOSE_SWEEP, SLA_SWEEP, SWEEP_SHARDS, GrievanceStore
from core.store.programmes import ProgrammeStore

SLA_JOB = Actor(id="system:grievance-sla", role="system")
PAGE = 100
SAMPLE = 10


class SweepReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
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
        programmes: ProgrammeStore,
        grievances: GrievanceStore,
        recorder: GrievanceRecorder,
    ) -> None:
        self._programme_id = programme_id
        self._programmes = programmes
        self._grievances = grievances
        self._recorder = recorder

    def escalate_overdue(self, now: datetime, *, dry_run: bool = False) -> SweepReport:
        """L1 grievances whose SLA broke by `now` go to L2 (the HoD) with a fresh L2 SLA."""
        programme = self._programmes.get(self._programme_id)

        def step(grievance: Grievance) -> GrievanceChange:
            category = programme.grievances.sla_of(grievance.category)
            return escalate_for_breach(grievance, category=category, now=now)

        # A grievance breaks at the first second after due_at, which is the index's sweep_at.
        return self._sweep("escalate_overdue", SLA_SWEEP, until=now, step=step, now=now, dry_run=dry_run)

    def close_unanswered(self, now: datetime, *, dry_run: bool = False) -> SweepReport:
        """RESOLVED grievances with no feedback for the programme's feedback days are closed."""
        programme = self._programmes.get(self._programme_id)
        until = now - timedelta(days=programme.grievances.feedback_days)

        def step(grievance: Grievance) -> GrievanceChange:
            return close_unanswered(grievance, policy=programme.grievances, now=now)

        return self._sweep("close_unanswered", AUTOCLOSE_SWEEP, until=until, step=step, now=now, dry_run=dry_run)

    def _sweep(
        self,
        action: str,
        sweep: str,
        *,
        until: datetime,
        step: Callable[[Grievance], GrievanceChange],
        now: datetime,
        dry_run: bool,
    ) -> SweepReport:
        due = changed = skipped = 0
        sample: list[str] = []
        for shard in range(SWEEP_SHARDS):
            start = None
            while True:
                ids, start = self._grievances.due_for_sweep(
                    sweep=sweep, shard=shard, until=until, limit=PAGE, start=start
                )
                for grievance_id in ids:
                    due += 1
                    if self._apply(grievance_id, step, now, dry_run):
                        changed += 1
                        if len(sample) < SAMPLE:
                            sample.append(grievance_id)
                    else:
                        skipped += 1
                if start is None:
                    break
        return SweepReport(action=action, dry_run=dry_run, due=due, changed=changed, skipped=skipped, sample=sample)

    def _apply(
        self, grievance_id: str, step: Callable[[Grievance], GrievanceChange], now: datetime, dry_run: bool
    ) -> bool:
        grievance = self._grievances.get(grievance_id)
        if grievance is None:
            return False
        try:
            change = step(grievance)
            if not dry_run:
                self._recorder.record(before=grievance, change=change, actor=SLA_JOB, at=now)
        except (InvalidTransition, VersionConflict):
            return False  # someone acted on it meanwhile; the index no longer lists it
        return True
