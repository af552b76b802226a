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
from core.store.counters import CounterStore
from core.store.events import EventStore
from core.store.grievances import GrievanceStore
from core.store.notifications import NotificationStore
from core.store.registrations import RegistrationStore
from core.store.roll import RollStore
from core.store.work_queue import WorkQueue
from core.wiring import Wiring
from reminders.appliers.base import Applier, ApplierTable
from reminders.appliers.grievances import GrievanceSweeps
from reminders.appliers.notices import NoticeDelivery, ReminderSender
from reminders.appliers.records import DeadlineCloser
from reminders.models import GrievanceBatch, NoticeBatch, ReminderBatch, WorkBatch
from reminders.settings import WorkerSettings


class WorkerWiring(Wiring[WorkerSettings]):
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
            roll=RollStore(self.aws.dynamodb, self.settings.roll_table),
            sms=SmsSender(self.aws.client("sns")),
            email=EmailSender(self.aws.client("ses"), self.settings.notice_email_template),
            dlt_entity_id=self.settings.dlt_entity_id,
        )

    @cached_property
    def checkpoint_requests(self) -> WorkQueue:
        return WorkQueue(self.aws.client("sqs"), self.settings.checkpoint_queue_url)

    @cached_property
    def registrations(self) -> RegistrationStore:
        return RegistrationStore(self.aws.dynamodb, self.settings.registrations_table)

    @cached_property
    def grievances(self) -> GrievanceStore:
        return GrievanceStore(self.aws.dynamodb, self.settings.grievances_table)

    @cached_property
    def events(self) -> EventStore:
        return EventStore(self.aws.dynamodb, self.settings.events_table)

    @cached_property
    def counters(self) -> CounterStore:
        return CounterStore(self.aws.dynamodb, self.settings.counters_table)

    @cached_property
    def notifications(self) -> NotificationStore:
        return NotificationStore(self.aws.dynamodb, self.settings.notifications_table)


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
