"""The scheduled planner: EventBridge Scheduler invokes it with `{"job": ..., "dry_run"?: bool}`.

It plans (Queries the sparse sweep index, groups the work by DDO, writes what must be written
once per deadline) and queues the work for `reminders.worker`. It never changes a registration.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.aws import AwsClients
from core.clock import current_clock
from core.observability import logger, metrics, observed
from core.store.grievances import GrievanceStore
from core.store.job_runs import JobRunStore
from core.store.notifications import NotificationStore
from core.store.officials import OfficialDirectory
from core.store.programmes import ProgrammeStore
from core.store.registrations import RegistrationStore
from core.store.reports import ReportStore
from core.store.roll import RollStore
from core.store.work_queue import WorkQueue
from reminders.models import JobRequest
from reminders.service import JobPlanner
from reminders.settings import get_planner_settings


@lru_cache(maxsize=1)
def _aws() -> AwsClients:
    return AwsClients.for_function(get_planner_settings())


@lru_cache(maxsize=1)
def planner() -> JobPlanner:
    settings = get_planner_settings()
    dynamodb = _aws().dynamodb
    return JobPlanner(
        programme_id=settings.programme_id,
        programmes=ProgrammeStore.for_function(_aws(), settings),
        registrations=RegistrationStore(dynamodb, settings.registrations_table),
        grievances=GrievanceStore(dynamodb, settings.grievances_table),
        roll=RollStore(dynamodb, settings.roll_table),
        officials=OfficialDirectory(_aws().client("cognito-idp"), settings.user_pool_id),
        job_runs=JobRunStore(dynamodb, settings.job_runs_table),
        reports=ReportStore(_aws().s3, settings.reports_bucket),
        notifications=NotificationStore(settings.notifications_table, dynamodb),
        dynamodb=dynamodb,
        work_queue=WorkQueue(_aws().client("sqs"), settings.work_queue_url),
        clock=current_clock(),
        batch_size=settings.work_batch_size,
    )


@observed()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = JobRequest.model_validate(event)  # a malformed payload fails: the schedule's DLQ keeps it
    plan = planner().run(request)
    logger.info(
        "job planned",
        extra={
            "job": plan.job.value,
            "dry_run": plan.dry_run,
            "outcome": plan.outcome.value,
            "detail": plan.detail,
            "actions": plan.actions,
            "by_ddo": plan.by_ddo,
            "sample_ids": plan.sample_ids,
            "messages_sent": plan.messages_sent,
            "report_key": plan.report_key,
        },
    )
    if not plan.dry_run:
        metrics.add_metadata(key="job", value=plan.job.value)
        metrics.add_metric(name="JobItemsQueued", unit=MetricUnit.Count, value=sum(plan.actions.values()))
    return plan.model_dump(mode="json")
