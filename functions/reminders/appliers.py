"""The worker's appliers: what the SQS worker does with each message's items. Each item is redone
safely: a reminder or delivery goes through the ledger, a grievance or registration is acted on only
while it still qualifies, so a rerun, a duplicate message or a retried batch acts once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from core.clock import IST, Clock
from core.delivery import Deliverer
from core.errors import Busy, VersionConflict
from core.escalation import escalate_to_hod
from core.grievance_sla import GrievanceSweeper
from core.lapsing import lapse_draft
from core.observability import logger
from core.recorder import ChangeRecorder
from core.registration import Registration
from core.store.notifications import NotificationStore
from core.store.programmes import ProgrammeStore
from core.store.registrations import RegistrationStore
from reminders.models import (
    JOBS,
    DeadlineJob,
    GrievanceBatch,
    JobName,
    NoticeBatch,
    ReminderBatch,
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
