"""The transparency auditor: one run reads everything once, decides with `core.transparency_audit`,
records the run, and tells the state's admins of what it has not told them before.

The order of the reads matters, because records change while the audit runs:
1. the checkpoint the routes serve, then the archived ones (the checkpoint job archives first, so
   nothing issued meanwhile can be in the table but not in the archive);
2. the records' heads, then the events (read consistently): a record changed meanwhile shows a chain
   ahead of its head, never behind it, and an event written since the audit began is not a moved head;
3. the stored tree nodes: only where the recomputed tree differs, and for the rolling sample.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from core.audit import RecordHead
from core.auth import Role
from core.clock import IST, Clock
from core.ids import ulid
from core.kms_key import KmsSigningKey
from core.notices import Contact
from core.observability import logger
from core.transparency_audit import (
    KEPT_FINDINGS,
    AuditRun,
    AuditVerdict,
    CheckpointRef,
    EventLedger,
    Finding,
    chain_findings,
    checkpoint_findings,
    distinct,
    findings_digest,
    next_sample,
    sample_findings,
    sample_nodes,
    served_checkpoint_findings,
    tree_findings,
)

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import ArchivedCheckpoints, AuditRuns, EventScan, JobNotices, LogReads, Members

JOB = "transparency-audit"
NOTICE_TEMPLATE = "transparency_audit_alert"


class HeadSource(Protocol):
    """A table of records that keep the head of their audit chain."""

    def heads(self) -> Iterator[RecordHead]: ...


class TransparencyAuditor:
    def __init__(
        self,
        *,
        events: EventScan,
        records: Sequence[HeadSource],
        log: LogReads,
        archive: ArchivedCheckpoints,
        key: KmsSigningKey,
        audits: AuditRuns,
        officials: Members,
        notifications: JobNotices,
        clock: Clock,
        sample_size: int,
    ) -> None:
        self._events = events
        self._records = records
        self._log = log
        self._archive = archive
        self._key = key
        self._audits = audits
        self._officials = officials
        self._notifications = notifications
        self._clock = clock
        self._sample_size = sample_size

    def run(self, *, dry_run: bool = False) -> AuditRun:
        """Audits the log; unless a dry run, records the run, tells the admins and moves the sample on."""
        started = self._clock.now()
        run_id = f"AUD-{ulid()}"
        served = self._log.latest_checkpoint()
        archived = self._archive.newest(2)
        trusted, findings = checkpoint_findings(archived, self._key.public_key(), self._key.key_id)
        findings += served_checkpoint_findings(served, archived)

        heads = [head for source in self._records for head in source.heads()]
        sample = next_sample([h.entity for h in heads], self._audits.sample_cursor(), self._sample_size)
        ledger = EventLedger(keep_bodies_of=sample)
        for event in self._events.every_event():
            ledger.add(event)
        findings += ledger.findings
        findings += chain_findings(ledger.chains, heads, started)
        tree, _ = tree_findings(ledger.leaves, [s.checkpoint for s in trusted], self._log.nodes)
        findings += tree
        if trusted and trusted[0].checkpoint.tree_size:
            sampled = {entity: ledger.kept.get(entity, []) for entity in sample}
            nodes = self._log.nodes(sample_nodes(sampled, trusted[0].checkpoint.tree_size))
            named = {(f.entity, f.seq) for f in findings}
            findings += sample_findings(sampled, trusted[0], nodes, started, already=named)
        found = distinct(findings)

        run = AuditRun(
            run_id=run_id,
            started_at=started,
            finished_at=self._clock.now(),
            verdict=AuditVerdict.MISMATCH if found else AuditVerdict.CLEAN,
            checkpoint=CheckpointRef.of(trusted[0].checkpoint) if trusted else None,
            previous_checkpoint=CheckpointRef.of(trusted[1].checkpoint) if len(trusted) > 1 else None,
            events_checked=ledger.count,
            records_checked=len({h.entity for h in heads} | set(ledger.chains)),
            sampled_records=len(sample),
            findings_total=len(found),
            findings=found[:KEPT_FINDINGS],
        )
        if dry_run:
            return run
        notified, told = self._notify(run, found)
        run = run.model_copy(update={"notified": notified})
        self._audits.record_run(run, told=told)  # with the findings told: a run never recorded marked none
        if sample:
            self._audits.move_sample_cursor(sample[-1], started)
        return run

    def _notify(self, run: AuditRun, found: list[Finding]) -> tuple[list[str], list[str]]:
        """Each admin, once per set of findings not told before; the same tampering found again next
        hour tells nobody (the alarm still pages every hour it persists). Returns the admins told and
        the findings they were told of (marked with the run, when it is recorded)."""
        keys = [f.key for f in found]
        if not keys:
            return [], []
        told_before = self._audits.notified(keys)
        new = [f for f in found if f.key not in told_before]
        if not new:
            return [], []
        admins = self._officials.members(Role.ADMIN)
        if not admins:
            logger.warning("no active admin to tell of transparency findings", extra={"findings": len(new)})
            return [], []  # told nobody: the next run tries again
        first = new[0]
        data = {
            "day": run.started_at.astimezone(IST).strftime("%d-%m-%Y"),
            "count": len(new),
            "first": f"{first.entity or 'the log'} #{first.seq if first.seq is not None else first.leaf_index}"
            f" ({first.kind.value})",
        }  # no run id: a run that dies after telling is never recorded, and its notice would name nothing
        job_run = f"{JOB}#{findings_digest(f.key for f in new)}"
        for admin in admins:
            self._notifications.request_for_job(  # a rerun after a crash finds it made: nobody is told twice
                job_run=job_run,
                recipient=f"official:{admin.username}",
                template=NOTICE_TEMPLATE,
                data=data,
                at=run.started_at,
                contact=Contact(mobile=admin.mobile, email=admin.email),
            )
        return sorted(admin.username for admin in admins), [f.key for f in new]
