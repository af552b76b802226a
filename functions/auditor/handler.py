"""The transparency auditor's scheduled job, `{"job": "transparency-audit", "dry_run"?: bool}`, hourly.

A function of its own, apart from the log's: a long audit never delays the sequencer, and its role
reads the log and the records but can write only its own results and the admins' notices. Every run
publishes `TransparencyAuditFindings` (0 when clean), which pages through an alarm, and
`TransparencyAuditRuns`, whose absence pages too (an audit that stopped running is itself a finding).
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from functools import cached_property
    from typing import Any, Literal

    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from pydantic import BaseModel, ConfigDict

    from auditor.service import JOB, TransparencyAuditor
    from auditor.settings import AuditorSettings, get_settings
    from core.clock import current_clock
    from core.kms_key import KmsSigningKey
    from core.observability import logger, metrics, observed
    from core.store.audits import AuditStore
    from core.store.checkpoint_archive import CheckpointArchive
    from core.store.corrections import CorrectionStore
    from core.store.directory import DirectoryStore
    from core.store.events import EventStore
    from core.store.grievances import GrievanceStore
    from core.store.notifications import NotificationStore
    from core.store.registrations import RegistrationStore
    from core.store.roll import RollStore
    from core.store.transparency import TransparencyStore
    from core.wiring import Wiring


class AuditJobRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    job: Literal["transparency-audit"]
    dry_run: bool = False


class AuditorWiring(Wiring[AuditorSettings]):
    @cached_property
    def auditor(self) -> TransparencyAuditor:
        settings = self.settings
        dynamodb = self.aws.dynamodb
        officials = DirectoryStore(dynamodb, settings.directory_table)
        return TransparencyAuditor(
            events=EventStore(dynamodb, settings.events_table),
            records=(
                RegistrationStore(dynamodb, settings.registrations_table),
                GrievanceStore(dynamodb, settings.grievances_table),
                CorrectionStore(dynamodb, settings.corrections_table),
                RollStore(dynamodb, settings.roll_table),
                self.programmes,
                officials,
            ),
            log=TransparencyStore(dynamodb, settings.transparency_table),
            archive=CheckpointArchive(self.aws.s3, settings.checkpoints_bucket),
            key=KmsSigningKey(lambda: self.aws.client("kms"), settings.transparency_key_id),
            audits=AuditStore(dynamodb, settings.transparency_audits_table),
            officials=officials,
            notifications=NotificationStore(dynamodb, settings.notifications_table),
            clock=current_clock(),
            sample_size=settings.audit_sample_records,
        )


wiring = AuditorWiring(get_settings)


@observed()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = AuditJobRequest.model_validate(event)  # a malformed payload fails: the schedule's DLQ keeps it
    run = wiring.auditor.run(dry_run=request.dry_run)
    summary = {
        "run_id": run.run_id,
        "verdict": run.verdict.value,
        "tree_size": run.checkpoint.tree_size if run.checkpoint else None,
        "events_checked": run.events_checked,
        "records_checked": run.records_checked,
        "findings_total": run.findings_total,
        "dry_run": request.dry_run,
    }
    if run.findings_total:
        kinds = sorted({f.kind.value for f in run.findings})
        logger.warning("transparency audit found mismatches", extra={**summary, "kinds": kinds})
    else:
        logger.info("transparency audit clean", extra=summary)
    if not request.dry_run:
        metrics.add_metric(name="TransparencyAuditRuns", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="TransparencyAuditFindings", unit=MetricUnit.Count, value=run.findings_total)
    return {"job": JOB, "dry_run": request.dry_run, "run": run.model_dump(mode="json")}
