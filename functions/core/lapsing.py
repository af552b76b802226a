"""What the close-registration job does to each draft still open at the registration deadline."""

from __future__ import annotations

from datetime import datetime

from core.audit import Actor
from core.recorder import ChangeRecorder
from core.registration import Registration, RegistrationStatus

CLOSE_REGISTRATION = Actor(id="system:close-registration", role="system")


def lapse_draft(recorder: ChangeRecorder, registration: Registration, now: datetime) -> Registration:
    """DRAFT → LAPSED: a draft not submitted by the deadline can no longer be submitted."""
    return recorder.transition(
        registration,
        expected=RegistrationStatus.DRAFT,
        to=RegistrationStatus.LAPSED,
        event_type="registration.lapsed",
        actor=CLOSE_REGISTRATION,
        at=now,
        reason="The registration window closed before the draft was submitted.",
    )
