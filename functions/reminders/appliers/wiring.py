"""Which applier takes which work message, and what each is built from: the worker function's wiring.

An applier is built on the first message of its kind, from the stores and clients its work needs and
no others: a notice delivery builds no grievance sweeper, recorder or SQS client, and a deadline close
no SNS or SES client.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, partial
from typing import Any

from pydantic import BaseModel

from core.clock import Clock, current_clock
from core.delivery import Deliverer, EmailSender, SmsSender
from core.grievance_recorder import GrievanceRecorder
from core.grievance_sla import GrievanceSweeper
from core.recorder import ChangeRecorder
from core.store.events import EventStore
from core.store.work_queue import WorkQueue
from reminders.appliers.base import Applier, ApplierTable
from reminders.appliers.grievances import GrievanceSweeps
from reminders.appliers.notices import NoticeDelivery, ReminderSender
from reminders.appliers.records import DeadlineCloser
from reminders.job_wiring import JobWiring
from reminders.models import GrievanceBatch, NoticeBatch, ReminderBatch, WorkBatch
from reminders.settings import WorkerSettings


class WorkerWiring(JobWiring[WorkerSettings]):
    """The worker function's clients and stores, each built when a kind of message first needs it."""

    @cached_property
    def appliers(self) -> ApplierTable:
        return ApplierTable({kind: partial(build, self) for kind, build in APPLIERS.items()})

    @cached_property
    def clock(self) -> Clock:
        return current_clock()

    # The recorders: built here alone.
    @cached_property
    def recorder(self) -> ChangeRecorder:
        return ChangeRecorder(self.registrations, self.events, self.counters)

    @cached_property
    def grievance_recorder(self) -> GrievanceRecorder:
        return GrievanceRecorder(self.grievances, self.events, self.counters, self.notifications)

    @cached_property
    def deliverer(self) -> Deliverer:
        return Deliverer(
            notifications=self.notifications,
            roll=self.roll,
            sms=SmsSender(self.aws.client("sns")),
            email=EmailSender(self.aws.client("ses"), self.settings.notice_email_template),
            dlt_entity_id=self.settings.dlt_entity_id,
        )

    @cached_property
    def checkpoint_requests(self) -> WorkQueue:
        return WorkQueue(self.aws.client("sqs"), self.settings.checkpoint_queue_url)

    @cached_property
    def events(self) -> EventStore:
        return EventStore(self.aws.dynamodb, self.settings.events_table)


def _deadline_closes(n: WorkerWiring) -> Applier[WorkBatch]:
    return DeadlineCloser(
        programmes=n.programmes,
        registrations=n.registrations,
        recorder=n.recorder,
        notifications=n.notifications,
        checkpoint_requests=n.checkpoint_requests,
        clock=n.clock,
    )


def _grievance_sweeps(n: WorkerWiring) -> Applier[GrievanceBatch]:
    sweeper = GrievanceSweeper(
        programme_id=n.settings.programme_id,
        programmes=n.programmes,
        grievances=n.grievances,
        recorder=n.grievance_recorder,
    )
    return GrievanceSweeps(sweeper=sweeper, clock=n.clock)


def _notices(n: WorkerWiring) -> Applier[NoticeBatch]:
    return NoticeDelivery(programmes=n.programmes, notifications=n.notifications, deliverer=n.deliverer, clock=n.clock)


def _reminders(n: WorkerWiring) -> Applier[ReminderBatch]:
    return ReminderSender(programmes=n.programmes, deliverer=n.deliverer, clock=n.clock)


# Each kind of work message's applier: the deadline closes' records, the grievance sweep's grievances,
# the outbox's requests and the reminder jobs' recipients. An applier is built on its kind's first message.
APPLIERS: dict[type[BaseModel], Callable[[WorkerWiring], Applier[Any]]] = {
    WorkBatch: _deadline_closes,
    GrievanceBatch: _grievance_sweeps,
    NoticeBatch: _notices,
    ReminderBatch: _reminders,
}
