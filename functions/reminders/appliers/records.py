"""The deadline closes' work: each registration still in the job's state lapses (registration) or goes
to the HoD (verification); then the transparency log is asked for a checkpoint."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from core.clock import Clock
from core.errors import Busy, VersionConflict
from core.escalation import escalate_to_hod
from core.lapsing import lapse_draft
from core.observability import logger
from core.registration import Registration
from reminders.models import JOBS, DeadlineJob, JobName, WorkBatch, WorkResult

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import DeadlineNotices, Programmes, Registrations, RegistrationTransitions, WorkSends

# Attempts at one record when a person changes it at the same moment (read again, decide again).
RECORD_ATTEMPTS = 3


class Transition(Protocol):
    def __call__(
        self,
        recorder: RegistrationTransitions,
        registration: Registration,
        now: datetime,
        *,
        notices: DeadlineNotices | None = None,
        deadline: datetime | None = None,
    ) -> Registration: ...


TRANSITIONS: dict[JobName, Transition] = {
    JobName.CLOSE_REGISTRATION: lapse_draft,
    JobName.CLOSE_VERIFICATION: escalate_to_hod,
}


class DeadlineCloser:
    """Takes a WorkBatch: one DDO's records of a deadline job."""

    def __init__(
        self,
        *,
        programmes: Programmes,
        registrations: Registrations,
        recorder: RegistrationTransitions,
        notifications: DeadlineNotices,
        checkpoint_requests: WorkSends,
        clock: Clock,
    ) -> None:
        self._programmes = programmes
        self._registrations = registrations
        self._recorder = recorder
        self._notifications = notifications
        self._checkpoint_requests = checkpoint_requests
        self._clock = clock

    def apply(self, batch: WorkBatch) -> WorkResult:
        result = self._work(batch)
        # Records lapsed or escalated: a signed checkpoint should cover them at once. Asked after every
        # batch, not only one that changed records: a redelivery, after a request that failed, finds the
        # records done (skipped) and must ask again. One checkpoint covers any number of requests.
        self._checkpoint_requests.send([{"after": result.job.value}])
        return result

    def _work(self, batch: WorkBatch) -> WorkResult:
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
