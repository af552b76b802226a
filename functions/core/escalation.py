"""What the close-verification job does to each record still pending at the deadline."""

from __future__ import annotations

from datetime import datetime

from core.audit import Actor
from core.recorder import ChangeRecorder
from core.registration import Registration, RegistrationStatus

CLOSE_VERIFICATION = Actor(id="system:close-verification", role="system")


def escalate_to_hod(recorder: ChangeRecorder, registration: Registration, now: datetime) -> Registration:
    """SUBMITTED → ESCALATED: from now on only the HoD of the department decides."""
    return recorder.transition(
        registration,
        expected=RegistrationStatus.SUBMITTED,
        to=RegistrationStatus.ESCALATED,
        event_type="verification.escalated",
        actor=CLOSE_VERIFICATION,
        at=now,
        reason="The verification window closed without a decision by the DDO.",
    )
