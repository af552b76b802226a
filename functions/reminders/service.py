"""The deadline jobs as domain operations: the planner finds and groups the work, the worker does it.

Nothing here knows about Lambda, schedules or SQS events; the handlers parse and call one method.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Protocol

from core.auth import Role
from core.clock import IST, Clock
from core.corrections import CORRECTIONS, CorrectionStatus
from core.delivery import Deliverer
from core.errors import Busy, VersionConflict
from core.escalation import escalate_to_hod
from core.grievance_sla import GrievanceSweeper, SweepKind, due_ids
from core.lapsing import lapse_draft
from core.observability import logger
from core.programme import Programme
from core.recorder import ChangeRecorder
from core.registration import Registration, RegistrationStatus
from core.store.counters import CounterStore
from core.store.directory import DirectoryStore
from core.store.dynamo import Position, across_shards, put_once
from core.store.grievances import L2_QUEUE, UNIT_QUEUE, GrievanceStore
from core.store.job_runs import JobRunStore
from core.store.notifications import PENDING_SHARDS, NotificationStore
from core.store.programmes import ProgrammeStore
from core.store.registrations import SWEEP_SHARDS, RegistrationStore, SweepItem
from core.store.reports import ReportStore
from core.store.roll import UNREGISTERED_SHARDS, RollStore
from core.store.work_queue import WorkQueue
from reminders.models import (
    JOBS,
    REMINDER_DAYS,
    SAMPLE_SIZE,
    SUPERANNUATION_NOTICE_DAYS,
    DeadlineJob,
    GrievanceBatch,
    JobName,
    JobPlan,
    JobRequest,
    NoticeBatch,
    Outcome,
    ReminderBatch,
    ReminderItem,
    ReminderJobName,
    RequestKey,
    WorkBatch,
    WorkResult,
)

# Attempts at one record when a person changes it at the same moment (read again, decide again).
RECORD_ATTEMPTS = 3


class Transition(Protocol):
    def __call__(
        self,
        recorder: ChangeRecorder,
        registration: Registration,
        now: datetime,
        *,
        notices: NotificationStore | None = None,
        deadline: datetime | None = None,
    ) -> Registration: ...


TRANSITIONS: dict[JobName, Transition] = {
    JobName.CLOSE_REGISTRATION: lapse_draft,
    JobName.CLOSE_VERIFICATION: escalate_to_hod,
}


def report_key(job: JobName, programme_id: str, deadline: datetime) -> str:
    return f"reports/{programme_id}/{job.value}/{deadline.strftime('%Y-%m-%dT%H%M%S%z')}.csv"


class JobPlanner:
    def __init__(
        self,
        *,
        programme_id: str,
        programmes: ProgrammeStore,
        registrations: RegistrationStore,
        grievances: GrievanceStore,
        roll: RollStore,
        officials: DirectoryStore | None,
        job_runs: JobRunStore,
        reports: ReportStore,
        notifications: NotificationStore,
        counters: CounterStore,
        dynamodb: object,
        work_queue: WorkQueue,
        clock: Clock,
        batch_size: int,
    ) -> None:
        self._programme_id = programme_id
        self._programmes = programmes
        self._registrations = registrations
        self._grievances = grievances
        self._roll = roll
        self._officials = officials
        self._job_runs = job_runs
        self._reports = reports
        self._notifications = notifications
        self._counters = counters
        self._dynamodb = dynamodb
        self._work_queue = work_queue
        self._clock = clock
        self._batch_size = batch_size

    def run(self, request: JobRequest) -> JobPlan:
        if request.job == JobName.GRIEVANCE_SLA:
            return self._plan_grievance_sla(request)
        if request.job == JobName.DELIVER_NOTIFICATIONS:
            return self._plan_delivery(request)
        if request.job in REMINDER_DAYS:
            return self._plan_reminders(request)
        if request.job == JobName.SUPERANNUATION_NOTICE:
            return self._plan_superannuation(request)
        if request.job == JobName.OFFICER_DIGEST:
            return self._plan_digest(request)
        if request.job == JobName.STATE_METRICS:
            return self._state_totals(request)
        job = JOBS[request.job]
        # Read at run time: an extension of the window moves the job without a redeploy.
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        deadline = job.deadline(programme)
        plan = JobPlan(
            job=job.name,
            programme_id=self._programme_id,
            dry_run=request.dry_run,
            now=now,
            deadline=deadline,
            outcome=Outcome.NOT_DUE,
            detail=f"Not due: the window closes at {deadline.isoformat()}.",
        )
        if not job.is_due(programme, now):
            return plan
        pending = list(self._pending(job.acts_on))
        previous = self._job_runs.get(job.name.value, self._programme_id, deadline)
        by_ddo = Counter(item.ddo_code for item in pending)
        plan = plan.model_copy(
            update={
                "actions": {job.action: len(pending)},
                "by_ddo": dict(sorted(by_ddo.items())),
                "sample_ids": sorted(item.registration_id for item in pending)[:SAMPLE_SIZE],
            }
        )
        if request.dry_run:
            return plan.model_copy(update=self._dry_run_outcome(job, pending, previous is None))
        closed = {} if previous else self._close_once(job, programme, deadline, pending, now)
        sent = self._work_queue.send(self._batches(job, programme, deadline, pending))
        return plan.model_copy(update={**closed, "messages_sent": sent, **self._outcome(job, pending, previous)})

    def _plan_grievance_sla(self, request: JobRequest) -> JobPlan:
        """Grievances whose L1 SLA broke and resolutions unanswered for the feedback days, from the
        sparse sweeps index; a rerun finds only what is still due, so it never acts twice."""
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        due = {kind: list(due_ids(self._grievances, kind, programme, now)) for kind in SweepKind}
        total = sum(len(ids) for ids in due.values())
        plan = JobPlan(
            job=JobName.GRIEVANCE_SLA,
            programme_id=self._programme_id,
            dry_run=request.dry_run,
            now=now,
            deadline=None,
            outcome=Outcome.PLANNED if total else Outcome.NOTHING_TO_DO,
            detail=", ".join(f"{len(ids)} to {kind.value}" for kind, ids in due.items())
            if total
            else "No grievance is overdue at L1 or waiting to be closed.",
            actions={kind.value: len(ids) for kind, ids in due.items()},
            sample_ids=sorted(i for ids in due.values() for i in ids)[:SAMPLE_SIZE],
        )
        if request.dry_run or not total:
            return plan
        batches = [
            GrievanceBatch(
                job=JobName.GRIEVANCE_SLA,
                programme_id=programme.programme_id,
                action=kind,
                grievance_ids=ids[start : start + self._batch_size],
            ).model_dump(mode="json")
            for kind, ids in due.items()
            for start in range(0, len(ids), self._batch_size)
        ]
        return plan.model_copy(update={"messages_sent": self._work_queue.send(batches)})

    def _plan_reminders(self, request: JobRequest) -> JobPlan:
        """On the reminder days before a close (read from programme data now, so an extension moves
        them): employees not yet registered or still in DRAFT, or DDOs with records pending."""
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        registration = request.job == JobName.REGISTRATION_REMINDERS
        window = programme.registration if registration else programme.verification
        closes_on = window.closes_at.astimezone(IST).date()
        today = now.astimezone(IST).date()
        days_left = (closes_on - today).days
        plan = JobPlan(
            job=request.job,
            programme_id=self._programme_id,
            dry_run=request.dry_run,
            now=now,
            deadline=window.closes_at,
            outcome=Outcome.NOT_DUE,
            detail=f"Not a reminder day: {days_left} days before the close on {closes_on.isoformat()}.",
        )
        if not window.is_open(now) or days_left not in REMINDER_DAYS[request.job]:
            return plan
        data: dict[str, str | int] = {"days_left": days_left, "closes_on": closes_on.strftime("%d-%m-%Y")}
        corrections: dict[str, int] = {}
        ddo_items: list[ReminderItem] = []
        if registration:
            codes = sorted({*self._unregistered(), *(i.employee_code for i in self._pending(RegistrationStatus.DRAFT))})
            items = [ReminderItem(recipient=f"employee:{code}", data=data) for code in codes]
            by_ddo: dict[str, int] = {}
            # Employees whose OTP cannot arrive wait on their DDO: each DDO with requests pending hears the count.
            corrections = self._corrections_pending()
            ddo_items = [
                ReminderItem(recipient=f"ddo:{d}", data={**data, "pending": n}) for d, n in corrections.items()
            ]
        else:
            by_ddo = dict(sorted(Counter(i.ddo_code for i in self._pending(RegistrationStatus.SUBMITTED)).items()))
            items = [ReminderItem(recipient=f"ddo:{d}", data={**data, "pending": n}) for d, n in by_ddo.items()]
        total = len(items) + len(ddo_items)
        detail = f"T-{days_left}: {len(items)} to remind." if total else f"T-{days_left}: nobody to remind."
        if corrections:
            detail += f" {sum(corrections.values())} mobile corrections pending with {len(corrections)} DDOs."
        plan = plan.model_copy(
            update={
                "outcome": Outcome.PLANNED if total else Outcome.NOTHING_TO_DO,
                "detail": detail,
                "actions": {
                    "remind": len(items),
                    **({"remind_ddo_corrections": len(ddo_items)} if registration else {}),
                },
                "by_ddo": by_ddo,
                "corrections_pending": corrections,
                "sample_ids": [i.recipient for i in [*items, *ddo_items][:SAMPLE_SIZE]],
            }
        )
        if request.dry_run or not total:
            return plan
        template = "registration_reminder" if registration else "verification_reminder"
        sent = self._send_reminders(
            JobName.REGISTRATION_REMINDERS if registration else JobName.VERIFICATION_REMINDERS,
            campaign=f"{request.job.value}#{closes_on.isoformat()}#T-{days_left}",
            day=today,
            groups=[(template, items), ("correction_reminder", ddo_items)],
        )
        return plan.model_copy(update={"messages_sent": sent})

    def _corrections_pending(self) -> dict[str, int]:
        """Pending mobile-correction requests by DDO, from the counters: one Query of the groups index."""
        groups = self._counters.groups(kind=CORRECTIONS, programme_id=self._programme_id, scope="ddo")
        pending = CorrectionStatus.PENDING.value
        return {ddo: counts[pending] for ddo, counts in sorted(groups.items()) if counts.get(pending, 0) > 0}

    def _plan_superannuation(self, request: JobRequest) -> JobPlan:
        """Employees reaching the superannuation age within 90 days, and each one's DDO with a count:
        the months ahead are index partitions, so the cost follows who is retiring, not the roll."""
        now = self._clock.now()
        today = now.astimezone(IST).date()
        until = today + timedelta(days=SUPERANNUATION_NOTICE_DAYS)
        months, month = [], today.replace(day=1)
        while month <= until:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        retiring = [
            r
            for m in months
            for r in self._roll.retiring(programme_id=self._programme_id, month=m)
            if today <= r.retires_on <= until
        ]
        by_ddo = dict(sorted(Counter(r.ddo_code for r in retiring).items()))
        items = [
            ReminderItem(
                recipient=f"employee:{r.employee_code}", data={"retires_on": r.retires_on.strftime("%d-%m-%Y")}
            )
            for r in sorted(retiring, key=lambda r: r.employee_code)
        ]
        ddo_items = [ReminderItem(recipient=f"ddo:{d}", data={"count": n}) for d, n in by_ddo.items()]
        plan = JobPlan(
            job=JobName.SUPERANNUATION_NOTICE,
            programme_id=self._programme_id,
            dry_run=request.dry_run,
            now=now,
            deadline=None,
            outcome=Outcome.PLANNED if items else Outcome.NOTHING_TO_DO,
            detail=f"{len(items)} employees reach superannuation by {until.isoformat()}."
            if items
            else f"Nobody reaches superannuation by {until.isoformat()}.",
            actions={"notify_employee": len(items), "notify_ddo": len(ddo_items)},
            by_ddo=by_ddo,
            sample_ids=[i.recipient for i in items[:SAMPLE_SIZE]],
        )
        if request.dry_run or not items:
            return plan
        sent = self._send_reminders(
            JobName.SUPERANNUATION_NOTICE,
            campaign=f"superannuation#{today.strftime('%Y-%m')}",
            day=today,
            groups=[("superannuation_notice", items), ("superannuation_ddo", ddo_items)],
        )
        return plan.model_copy(update={"messages_sent": sent})

    def _plan_digest(self, request: JobRequest) -> JobPlan:
        """Each grievance unit: open and overdue, and its officers not signed in yesterday; each HoD: L2
        open and overdue, and the officers of the department's units who were absent; each DDO with
        records pending while verification is open: the count. O(officials) reads, COUNT Queries."""
        if self._officials is None:
            raise ValueError("the officer digest needs the directory")  # a wiring error, not a request's
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        today = now.astimezone(IST).date()
        yesterday_began = datetime.combine(today - timedelta(days=1), time(0), tzinfo=IST)
        absent_by_unit: dict[str, list[str]] = defaultdict(list)
        for officer in self._officials.members(Role.OFFICER):
            seen = self._grievances.last_seen(officer.username)
            if officer.unit and (seen is None or seen < yesterday_began):
                absent_by_unit[officer.unit].append(officer.username)
        day = today.strftime("%d-%m-%Y")
        policy = programme.grievances
        unit_items = [
            ReminderItem(
                recipient=f"unit:{unit.unit_id}",
                data={
                    "day": day,
                    "open": self._grievances.count(index=UNIT_QUEUE, partition=unit.unit_id, ranks=("0", "1")),
                    "overdue": self._grievances.count(
                        index=UNIT_QUEUE, partition=unit.unit_id, ranks=(), overdue_at=now
                    ),
                    "absent": ", ".join(sorted(absent_by_unit[unit.unit_id])) or "-",
                },
            )
            for unit in policy.units
        ]
        departments = sorted({h.department for h in self._officials.members(Role.HOD) if h.department})
        hod_items = [
            ReminderItem(
                recipient=f"hod:{department}",
                data={
                    "day": day,
                    "open": self._grievances.count(index=L2_QUEUE, partition=department, ranks=("0", "1")),
                    "overdue": self._grievances.count(index=L2_QUEUE, partition=department, ranks=(), overdue_at=now),
                    "absent": ", ".join(
                        sorted(n for u in policy.units if u.department == department for n in absent_by_unit[u.unit_id])
                    )
                    or "-",
                },
            )
            for department in departments
        ]
        ddo_items: list[ReminderItem] = []
        if programme.verification.is_open(now):
            days_left = (programme.verification_closes_at.astimezone(IST).date() - today).days
            pending = Counter(i.ddo_code for i in self._pending(RegistrationStatus.SUBMITTED))
            ddo_items = [
                ReminderItem(recipient=f"ddo:{d}", data={"day": day, "pending": n, "days_left": days_left})
                for d, n in sorted(pending.items())
            ]
        groups = (("officer_digest", unit_items), ("hod_digest", hod_items), ("ddo_digest", ddo_items))
        total = sum(len(g) for _, g in groups)
        plan = JobPlan(
            job=JobName.OFFICER_DIGEST,
            programme_id=self._programme_id,
            dry_run=request.dry_run,
            now=now,
            deadline=None,
            outcome=Outcome.PLANNED if total else Outcome.NOTHING_TO_DO,
            detail=f"{total} digests." if total else "No unit, HoD or DDO to write to.",
            actions={template: len(group) for template, group in groups},
            sample_ids=[i.recipient for _, g in groups for i in g][:SAMPLE_SIZE],
        )
        if request.dry_run or not total:
            return plan
        sent = self._send_reminders(
            JobName.OFFICER_DIGEST, campaign=f"officer-digest#{today.isoformat()}", day=today, groups=list(groups)
        )
        return plan.model_copy(update={"messages_sent": sent})

    def _send_reminders(
        self, job: ReminderJobName, *, campaign: str, day: date, groups: list[tuple[str, list[ReminderItem]]]
    ) -> int:
        """Queues each template's recipients in batches; the ledger key is (recipient, campaign, channel, day)."""
        batches = [
            ReminderBatch(
                job=job,
                programme_id=self._programme_id,
                campaign=campaign,
                template=template,
                day=day.isoformat(),
                items=items[start : start + self._batch_size],
            ).model_dump(mode="json")
            for template, items in groups
            for start in range(0, len(items), self._batch_size)
        ]
        return self._work_queue.send(batches)

    def _unregistered(self) -> Iterator[str]:
        return across_shards(
            UNREGISTERED_SHARDS,
            lambda shard, start: self._roll.unregistered(programme_id=self._programme_id, shard=shard, start=start),
        )

    def _state_totals(self, request: JobRequest) -> JobPlan:
        """The programme's registrations by state, grievances by status (with "overdue") and mobile
        corrections by state, from the counters (three BatchGetItem); the handler publishes them as
        metrics for the dashboard."""
        totals = {
            f"{kind}.{name}": count
            for kind in ("registrations", "grievances", CORRECTIONS)
            for name, count in self._counters.totals(
                kind=kind, programme_id=self._programme_id, scope="programme", value=self._programme_id
            ).items()
        }
        return JobPlan(
            job=JobName.STATE_METRICS,
            programme_id=self._programme_id,
            dry_run=request.dry_run,
            now=self._clock.now(),
            deadline=None,
            outcome=Outcome.PLANNED,
            detail="The programme's totals, from the counters.",
            actions=dict(sorted(totals.items())),
        )

    def _plan_delivery(self, request: JobRequest) -> JobPlan:
        """Every undelivered outbox request, from the sparse pending index, in batches for the worker."""
        now = self._clock.now()
        found = list(
            across_shards(
                PENDING_SHARDS, lambda shard, start: self._notifications.pending(shard=shard, limit=100, start=start)
            )
        )
        pending = [RequestKey(pk=r.pk, sk=r.sk) for r in found]
        templates = Counter(r.template for r in found)
        plan = JobPlan(
            job=JobName.DELIVER_NOTIFICATIONS,
            programme_id=self._programme_id,
            dry_run=request.dry_run,
            now=now,
            deadline=None,
            outcome=Outcome.PLANNED if pending else Outcome.NOTHING_TO_DO,
            detail=f"{len(pending)} notification requests to deliver." if pending else "The outbox is empty.",
            actions=dict(sorted(templates.items())),
            sample_ids=[f"{k.pk}#{k.sk}" for k in pending[:SAMPLE_SIZE]],
        )
        if request.dry_run or not pending:
            return plan
        batches = [
            NoticeBatch(
                job=JobName.DELIVER_NOTIFICATIONS,
                programme_id=self._programme_id,
                requests=pending[start : start + self._batch_size],
            ).model_dump(mode="json")
            for start in range(0, len(pending), self._batch_size)
        ]
        return plan.model_copy(update={"messages_sent": self._work_queue.send(batches)})

    def _close_once(
        self, job: DeadlineJob, programme: Programme, deadline: datetime, pending: list[SweepItem], now: datetime
    ) -> dict[str, object]:
        """The first run after a deadline: the report and notifications, then the run is recorded.

        They come before the record, so a run that dies in between is redone whole by the next one
        (nothing was queued yet, so it finds the same records and writes the same report).
        """
        key = self._write_report(job, programme, deadline, pending)
        notified = self._notify(job, deadline, pending, key, now)
        first = self._job_runs.claim(
            job.name.value,
            self._programme_id,
            deadline,
            {
                "planned_at": now.isoformat(),
                "pending": len(pending),
                "report_key": key,
                "by_ddo": dict(Counter(item.ddo_code for item in pending)),
            },
        )
        return {"first_run": first, "report_key": key, "notified": notified}

    @staticmethod
    def _outcome(job: DeadlineJob, pending: list[SweepItem], previous: dict[str, object] | None) -> dict[str, object]:
        if pending:
            return {"outcome": Outcome.PLANNED, "detail": f"Queued {len(pending)} registrations to {job.action}."}
        closed_by = "this run" if previous is None else f"the run of {previous.get('planned_at', 'an earlier run')}"
        return {
            "outcome": Outcome.NOTHING_TO_DO,
            "detail": f"No {job.acts_on.value} registration is left; the window was closed by {closed_by}.",
        }

    @staticmethod
    def _dry_run_outcome(job: DeadlineJob, pending: list[SweepItem], first_run: bool) -> dict[str, object]:
        if not pending:
            return {"outcome": Outcome.NOTHING_TO_DO, "detail": f"No {job.acts_on.value} registration is left."}
        report = " and write the report" if first_run else ""
        return {"outcome": Outcome.PLANNED, "detail": f"Would {job.action} {len(pending)} registrations{report}."}

    def _pending(self, status: RegistrationStatus) -> Iterator[SweepItem]:
        """Every record in `status`, from the sparse sweep index: the cost follows the pending count."""

        def page(shard: int, start: Position) -> tuple[list[SweepItem], Position]:
            found = self._registrations.sweep(programme_id=self._programme_id, status=status, shard=shard, start=start)
            return found.items, found.last_key

        return across_shards(SWEEP_SHARDS, page)

    def _batches(
        self, job: DeadlineJob, programme: Programme, deadline: datetime, pending: list[SweepItem]
    ) -> list[dict[str, object]]:
        """One message per DDO and up to `batch_size` records: a retried message redoes one office's few."""
        by_ddo: dict[str, list[str]] = defaultdict(list)
        for item in pending:
            by_ddo[item.ddo_code].append(item.registration_id)
        batches = []
        for ddo_code, unsorted in sorted(by_ddo.items()):
            ids = sorted(unsorted)
            for start in range(0, len(ids), self._batch_size):
                batch = WorkBatch(
                    job=job.name,
                    programme_id=programme.programme_id,
                    deadline=deadline,
                    ddo_code=ddo_code,
                    registration_ids=ids[start : start + self._batch_size],
                )
                batches.append(batch.model_dump(mode="json"))
        return batches

    def _write_report(
        self, job: DeadlineJob, programme: Programme, deadline: datetime, pending: list[SweepItem]
    ) -> str:
        counts = Counter((item.ddo_code, item.department, item.district) for item in pending)
        rows = [(*office, count) for office, count in sorted(counts.items())]
        rows.append(("TOTAL", "", "", sum(counts.values())))
        return self._reports.put_csv(report_key(job.name, programme.programme_id, deadline), job.report_header, rows)

    def _notify(
        self, job: DeadlineJob, deadline: datetime, pending: list[SweepItem], key: str, now: datetime
    ) -> list[str]:
        """close-verification: one request per HoD, listing the DDOs of their department who left records
        undecided. Each put is conditional on its key (job, programme, deadline, HoD): never twice."""
        if job.name != JobName.CLOSE_VERIFICATION:
            return []
        by_department: dict[str, Counter[str]] = defaultdict(Counter)
        for item in pending:
            by_department[item.department][item.ddo_code] += 1
        notified = []
        for department, defaulters in sorted(by_department.items()):
            recipient = f"hod:{department}"
            put_once(
                self._dynamodb,
                self._notifications.job_request(
                    job_run=f"{job.name.value}#{self._programme_id}#{deadline.isoformat()}",
                    recipient=recipient,
                    template="verification_defaulters",
                    data={
                        "programme_id": self._programme_id,
                        "department": department,
                        "deadline": deadline.isoformat(),
                        "escalated": sum(defaulters.values()),
                        "defaulters": [{"ddo_code": d, "escalated": n} for d, n in sorted(defaulters.items())],
                        "report": {"bucket": self._reports.bucket, "key": key},
                    },
                    at=now,
                ),
            )
            notified.append(recipient)
        return notified


class JobWorker:
    def __init__(
        self,
        *,
        programmes: ProgrammeStore,
        registrations: RegistrationStore,
        recorder: ChangeRecorder,
        sweeper: GrievanceSweeper,
        notifications: NotificationStore,
        deliverer: Deliverer,
        clock: Clock,
    ) -> None:
        self._programmes = programmes
        self._registrations = registrations
        self._recorder = recorder
        self._sweeper = sweeper
        self._notifications = notifications
        self._deliverer = deliverer
        self._clock = clock

    def remind(self, batch: ReminderBatch) -> WorkResult:
        """Each recipient once per campaign, channel and day: the ledger makes a rerun send nothing."""
        programme = self._programmes.get(batch.programme_id)
        now = self._clock.now()
        done: list[str] = []
        skipped: list[str] = []
        for item in batch.items:
            outcome = self._deliverer.deliver(
                programme=programme,
                recipient=item.recipient,
                campaign=batch.campaign,
                template_code=batch.template,
                data=dict(item.data),
                day=batch.day,
                now=now,
            )
            (done if outcome.sent else skipped).append(item.recipient)
        return WorkResult(job=batch.job, action="remind", done=done, skipped=skipped)

    def deliver(self, batch: NoticeBatch) -> WorkResult:
        """Sends each request still undelivered; the ledger makes a second delivery send nothing."""
        programme = self._programmes.get(batch.programme_id)
        now = self._clock.now()
        done: list[str] = []
        skipped: list[str] = []
        for key in batch.requests:
            request = self._notifications.get_request(key.pk, key.sk)
            name = f"{key.pk}#{key.sk}"
            if request is None:
                skipped.append(name)  # delivered already (a duplicate message or a rerun)
                continue
            outcome = self._deliverer.deliver(
                programme=programme,
                recipient=request.recipient,
                campaign=name,
                template_code=request.template,
                data=request.data,
                # The request's own day: a retry after midnight must find the same ledger entry.
                day=datetime.fromisoformat(request.requested_at).astimezone(IST).date().isoformat(),
                now=now,
                contact=request.contact,
            )
            if outcome.reason:
                logger.warning("notification not deliverable", extra={"request": name, "reason": outcome.reason})
            self._notifications.mark_delivered(
                key.pk, key.sk, at=now, outcome="DELIVERED" if outcome.delivered else "UNDELIVERABLE"
            )
            done.append(name)
        return WorkResult(job=batch.job, action="deliver", done=done, skipped=skipped)

    def work_grievances(self, batch: GrievanceBatch) -> WorkResult:
        """Escalates or closes each grievance that still qualifies now; the rest are skipped quietly."""
        now = self._clock.now()
        done: list[str] = []
        skipped: list[str] = []
        for grievance_id in batch.grievance_ids:
            (done if self._sweeper.apply(batch.action, grievance_id, now) else skipped).append(grievance_id)
        return WorkResult(job=batch.job, action=batch.action.value, done=done, skipped=skipped)

    def work(self, batch: WorkBatch) -> WorkResult:
        """Acts on each record still in the job's state; anything else is skipped quietly, so a rerun,
        a duplicate message or a retried batch yields one transition per record."""
        job = JOBS[batch.job]
        programme = self._programmes.get(batch.programme_id)
        now = self._clock.now()
        if not job.is_due(programme, now):
            # The window was extended after this was planned: the new deadline's run will act.
            logger.info(
                "window extended since planning; batch skipped",
                extra={"job": job.name.value, "deadline": job.deadline(programme).isoformat()},
            )
            return WorkResult(job=job.name, action=job.action, skipped=list(batch.registration_ids))
        done, skipped = [], []
        for registration_id in batch.registration_ids:
            if self._act(job, registration_id, now, job.deadline(programme)):
                done.append(registration_id)
            else:
                skipped.append(registration_id)
        return WorkResult(job=job.name, action=job.action, done=done, skipped=skipped)

    def _act(self, job: DeadlineJob, registration_id: str, now: datetime, deadline: datetime) -> bool:
        for _ in range(RECORD_ATTEMPTS):
            registration = self._registrations.get(registration_id)
            if registration is None or registration.status != job.acts_on:
                return False  # already done, decided meanwhile, or gone: nothing to do
            try:
                TRANSITIONS[job.name](self._recorder, registration, now, notices=self._notifications, deadline=deadline)
            except VersionConflict:
                continue  # changed between our read and our write: read it again
            return True
        raise Busy(registration_id=registration_id)
