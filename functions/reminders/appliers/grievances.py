"""The grievance-sla job's work: each grievance still overdue is escalated, each resolved one left
unanswered is closed (core.grievance_sla decides whether it still qualifies)."""

from __future__ import annotations

from core.clock import Clock
from core.grievance_sla import GrievanceSweeper
from reminders.models import GrievanceBatch, WorkResult


class GrievanceSweeps:
    """Takes a GrievanceBatch."""

    def __init__(self, *, sweeper: GrievanceSweeper, clock: Clock) -> None:
        self._sweeper = sweeper
        self._clock = clock

    def apply(self, batch: GrievanceBatch) -> WorkResult:
        """Escalates or closes each grievance that still qualifies now; the rest are skipped quietly."""
        now = self._clock.now()
        done: list[str] = []
        skipped: list[str] = []
        for grievance_id in batch.grievance_ids:
            (done if self._sweeper.apply(batch.action, grievance_id, now) else skipped).append(grievance_id)
        return WorkResult(job=batch.job, action=batch.action.value, done=done, skipped=skipped)
