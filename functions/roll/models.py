"""The roll function's HTTP models."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.certified_mobile import CertifiedMobile
from core.corrections import (
    Claim,
    Correction,
    CorrectionDecision,
    CorrectionStatus,
    Remarks,
    ten_digits,
)
from core.history import HistoryEvent
from core.store.roll import RollEntry
from core.types import Mobile
from roll.service import DecisionOutcome, EntryView, QueueItem, QueueView


class CorrectionDecisionBody(BaseModel):
    """`{decision: approve|reject, remarks, version}`."""

    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision": "approve",
                    "remarks": "Called the new number from the office phone; the employee answered and confirmed.",
                    "version": 1,
                },
                {"decision": "reject", "remarks": "नया नंबर कर्मचारी के नाम पर नहीं है।", "version": 1},
            ]
        },
    )

    decision: CorrectionDecision
    remarks: Remarks = Field(description="Why: how the employee's number was checked (at least 10 characters).")
    version: int = Field(ge=1, description="The request's version you read; a stale one gets 409 version_conflict.")


class MobileBody(BaseModel):
    """`{mobile, remarks, version}`: a direct correction."""

    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "mobile": "9812345678",
                    "remarks": "The employee brought the SIM's purchase bill to the office; number checked.",
                    "version": 2,
                }
            ]
        },
    )

    mobile: Mobile
    remarks: Remarks = Field(description="Why: how the employee's number was checked (at least 10 characters).")
    version: int = Field(ge=0, description="The roll entry's version you read (0 until its first correction).")


class RollSide(BaseModel):
    """What the roll says now."""

    model_config = ConfigDict(defer_build=True)

    name: str
    date_of_birth: date
    family_id: str | None
    mobile: str

    @classmethod
    def of(cls, entry: RollEntry) -> RollSide:
        personal = entry.record.personal
        return cls(
            name=personal.name,
            date_of_birth=personal.date_of_birth,
            family_id=entry.record.family_id,
            mobile=ten_digits(personal.mobile),
        )


class Checks(BaseModel):
    model_config = ConfigDict(defer_build=True)

    date_of_birth_matches: bool
    family_id_matches: bool | None = Field(description="None: the roll has no Family ID to check against.")
    mobile_differs: bool

    @classmethod
    def of(cls, roll: RollSide, claim: Claim) -> Checks:
        return cls(
            date_of_birth_matches=roll.date_of_birth == claim.date_of_birth,
            family_id_matches=None if roll.family_id is None else roll.family_id == claim.family_id,
            mobile_differs=roll.mobile != claim.mobile,
        )


class CorrectionItem(BaseModel):
    """One request: the roll entry and the claim side by side."""

    model_config = ConfigDict(defer_build=True)

    correction_id: str
    employee_code: str
    status: CorrectionStatus
    version: int
    ddo_code: str
    department: str
    requested_at: AwareDatetime
    updated_at: AwareDatetime
    requests: int = Field(description="Help requests merged into this one (the latest claim is shown).")
    flags: list[str] = Field(description="family_id_not_on_roll: check the Family ID with the PPP before approving.")
    roll: RollSide | None = Field(description="The roll entry now; None if it is no longer on the roll.")
    claimed: Claim
    checks: Checks | None

    @classmethod
    def of(cls, item: QueueItem) -> CorrectionItem:
        correction = item.correction
        roll = RollSide.of(item.roll) if item.roll else None
        return cls(
            correction_id=correction.correction_id,
            employee_code=correction.employee_code,
            status=correction.status,
            version=correction.version,
            ddo_code=correction.office.ddo_code,
            department=correction.office.department,
            requested_at=correction.opened_at,
            updated_at=correction.updated_at,
            requests=correction.requests,
            flags=correction.flags,
            roll=roll,
            claimed=correction.claim,
            checks=Checks.of(roll, correction.claim) if roll else None,
        )


class CorrectionQueueResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[CorrectionItem]
    next_cursor: str | None
    pending: int | None = Field(description="All pending requests of this queue (first page only).")

    @classmethod
    def of(cls, view: QueueView, next_cursor: str | None) -> CorrectionQueueResponse:
        return cls(items=[CorrectionItem.of(i) for i in view.items], next_cursor=next_cursor, pending=view.pending)


class CorrectionDecisionResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    correction_id: str
    employee_code: str
    status: CorrectionStatus
    version: int
    decided_at: AwareDatetime
    decided_by: str
    roll_version: int | None = Field(description="The roll entry's version after an approval.")

    @classmethod
    def of(cls, outcome: DecisionOutcome) -> CorrectionDecisionResponse:
        correction: Correction = outcome.correction
        assert correction.ruling is not None  # a decided request has its ruling
        return cls(
            correction_id=correction.correction_id,
            employee_code=correction.employee_code,
            status=correction.status,
            version=correction.version,
            decided_at=correction.ruling.decided_at,
            decided_by=correction.ruling.decided_by,
            roll_version=outcome.roll_version,
        )


class RollEntryResponse(BaseModel):
    """A roll entry as its DDO or HoD sees it, with the version a correction must send."""

    model_config = ConfigDict(defer_build=True)

    employee_code: str
    programme_id: str
    name: str
    father_name: str
    date_of_birth: date
    family_id: str | None
    mobile: str
    certified_mobile: CertifiedMobile | None = Field(description="Set once a DDO or HoD corrected the mobile.")
    ddo_code: str
    department: str
    district: str
    office: str
    designation: str
    registration_id: str | None
    version: int = Field(description="0 until the first correction; send it with PATCH .../mobile.")
    pending_correction_id: str | None
    history: list[HistoryEvent]
    chain_valid: bool

    @classmethod
    def of(cls, view: EntryView) -> RollEntryResponse:
        entry = view.entry
        personal, engagement = entry.record.personal, entry.record.engagement
        return cls(
            employee_code=entry.employee_code,
            programme_id=entry.programme_id,
            name=personal.name,
            father_name=personal.father_name,
            date_of_birth=personal.date_of_birth,
            family_id=entry.record.family_id,
            mobile=ten_digits(personal.mobile),
            certified_mobile=entry.certified_mobile,
            ddo_code=engagement.ddo_code,
            department=engagement.department,
            district=engagement.district,
            office=engagement.office,
            designation=engagement.designation,
            registration_id=entry.registration_id,
            version=entry.version,
            pending_correction_id=view.pending_correction_id,
            history=[HistoryEvent.of(e) for e in view.events],
            chain_valid=view.verdict.valid,
        )
