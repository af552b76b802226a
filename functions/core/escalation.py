"""What the close-verification job does to each record still pending at the deadline."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.audit import Actor
from core.registration import Registration, RegistrationStatus

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import DeadlineNotices, RegistrationTransitions
CLOSE_VERIFICATION = Actor(id="system:close-verification", role="system")
ESCALATED_NOTICE = "verification_escalated"


def escalate_to_hod(
    recorder: RegistrationTransitions,
    registration: Registration,
    now: datetime,
    *,
    notices: DeadlineNotices | None = None,
    deadline: datetime | None = None,
) -> Registration:
    """SUBMITTED → ESCALATED: from now on only the HoD of the department decides. With `notices`, the
    employee is told in the same transaction (the HoD hears of the department's records in one notice
    from the job, `verification_defaulters`)."""
    extra = (
        []
        if notices is None
        else [notices.deadline_notice(registration, ESCALATED_NOTICE, deadline=deadline or now, at=now)]
    )
    return recorder.transition(
        registration,
        expected=RegistrationStatus.SUBMITTED,
        to=RegistrationStatus.ESCALATED,
        event_type="verification.escalated",
        actor=CLOSE_VERIFICATION,
        at=now,
        reason="The verification window closed without a decision by the DDO.",
        extra=extra,
    )
