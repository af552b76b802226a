"""Which planner plans which job, and what each is built from: the planner function's wiring.

A planner is built on its job's first run, from the stores its family needs and no others.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, partial

from core.clock import current_clock
from core.store.directory import DirectoryStore
from core.store.job_runs import JobRunStore
from core.store.reports import ReportStore
from core.store.work_queue import WorkQueue
from reminders.job_wiring import JobWiring
from reminders.models import JobName
from reminders.planners.base import Batches, Planner, PlannerTable, Scope
from reminders.planners.deadlines import ClosePlanner
from reminders.planners.digest import OfficerDigest
from reminders.planners.reminders import WindowReminders
from reminders.planners.superannuation import SuperannuationNotice
from reminders.planners.sweeps import GrievanceSla, NotificationDelivery, StateMetrics
from reminders.settings import PlannerSettings


class PlannerWiring(JobWiring[PlannerSettings]):
    """The planner function's clients and stores, each built when a job first needs it: a cold start
    of one job builds its own family's few, not every store of every job."""

    @cached_property
    def table(self) -> PlannerTable:
        return PlannerTable({job: partial(build, self) for job, build in PLANNERS.items()})

    @cached_property
    def scope(self) -> Scope:
        return Scope(programme_id=self.settings.programme_id, clock=current_clock())

    @cached_property
    def batches(self) -> Batches:
        queue = WorkQueue(self.aws.client("sqs"), self.settings.work_queue_url)
        return Batches(queue=queue, size=self.settings.work_batch_size)


def _closes(n: PlannerWiring) -> Planner:
    return ClosePlanner(
        scope=n.scope,
        batches=n.batches,
        programmes=n.programmes,
        registrations=n.registrations,
        job_runs=JobRunStore(n.aws.dynamodb, n.settings.job_runs_table),
        reports=ReportStore(n.aws.s3, n.settings.reports_bucket),
        notifications=n.notifications,
    )


def _window_reminders(n: PlannerWiring) -> Planner:
    return WindowReminders(
        scope=n.scope,
        batches=n.batches,
        programmes=n.programmes,
        registrations=n.registrations,
        roll=n.roll,
        counters=n.counters,
    )


def _superannuation(n: PlannerWiring) -> Planner:
    return SuperannuationNotice(scope=n.scope, batches=n.batches, roll=n.roll)


def _digest(n: PlannerWiring) -> Planner:
    officials = DirectoryStore(n.aws.dynamodb, n.settings.directory_table)
    return OfficerDigest(
        scope=n.scope,
        batches=n.batches,
        programmes=n.programmes,
        registrations=n.registrations,
        grievances=n.grievances,
        officials=officials,
    )


def _grievance_sla(n: PlannerWiring) -> Planner:
    return GrievanceSla(scope=n.scope, batches=n.batches, programmes=n.programmes, grievances=n.grievances)


def _delivery(n: PlannerWiring) -> Planner:
    return NotificationDelivery(scope=n.scope, batches=n.batches, notifications=n.notifications)


def _state_metrics(n: PlannerWiring) -> Planner:
    return StateMetrics(scope=n.scope, counters=n.counters)


# Each job's planner, by family: the deadline closes; reminders, superannuation and the digest;
# sweeps, delivery and metrics. A planner is built on its job's first run.
PLANNERS: dict[JobName, Callable[[PlannerWiring], Planner]] = {
    JobName.CLOSE_REGISTRATION: _closes,
    JobName.CLOSE_VERIFICATION: _closes,
    JobName.REGISTRATION_REMINDERS: _window_reminders,
    JobName.VERIFICATION_REMINDERS: _window_reminders,
    JobName.SUPERANNUATION_NOTICE: _superannuation,
    JobName.OFFICER_DIGEST: _digest,
    JobName.GRIEVANCE_SLA: _grievance_sla,
    JobName.DELIVER_NOTIFICATIONS: _delivery,
    JobName.STATE_METRICS: _state_metrics,
}
