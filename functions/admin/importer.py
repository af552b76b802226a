"""The roll-import worker: the upload's S3 event, or a continuation, arrives through the import queue.

Each message names one import; the worker carries it as far as its time allows (see
admin/roll_import.py). A message that fails is retried alone and, after the queue's
maxReceiveCount, kept in its DLQ; the import resumes from its checkpoint either way.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    import json
    from functools import cached_property
    from typing import Any
    from urllib.parse import unquote_plus

    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from admin.roll_import import RollImportWorker, import_id_of
    from admin.settings import RollImportSettings, get_import_settings
    from core.clock import current_clock
    from core.observability import logger, metrics, observed, traced
    from core.store.job_runs import ImportRunStore, ImportStatus
    from core.store.reports import ReportStore
    from core.store.roll import RollStore
    from core.store.work_queue import WorkQueue
    from core.wiring import Wiring


class RollImportWiring(Wiring[RollImportSettings]):
    @cached_property
    def importer(self) -> RollImportWorker:
        settings = self.settings
        return RollImportWorker(
            programme_id=settings.programme_id,
            programmes=self.programmes,
            runs=ImportRunStore(self.aws.dynamodb, settings.job_runs_table),
            roll=RollStore(self.aws.dynamodb, settings.roll_table),
            files=ReportStore(self.aws.s3, settings.reports_bucket),
            continuations=WorkQueue(self.aws.client("sqs"), settings.roll_import_queue_url),
            clock=current_clock(),
        )


wiring = RollImportWiring(get_import_settings)


def imports_named(body: str) -> list[str]:
    """The imports a message is about: an S3 event's source keys, or a continuation's import_id."""
    message = json.loads(body)
    if "import_id" in message:
        return [str(message["import_id"])]
    keys = [unquote_plus(r["s3"]["object"]["key"]) for r in message.get("Records", []) if "s3" in r]
    return [found for found in map(import_id_of, keys) if found]  # an s3:TestEvent names none


def _handler(context: LambdaContext) -> Any:
    @traced
    def work(record: SQSRecord) -> None:
        for import_id in imports_named(record.body):
            run = wiring.importer.run(import_id, context.get_remaining_time_in_millis)
            if run is None:
                continue
            logger.info(
                "roll import worked",
                extra={"import_id": import_id, "status": run.status.value, "next_line": run.next_line},
            )
            if run.status in (ImportStatus.COMPLETED, ImportStatus.FAILED):
                metrics.add_metric(name=f"RollImports{run.status.value.title()}", unit=MetricUnit.Count, value=1)

    return work


@observed()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(
        process_partial_response(event=event, record_handler=_handler(context), processor=processor, context=context)
    )
