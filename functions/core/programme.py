"""A programme (e.g. "Haryana 2026") and its windows. Deadlines are data, not code."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from core.service_record import EngagementType
from core.types import ProgrammeId


class DocumentType(StrEnum):
    APPOINTMENT_LETTER = "appointment_letter"
    SERVICE_CERTIFICATE = "service_certificate"
    PAY_PROOF = "pay_proof"
    IDENTITY_PROOF = "identity_proof"
    OTHER = "other"


class EligibilityRules(BaseModel):
    """Every figure of the eligibility rules, as programme data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cutoff_date: date = date(2024, 8, 15)
    min_days_per_year: Annotated[int, Field(ge=1, le=366)] = 240
    min_years: Annotated[int, Field(ge=1)] = 5
    pay_cap_monthly: Annotated[int, Field(ge=0)] = 50_000
    # Engagements that may qualify, and those whose pay must be within the cap.
    eligible_engagements: tuple[EngagementType, ...] = (EngagementType.DIRECT_CONTRACT, EngagementType.HKRN)
    pay_capped_engagements: tuple[EngagementType, ...] = (EngagementType.DIRECT_CONTRACT,)
    superannuation_age: Annotated[int, Field(ge=18, le=80)] = 58


class Window(BaseModel):
    """[opens_at, closes_at], inclusive to the whole second of closes_at (23:59:59.999 is in)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    opens_at: AwareDatetime
    closes_at: AwareDatetime

    @model_validator(mode="after")
    def _closes_after_opening(self) -> Window:
        if self.closes_at <= self.opens_at:
            raise ValueError("a window cannot close before it opens")
        return self

    @property
    def ends_before(self) -> datetime:
        """The first instant that is no longer inside the window."""
        return self.closes_at.replace(microsecond=0) + timedelta(seconds=1)

    def has_opened(self, now: datetime) -> bool:
        return now >= self.opens_at

    def has_closed(self, now: datetime) -> bool:
        return now >= self.ends_before

    def is_open(self, now: datetime) -> bool:
        return self.has_opened(now) and not self.has_closed(now)

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.ends_before - now).total_seconds()))


class Programme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    programme_id: ProgrammeId
    name: str
    acknowledgement_prefix: str = Field(pattern=r"^[A-Z]{2}\d{2}$")
    registration: Window
    verification_closes_at: AwareDatetime
    eligibility: EligibilityRules = EligibilityRules()
    required_documents: tuple[DocumentType, ...] = (
        DocumentType.APPOINTMENT_LETTER,
        DocumentType.SERVICE_CERTIFICATE,
        DocumentType.PAY_PROOF,
        DocumentType.IDENTITY_PROOF,
    )
    max_upload_bytes: Annotated[int, Field(ge=1)] = 5 * 1024 * 1024
    # Reason codes a DDO or HoD may give when rejecting a registration.
    rejection_reasons: tuple[str, ...] = (
        "not_contractual_service",
        "insufficient_service",
        "pay_above_cap",
        "part_time_or_scheme",
        "documents_not_genuine",
        "duplicate_registration",
        "superannuated",
    )

    @model_validator(mode="after")
    def _verification_after_registration(self) -> Programme:
        if self.verification_closes_at <= self.registration.closes_at:
            raise ValueError("verification must close after registration")
        return self

    @property
    def verification(self) -> Window:
        """Corrections after a send-back are accepted from registration opening to this close."""
        return Window(opens_at=self.registration.opens_at, closes_at=self.verification_closes_at)
