"""What the close-registration job does to each draft still open at the registration deadline."""

from __future__ import annotations

from datetime import datetime

from core.audit import Actor
from core.errors import InvalidState
from core.recorder import ChangeRecorder
from core.registration import Registration, RegistrationStatus

CLOSE_REGISTRATION = Actor(id="system:close-registration", role="system")


def lapse_draft(recorder: ChangeRecorder, registration: Registration, now: datetime) -> Registration:
    """DRAFT → LAPSED: a draft not submitted by the deadline can no longer be submitted."""
    if registration.status != RegistrationStatus.DRAFT:
        raise InvalidState(
            f"Only a DRAFT registration lapses; this one is {registration.status.value}.",
            current_status=registration.status.value,
        )
    return recorder.record(
        before=registration,
        after=registration.model_copy(update={"status": RegistrationStatus.LAPSED}),
        event_type="registration.lapsed",
        actor=CLOSE_REGISTRATION,
        at=now,
        reason="The registration window closed before the draft was submitted.",
        data={"ddo_code": registration.ddo_code, "department": registration.department},
    )
