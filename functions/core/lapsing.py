"""What the close-registration job does to each draft still open at the registration deadline."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.audit import Actor
from core.registration import Registration, RegistrationStatus

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import DeadlineNotices, RegistrationTransitions
CLOSE_REGISTRATION = Actor(id="system:close-registration", role="system")
LAPSED_NOTICE = "registration_lapsed"


def lapse_draft(
    recorder: RegistrationTransitions,
    registration: Registration,
    now: datetime,
    *,
    notices: DeadlineNotices | None = None,
    deadline: datetime | None = None,
) -> Registration:
    """DRAFT → LAPSED: a draft not submitted by the deadline can no longer be submitted. With `notices`,
    the employee is told in the same transaction (the outbox), so a rerun that finds the draft
    lapsed already tells nobody twice."""
    extra = (
        []
        if notices is None
        else [notices.deadline_notice(registration, LAPSED_NOTICE, deadline=deadline or now, at=now)]
    )
    return recorder.transition(
        registration,
        expected=RegistrationStatus.DRAFT,
        to=RegistrationStatus.LAPSED,
        event_type="registration.lapsed",
        actor=CLOSE_REGISTRATION,
        at=now,
        reason="The registration window closed before the draft was submitted.",
        extra=extra,
    )
