"""The periodic sweeps: grievance SLA (every 15 minutes), the notification outbox (every 5) and the
programme's totals as metrics (every 5). None is tied to a deadline."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.corrections import CORRECTIONS
from core.grievance_sla import SweepKind, due_ids
from core.store.dynamo import across_shards
from core.store.notifications import PENDING_SHARDS
from reminders.models import SAMPLE_SIZE, GrievanceBatch, JobName, JobPlan, JobRequest, NoticeBatch, Outcome, RequestKey
from reminders.planners.base import Batches, Scope

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CounterTotals, GrievanceSweepIndex, PendingNotices, Programmes


@dataclass(frozen=True, kw_only=True)
class GrievanceSla:
    """Grievances whose L1 SLA broke and resolutions unanswered for the feedback days, from the
    sparse sweeps index; a rerun finds only what is still due, so it never acts twice."""

    scope: Scope
    batches: Batches
    programmes: Programmes
    grievances: GrievanceSweepIndex

    def plan(self, request: JobRequest) -> JobPlan:
        programme = self.programmes.get(self.scope.programme_id)
        now = self.scope.clock.now()
        due = {kind: list(due_ids(self.grievances, kind, programme, now)) for kind in SweepKind}
        total = sum(len(ids) for ids in due.values())
        plan = self.scope.plan(
            request,
            now,
            outcome=Outcome.PLANNED if total else Outcome.NOTHING_TO_DO,
            detail=", ".join(f"{len(ids)} to {kind.value}" for kind, ids in due.items())
            if total
            else "No grievance is overdue at L1 or waiting to be closed.",
            actions={kind.value: len(ids) for kind, ids in due.items()},
            sample_ids=sorted(i for ids in due.values() for i in ids)[:SAMPLE_SIZE],
        )
        return self.batches.queued(
            plan,
            list(due.items()),
            lambda kind, ids: GrievanceBatch(
                job=JobName.GRIEVANCE_SLA, programme_id=programme.programme_id, action=kind, grievance_ids=ids
            ),
        )


@dataclass(frozen=True, kw_only=True)
class NotificationDelivery:
    """Every undelivered outbox request, from the sparse pending index, in batches for the worker."""

    scope: Scope
    batches: Batches
    notifications: PendingNotices

    def plan(self, request: JobRequest) -> JobPlan:
        now = self.scope.clock.now()
        found = list(
            across_shards(
                PENDING_SHARDS, lambda shard, start: self.notifications.pending(shard=shard, limit=100, start=start)
            )
        )
        requests = [RequestKey(pk=r.pk, sk=r.sk) for r in found]
        templates = Counter(r.template for r in found)
        plan = self.scope.plan(
            request,
            now,
            outcome=Outcome.PLANNED if requests else Outcome.NOTHING_TO_DO,
            detail=f"{len(requests)} notification requests to deliver." if requests else "The outbox is empty.",
            actions=dict(sorted(templates.items())),
            sample_ids=[f"{k.pk}#{k.sk}" for k in requests[:SAMPLE_SIZE]],
        )
        return self.batches.queued(
            plan,
            [(None, requests)],
            lambda _, keys: NoticeBatch(
                job=JobName.DELIVER_NOTIFICATIONS, programme_id=self.scope.programme_id, requests=keys
            ),
        )


@dataclass(frozen=True, kw_only=True)
class StateMetrics:
    """The programme's registrations by state, grievances by status (with "overdue") and mobile
    corrections by state, from the counters (three BatchGetItem); the handler publishes them as
    metrics for the dashboard. It queues nothing."""

    scope: Scope
    counters: CounterTotals

    def plan(self, request: JobRequest) -> JobPlan:
        programme_id = self.scope.programme_id
        totals = {
            f"{kind}.{name}": count
            for kind in ("registrations", "grievances", CORRECTIONS)
            for name, count in self.counters.totals(
                kind=kind, programme_id=programme_id, scope="programme", value=programme_id
            ).items()
        }
        return self.scope.plan(
            request,
            self.scope.clock.now(),
            outcome=Outcome.PLANNED,
            detail="The programme's totals, from the counters.",
            actions=dict(sorted(totals.items())),
        )
