"""The SQS worker of the deadline jobs: each message is one DDO's batch of records to act on.

Powertools batch processing with partial failures: a message that fails is retried alone (and,
after the queue's maxReceiveCount, kept in its DLQ); the others are deleted.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from core.clock import current_clock
from core.delivery import Deliverer, EmailSender, SmsSender
from core.grievance_recorder import GrievanceRecorder
from core.grievance_sla import GrievanceSweeper
from core.observability import logger, metrics, observed, traced
from core.recorder import ChangeRecorder
from core.store.counters import CounterStore
from core.store.events import EventStore
from core.store.grievances import GrievanceStore
from core.store.notifications import NotificationStore
from core.store.registrations import RegistrationStore
from core.store.roll import RollStore
from core.store.work_queue import WorkQueue
from core.wiring import Wiring
from reminders.appliers import JobWorker
from reminders.models import GrievanceBatch, NoticeBatch, ReminderBatch, WorkMessage
from reminders.settings import WorkerSettings, get_worker_settings


class WorkerWiring(Wiring[WorkerSettings]):
    @cached_property
    def checkpoint_requests(self) -> WorkQueue:
        return WorkQueue(self.aws.client("sqs"), self.settings.checkpoint_queue_url)

    @cached_property
    def worker(self) -> JobWorker:
        settings = self.settings
        dynamodb = self.aws.dynamodb
        registrations = RegistrationStore(dynamodb, settings.registrations_table)
        grievances = GrievanceStore(dynamodb, settings.grievances_table)
        events = EventStore(dynamodb, settings.events_table)
        counters = CounterStore(dynamodb, settings.counters_table)
        programmes = self.programmes
        notifications = NotificationStore(dynamodb, settings.notifications_table)
        return JobWorker(
            programmes=programmes,
            registrations=registrations,
            recorder=ChangeRecorder(registrations, events, counters),
            sweeper=GrievanceSweeper(
                programme_id=settings.programme_id,
                programmes=programmes,
                grievances=grievances,
                recorder=GrievanceRecorder(grievances, events, counters, notifications),
            ),
            notifications=notifications,
            deliverer=Deliverer(
                notifications=notifications,
                roll=RollStore(dynamodb, settings.roll_table),
                sms=SmsSender(self.aws.client("sns")),
                email=EmailSender(self.aws.client("ses"), settings.notice_email_template),
                dlt_entity_id=settings.dlt_entity_id,
            ),
            clock=current_clock(),
        )


wiring = WorkerWiring(get_worker_settings)


_MESSAGE: TypeAdapter[WorkMessage] = TypeAdapter(WorkMessage)


@traced
def _work(record: SQSRecord) -> None:
    batch = _MESSAGE.validate_json(record.body)  # a malformed message fails alone
    if isinstance(batch, GrievanceBatch):
        result = wiring.worker.work_grievances(batch)
    elif isinstance(batch, NoticeBatch):
        result = wiring.worker.deliver(batch)
    elif isinstance(batch, ReminderBatch):
        result = wiring.worker.remind(batch)
    else:
        result = wiring.worker.work(batch)
        # Records lapsed or escalated: a signed checkpoint should cover them at once. Asked after every
        # batch, not only one that changed records: a redelivery, after a request that failed, finds the
        # records done (skipped) and must ask again. One checkpoint covers any number of requests.
        wiring.checkpoint_requests.send([{"after": result.job.value}])
    logger.info(
        "work batch done",
        extra={
            "job": result.job.value,
            "action": result.action,
            "ddo_code": getattr(batch, "ddo_code", None),
            "done": len(result.done),
            "skipped": len(result.skipped),
            "done_ids": result.done,
        },
    )
    metrics.add_metric(name="JobItemsDone", unit=MetricUnit.Count, value=len(result.done))


@observed()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Every failed message is reported, even when all of them failed: Lambda then retries exactly
    # those, and the local poller (which runs this in-process) sees an answer rather than an exception.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=_work, processor=processor, context=context))
