"""The SQS worker of the scheduled jobs: each message is one batch of a job's work (a DDO's records, grievances,
outbox requests or reminders), done by the applier of its kind (reminders.appliers).

Powertools batch processing with partial failures: a message that fails is retried alone (and,
after the queue's maxReceiveCount, kept in its DLQ); the others are deleted.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from typing import Any

    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from pydantic import TypeAdapter

    from core.observability import logger, metrics, observed, traced
    from reminders.appliers.wiring import WorkerWiring
    from reminders.models import WorkMessage
    from reminders.settings import get_worker_settings

wiring = WorkerWiring(get_worker_settings)


_MESSAGE: TypeAdapter[WorkMessage] = TypeAdapter(WorkMessage)


@traced
def _work(record: SQSRecord) -> None:
    batch = _MESSAGE.validate_json(record.body)  # a malformed message fails alone
    result = wiring.appliers.apply(batch)  # the applier of the message's kind (reminders.appliers.wiring)
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
