"""A programme (e.g. "Haryana 2026") and its windows. Deadlines are data, not code."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from core.notices import NoticePolicy
from core.service_record import EngagementType
from core.types import CategoryCode, DdoCode, ProgrammeId


class DocumentType(StrEnum):
    APPOINTMENT_LETTER = "appointment_letter"
    SERVICE_CERTIFICATE = "service_certificate"
    PAY_PROOF = "pay_proof"
    IDENTITY_PROOF = "identity_proof"
    OTHER = "other"


class EligibilityRules(BaseModel):
    """Every figure of the eligibility rules, as programme data."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

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

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

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


class GrievanceCategory(BaseModel):
    """A kind of grievance and its SLA per level, in days (due at 23:59:59 IST of the last day)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    code: CategoryCode
    name_en: str
    name_hi: str
    l1_days: Annotated[int, Field(ge=1, le=90)] = 7
    l2_days: Annotated[int, Field(ge=1, le=90)] = 15


class GrievanceUnit(BaseModel):
    """An L1 office that handles grievances (a grievance cell of a district or a department)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    unit_id: str = Field(pattern=r"^[A-Z0-9-]{3,40}$")
    name: str
    department: str | None = None


def _default_categories() -> tuple[GrievanceCategory, ...]:
    return (
        GrievanceCategory(
            code="registration_otp", name_en="Registration or OTP problem", name_hi="पंजीकरण या OTP समस्या"
        ),
        GrievanceCategory(code="roll_data_wrong", name_en="Roll data is wrong", name_hi="रोल का डेटा गलत है"),
        GrievanceCategory(code="salary_not_paid", name_en="Salary not paid", name_hi="वेतन नहीं मिला"),
        GrievanceCategory(code="wrong_ddo_mapping", name_en="Wrong DDO mapping", name_hi="गलत DDO मैपिंग"),
        GrievanceCategory(
            code="verification_decision", name_en="Verification decision", name_hi="सत्यापन का निर्णय", l2_days=30
        ),
        GrievanceCategory(code="document_problem", name_en="Document problem", name_hi="दस्तावेज़ की समस्या"),
        GrievanceCategory(code="harassment", name_en="Harassment", name_hi="उत्पीड़न", l1_days=3, l2_days=7),
        GrievanceCategory(code="other", name_en="Other", name_hi="अन्य"),
    )


class GrievancePolicy(BaseModel):
    """Categories, SLAs, routing and limits of grievances: programme data, changed without a deploy."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    categories: tuple[GrievanceCategory, ...] = Field(default_factory=_default_categories)
    units: tuple[GrievanceUnit, ...] = ()
    # L1 routing: the employee's DDO code first, then their department, then the default unit.
    route_by_ddo: dict[str, str] = Field(default_factory=dict)
    route_by_department: dict[str, str] = Field(default_factory=dict)
    default_unit: str | None = None
    monthly_limit: Annotated[int, Field(ge=1)] = 10
    max_reassignments: Annotated[int, Field(ge=0)] = 3
    feedback_days: Annotated[int, Field(ge=1)] = 7
    rejection_reasons: tuple[str, ...] = (
        "not_a_grievance",
        "duplicate",
        "sub_judice",
        "outside_jurisdiction",
        "insufficient_information",
    )

    @model_validator(mode="after")
    def _routes_name_known_units(self) -> GrievancePolicy:
        known = {u.unit_id for u in self.units}
        named = {*self.route_by_ddo.values(), *self.route_by_department.values()}
        if self.default_unit:
            named.add(self.default_unit)
        if unknown := named - known:
            raise ValueError(f"routing names unknown units: {sorted(unknown)}")
        return self

    def category(self, code: str) -> GrievanceCategory | None:
        return next((c for c in self.categories if c.code == code), None)

    def sla_of(self, code: str) -> GrievanceCategory:
        """A filed grievance keeps its SLA even if its category is later withdrawn (default days)."""
        return self.category(code) or GrievanceCategory(code=code, name_en=code, name_hi=code)

    def unit(self, unit_id: str) -> GrievanceUnit | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)

    def l1_unit_for(self, *, ddo_code: str, department: str) -> str | None:
        return self.route_by_ddo.get(ddo_code) or self.route_by_department.get(department) or self.default_unit


class Programme(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    programme_id: ProgrammeId
    name: str
    acknowledgement_prefix: str = Field(pattern=r"^[A-Z]{2}\d{2}$")
    registration: Window
    verification_closes_at: AwareDatetime
    # Defaults by factory: an instance here would build these models' validators at every cold start.
    eligibility: EligibilityRules = Field(default_factory=EligibilityRules)
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
    grievances: GrievancePolicy = Field(default_factory=GrievancePolicy)
    notices: NoticePolicy = Field(default_factory=NoticePolicy)
    # The treasury's DDO codes: a roll import refuses a row naming any other (a typo would leave
    # the employee with nobody to verify them).
    ddo_codes: frozenset[DdoCode] = frozenset()

    @model_validator(mode="after")
    def _verification_after_registration(self) -> Programme:
        if self.verification_closes_at <= self.registration.closes_at:
            raise ValueError("verification must close after registration")
        return self

    @property
    def verification(self) -> Window:
        """Corrections after a send-back are accepted from registration opening to this close."""
        return Window(opens_at=self.registration.opens_at, closes_at=self.verification_closes_at)
