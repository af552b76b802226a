"""The scheduled planner: EventBridge Scheduler invokes it with `{"job": ..., "dry_run"?: bool}`.

It plans (Queries the sparse sweep index, groups the work by DDO, writes what must be written
once per deadline) and queues the work for `reminders.worker`. It never changes a registration.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from typing import Any

    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from core.corrections import CORRECTIONS, CorrectionStatus
    from core.grievance import OPEN_STATUSES, OVERDUE
    from core.observability import logger, metrics, observed
    from core.registration import RegistrationStatus
    from reminders.models import JobName, JobPlan, JobRequest
    from reminders.planners.wiring import PlannerWiring
    from reminders.settings import get_planner_settings

wiring = PlannerWiring(get_planner_settings)


# The dashboard's gauges, one metric name each (the dashboard plots them by these names).
REGISTRATION_METRICS = {
    RegistrationStatus.DRAFT: "RegistrationsDraft",
    RegistrationStatus.SUBMITTED: "RegistrationsSubmitted",
    RegistrationStatus.SENT_BACK: "RegistrationsSentBack",
    RegistrationStatus.VERIFIED: "RegistrationsVerified",
    RegistrationStatus.REJECTED: "RegistrationsRejected",
    RegistrationStatus.LAPSED: "RegistrationsLapsed",
    RegistrationStatus.ESCALATED: "RegistrationsEscalated",
}


def publish_state(plan: JobPlan) -> None:
    totals = plan.actions
    for state, metric in REGISTRATION_METRICS.items():
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=totals.get(f"registrations.{state.value}", 0))
    backlog = totals.get(f"registrations.{RegistrationStatus.SUBMITTED.value}", 0)
    metrics.add_metric(name="VerificationBacklog", unit=MetricUnit.Count, value=backlog)
    opened = sum(totals.get(f"grievances.{s.value}", 0) for s in OPEN_STATUSES)
    metrics.add_metric(name="GrievancesOpen", unit=MetricUnit.Count, value=opened)
    metrics.add_metric(name="GrievancesOverdue", unit=MetricUnit.Count, value=totals.get(f"grievances.{OVERDUE}", 0))
    pending = totals.get(f"{CORRECTIONS}.{CorrectionStatus.PENDING.value}", 0)
    metrics.add_metric(name="CorrectionsPending", unit=MetricUnit.Count, value=pending)


@observed()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = JobRequest.model_validate(event)  # a malformed payload fails: the schedule's DLQ keeps it
    plan = wiring.table.run(request)
    logger.info(
        "job planned",
        extra={
            "job": plan.job.value,
            "corrections_pending": plan.corrections_pending,
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
    if plan.job == JobName.STATE_METRICS and not plan.dry_run:
        publish_state(plan)
    elif not plan.dry_run:
        metrics.add_metadata(key="job", value=plan.job.value)
        metrics.add_metric(name="JobItemsQueued", unit=MetricUnit.Count, value=sum(plan.actions.values()))
    return plan.model_dump(mode="json")
