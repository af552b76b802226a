"""The log's scheduled jobs, in a function of its own with one concurrent execution (the single sequencer).

* `{"job": "transparency-sequence"}` every minute: appends the pending events to the tree;
* `{"job": "transparency-checkpoint"}` hourly: sequences, then signs and archives a checkpoint;
* an SQS batch from `CheckpointRequestQueue` (a deadline job's worker asks once it changed records):
  one checkpoint for the whole batch.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    import json
    from enum import StrEnum
    from typing import Any

    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from pydantic import BaseModel, ConfigDict

    from core.observability import logger, metrics, observed
    from transparency.handler import wiring


class LogJob(StrEnum):
    SEQUENCE = "transparency-sequence"
    CHECKPOINT = "transparency-checkpoint"


class LogJobRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    job: LogJob
    dry_run: bool = False


def _checkpoint(reason: str) -> dict[str, Any]:
    signed, report = wiring.service.checkpoint()
    checkpoint = signed.checkpoint
    logger.info(
        "checkpoint issued",
        extra={
            "reason": reason,
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "appended": report.appended,
        },
    )
    metrics.add_metric(name="TransparencyCheckpoints", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="TransparencyTreeSize", unit=MetricUnit.Count, value=checkpoint.tree_size)
    return {"job": LogJob.CHECKPOINT.value, "checkpoint": signed.model_dump(mode="json"), "appended": report.appended}


def _after(record: dict[str, Any]) -> str:
    """Which job asked (for the log line); a message we cannot read still earns the checkpoint."""
    try:
        return str(json.loads(record.get("body") or "{}").get("after", "a deadline job"))
    except (ValueError, AttributeError):
        return "a deadline job"


@observed()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:  # checkpoint requests after a deadline job: one checkpoint covers them all
        reasons = sorted({_after(record) for record in event["Records"]})
        return _checkpoint(f"after {', '.join(reasons)}")
    request = LogJobRequest.model_validate(event)  # a malformed payload fails: the schedule's DLQ keeps it
    if request.dry_run:
        return {"job": request.job.value, "dry_run": True, "pending": len(wiring.service.pending_sample())}
    if request.job == LogJob.CHECKPOINT:
        return _checkpoint("hourly")
    report = wiring.service.sequence()
    metrics.add_metric(name="TransparencyEventsSequenced", unit=MetricUnit.Count, value=report.appended)
    logger.info("events sequenced", extra=report.model_dump())
    return {"job": request.job.value, **report.model_dump()}
