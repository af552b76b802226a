"""The deadline jobs as data: which records each acts on, when it is due, and the messages between
planner and worker. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.grievance_sla import SweepKind
from core.programme import Programme
from core.registration import RegistrationStatus
from core.types import ProgrammeId

SAMPLE_SIZE = 10


class JobName(StrEnum):
    CLOSE_REGISTRATION = "close-registration"
    CLOSE_VERIFICATION = "close-verification"
    GRIEVANCE_SLA = "grievance-sla"  # every 15 minutes: not tied to a deadline
    DELIVER_NOTIFICATIONS = "deliver-notifications"  # every 5 minutes: the outbox, as SMS and e-mail
    REGISTRATION_REMINDERS = "registration-reminders"  # daily 10:00 IST
    VERIFICATION_REMINDERS = "verification-reminders"  # daily 10:00 IST
    SUPERANNUATION_NOTICE = "superannuation-notice"  # monthly
    OFFICER_DIGEST = "officer-digest"  # daily 09:00 IST
    STATE_METRICS = "state-metrics"  # every 5 minutes: the counters' totals as CloudWatch metrics


# The jobs that act once a programme deadline has passed.
DeadlineJobName = Literal[JobName.CLOSE_REGISTRATION, JobName.CLOSE_VERIFICATION]


class Outcome(StrEnum):
    NOT_DUE = "not_due"  # the deadline has not passed: nothing was read, nothing done
    NOTHING_TO_DO = "nothing_to_do"  # due, and no record is left to act on
    PLANNED = "planned"  # work was queued (or, in a dry run, would have been)


class DeadlineJob(BaseModel):
    """A job that acts once a programme deadline has passed on every record still in `acts_on`."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    name: DeadlineJobName
    acts_on: RegistrationStatus
    action: str
    deadline_of: Callable[[Programme], datetime]
    closed: Callable[[Programme, datetime], bool]
    report_header: tuple[str, ...]

    def deadline(self, programme: Programme) -> datetime:
        return self.deadline_of(programme)

    def is_due(self, programme: Programme, now: datetime) -> bool:
        """Deadlines are inclusive to 23:59:59: due from the first instant after the window."""
        return self.closed(programme, now)


JOBS: dict[JobName, DeadlineJob] = {
    JobName.CLOSE_REGISTRATION: DeadlineJob(
        name=JobName.CLOSE_REGISTRATION,
        acts_on=RegistrationStatus.DRAFT,
        action="lapse",
        deadline_of=lambda p: p.registration.closes_at,
        closed=lambda p, now: p.registration.has_closed(now),
        report_header=("ddo_code", "department", "district", "lapsed_drafts"),
    ),
    JobName.CLOSE_VERIFICATION: DeadlineJob(
        name=JobName.CLOSE_VERIFICATION,
        acts_on=RegistrationStatus.SUBMITTED,
        action="escalate",
        deadline_of=lambda p: p.verification_closes_at,
        closed=lambda p, now: p.verification.has_closed(now),
        report_header=("ddo_code", "department", "district", "escalated_undecided"),
    ),
}


class JobRequest(BaseModel):
    """What the schedule (or an operator) sends the planner: `{"job": ..., "dry_run"?: bool}`."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    job: JobName
    dry_run: bool = False


class WorkBatch(BaseModel):
    """One SQS message: records of one DDO for the worker to act on."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    job: DeadlineJobName
    programme_id: ProgrammeId
    deadline: AwareDatetime
    ddo_code: str
    registration_ids: Annotated[list[str], Field(min_length=1, max_length=100)]


class GrievanceBatch(BaseModel):
    """One SQS message of the grievance-sla job: grievances for the worker to escalate or close."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    job: Literal[JobName.GRIEVANCE_SLA]
    programme_id: ProgrammeId
    action: SweepKind
    grievance_ids: Annotated[list[str], Field(min_length=1, max_length=100)]


class RequestKey(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    pk: str
    sk: str


class NoticeBatch(BaseModel):
    """One SQS message of deliver-notifications: outbox requests for the worker to send."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    job: Literal[JobName.DELIVER_NOTIFICATIONS]
    programme_id: ProgrammeId
    requests: Annotated[list[RequestKey], Field(min_length=1, max_length=100)]


# The jobs whose work is telling people something (a ReminderBatch), not changing records.
ReminderJobName = Literal[
    JobName.REGISTRATION_REMINDERS,
    JobName.VERIFICATION_REMINDERS,
    JobName.SUPERANNUATION_NOTICE,
    JobName.OFFICER_DIGEST,
]
# Pension papers start three months ahead of superannuation.
SUPERANNUATION_NOTICE_DAYS = 90
# Days before a close on which reminders go out: registration at T-14, T-7, T-3, T-1; verification
# (to DDOs) at T-14 and every day of the last week.
REMINDER_DAYS: dict[JobName, frozenset[int]] = {
    JobName.REGISTRATION_REMINDERS: frozenset({14, 7, 3, 1}),
    JobName.VERIFICATION_REMINDERS: frozenset({14, 7, 6, 5, 4, 3, 2, 1}),
}


class ReminderItem(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    recipient: str
    data: dict[str, str | int]


class ReminderBatch(BaseModel):
    """One SQS message of a reminder job: whom to remind, in one campaign, on one day."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    job: ReminderJobName
    programme_id: ProgrammeId
    campaign: str
    template: str
    day: str  # YYYY-MM-DD in IST: the ledger's day, so a retry tomorrow is still the same campaign
    items: Annotated[list[ReminderItem], Field(min_length=1, max_length=100)]


WorkMessage = Annotated[WorkBatch | GrievanceBatch | NoticeBatch | ReminderBatch, Field(discriminator="job")]


class JobPlan(BaseModel):
    """What a planner run found and did (or, in a dry run, would do)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    job: JobName
    programme_id: str
    dry_run: bool
    now: AwareDatetime
    deadline: AwareDatetime | None  # None for a job that is not tied to a deadline (grievance-sla)
    outcome: Outcome
    detail: str
    actions: dict[str, int] = Field(default_factory=dict)
    by_ddo: dict[str, int] = Field(default_factory=dict)
    # registration-reminders: pending mobile-correction requests by DDO (each such DDO is reminded)
    corrections_pending: dict[str, int] = Field(default_factory=dict)
    sample_ids: list[str] = Field(default_factory=list)
    messages_sent: int = 0
    first_run: bool = False
    report_key: str | None = None
    notified: list[str] = Field(default_factory=list)


class WorkResult(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    job: JobName
    action: str
    done: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
