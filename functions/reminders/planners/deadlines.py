"""The deadline closes: close-registration (drafts lapse) and close-verification (what is undecided
goes to the HoD). Due from the first instant after the window, read from programme data at run
time, so an extension moves the job without a redeploy."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.programme import Programme
from core.store.registrations import SweepItem
from reminders.models import JOBS, SAMPLE_SIZE, DeadlineJob, JobName, JobPlan, JobRequest, Outcome, WorkBatch
from reminders.planners.base import Batches, Scope, pending

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import JobNotices, JobReports, JobRuns, Programmes, RegistrationSweeps


def report_key(job: JobName, programme_id: str, deadline: datetime) -> str:
    return f"reports/{programme_id}/{job.value}/{deadline.strftime('%Y-%m-%dT%H%M%S%z')}.csv"


@dataclass(frozen=True, kw_only=True)
class ClosePlanner:
    """Either close: the records still in the job's state, one message per DDO; the first run after
    the deadline also writes the report and tells the HoDs."""

    scope: Scope
    batches: Batches
    programmes: Programmes
    registrations: RegistrationSweeps
    job_runs: JobRuns
    reports: JobReports
    notifications: JobNotices

    def plan(self, request: JobRequest) -> JobPlan:
        job = JOBS[request.job]
        programme_id = self.scope.programme_id
        programme = self.programmes.get(programme_id)
        now = self.scope.clock.now()
        deadline = job.deadline(programme)
        plan = self.scope.plan(
            request,
            now,
            deadline=deadline,
            outcome=Outcome.NOT_DUE,
            detail=f"Not due: the window closes at {deadline.isoformat()}.",
        )
        if not job.is_due(programme, now):
            return plan
        items = list(pending(self.registrations, programme_id, job.acts_on))
        previous = self.job_runs.get(job.name.value, programme_id, deadline)
        by_ddo = Counter(item.ddo_code for item in items)
        plan = plan.model_copy(
            update={
                "actions": {job.action: len(items)},
                "by_ddo": dict(sorted(by_ddo.items())),
                "sample_ids": sorted(item.registration_id for item in items)[:SAMPLE_SIZE],
            }
        )
        if request.dry_run:
            return plan.model_copy(update=_dry_run_outcome(job, items, previous is None))
        closed = {} if previous else self._close_once(job, programme, deadline, items, now)
        sent = self._send(job, programme, deadline, items)
        return plan.model_copy(update={**closed, "messages_sent": sent, **_outcome(job, items, previous)})

    def _close_once(
        self, job: DeadlineJob, programme: Programme, deadline: datetime, items: list[SweepItem], now: datetime
    ) -> dict[str, object]:
        """The first run after a deadline: the report and notifications, then the run is recorded.

        They come before the record, so a run that dies in between is redone whole by the next one
        (nothing was queued yet, so it finds the same records and writes the same report).
        """
        counts = Counter((item.ddo_code, item.department, item.district) for item in items)
        rows = [(*office, count) for office, count in sorted(counts.items())]
        rows.append(("TOTAL", "", "", sum(counts.values())))
        key = self.reports.put_csv(report_key(job.name, programme.programme_id, deadline), job.report_header, rows)
        notified = self._notify(job, deadline, items, key, now)
        first = self.job_runs.claim(
            job.name.value,
            self.scope.programme_id,
            deadline,
            {
                "planned_at": now.isoformat(),
                "pending": len(items),
                "report_key": key,
                "by_ddo": dict(Counter(item.ddo_code for item in items)),
            },
        )
        return {"first_run": first, "report_key": key, "notified": notified}

    def _send(self, job: DeadlineJob, programme: Programme, deadline: datetime, items: list[SweepItem]) -> int:
        """One message per DDO and up to the batch size of records: a retried message redoes one office's few."""
        by_ddo: dict[str, list[str]] = defaultdict(list)
        for item in items:
            by_ddo[item.ddo_code].append(item.registration_id)
        return self.batches.send(
            ((ddo_code, sorted(ids)) for ddo_code, ids in sorted(by_ddo.items())),
            lambda ddo_code, ids: WorkBatch(
                job=job.name,
                programme_id=programme.programme_id,
                deadline=deadline,
                ddo_code=ddo_code,
                registration_ids=ids,
            ),
        )

    def _notify(
        self, job: DeadlineJob, deadline: datetime, items: list[SweepItem], key: str, now: datetime
    ) -> list[str]:
        """close-verification: one request per HoD, listing the DDOs of their department who left records
        undecided. Each put is conditional on its key (job, programme, deadline, HoD): never twice."""
        if job.name != JobName.CLOSE_VERIFICATION:
            return []
        programme_id = self.scope.programme_id
        by_department: dict[str, Counter[str]] = defaultdict(Counter)
        for item in items:
            by_department[item.department][item.ddo_code] += 1
        notified = []
        for department, defaulters in sorted(by_department.items()):
            recipient = f"hod:{department}"
            self.notifications.request_for_job(
                job_run=f"{job.name.value}#{programme_id}#{deadline.isoformat()}",
                recipient=recipient,
                template="verification_defaulters",
                data={
                    "programme_id": programme_id,
                    "department": department,
                    "deadline": deadline.isoformat(),
                    "escalated": sum(defaulters.values()),
                    "defaulters": [{"ddo_code": d, "escalated": n} for d, n in sorted(defaulters.items())],
                    "report": {"bucket": self.reports.bucket, "key": key},
                },
                at=now,
            )
            notified.append(recipient)
        return notified


def _outcome(job: DeadlineJob, items: list[SweepItem], previous: dict[str, object] | None) -> dict[str, object]:
    if items:
        return {"outcome": Outcome.PLANNED, "detail": f"Queued {len(items)} registrations to {job.action}."}
    closed_by = "this run" if previous is None else f"the run of {previous.get('planned_at', 'an earlier run')}"
    return {
        "outcome": Outcome.NOTHING_TO_DO,
        "detail": f"No {job.acts_on.value} registration is left; the window was closed by {closed_by}.",
    }


def _dry_run_outcome(job: DeadlineJob, items: list[SweepItem], first_run: bool) -> dict[str, object]:
    if not items:
        return {"outcome": Outcome.NOTHING_TO_DO, "detail": f"No {job.acts_on.value} registration is left."}
    report = " and write the report" if first_run else ""
    return {"outcome": Outcome.PLANNED, "detail": f"Would {job.action} {len(items)} registrations{report}."}
