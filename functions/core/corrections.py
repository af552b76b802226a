"""Mobile-number corrections, for when the OTP cannot reach the employee because the roll has a wrong
mobile. Pure: the matching rule, the request and its states, who may decide, what an audit event
records. No I/O (the transactions are in `core.mobile_help` and the roll function's service).

* A **help request** (`POST /v1/auth/help`) that matches the roll opens one PENDING correction in the
  employee's DDO's queue (and their department's, for the HoD). A second help request while one is
  pending updates that one's claim: the latest claimed mobile and message win, `requests` counts them.
* The DDO (own DDO code) or the HoD (own department) **approves** it (the roll's mobile changes, audited
  in the roll entry's own chain) or **rejects** it. Either may also **correct a mobile directly**.
* A corrected mobile is kept on the roll entry as its `certified_mobile`, beside the department's
  record: a re-import of the roll never undoes it (see `core.store.roll`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from core.audit import GENESIS_HASH
from core.auth import Principal, Role
from core.certified_mobile import ten_digits
from core.errors import AlreadyDecided, Forbidden, RemarksRequired, VersionConflict
from core.masking import mask_mobile
from core.service_record import ServiceRecord
from core.types import EmployeeCode, FamilyId, Mobile

# The counters' kind: corrections by state (PENDING, APPROVED, REJECTED) and DIRECT corrections.
CORRECTIONS = "corrections"
DIRECT = "DIRECT"
# Shown to the DDO beside a request whose roll entry has no Family ID to check the claim against.
FAMILY_ID_NOT_ON_ROLL = "family_id_not_on_roll"
REMARKS_MIN = 10

Remarks = Annotated[str, StringConstraints(max_length=1000)]
Message = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class CorrectionStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class CorrectionDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


DECISION_OUTCOME = {
    CorrectionDecision.APPROVE: CorrectionStatus.APPROVED,
    CorrectionDecision.REJECT: CorrectionStatus.REJECTED,
}


class HelpRequest(BaseModel):
    """What the public help route takes: `{employee_code, family_id, date_of_birth, new_mobile, message?}`."""

    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "employee_code": "EMP-0031",
                    "family_id": "8F2K41Q7",
                    "date_of_birth": "1988-03-21",
                    "new_mobile": "9812345678",
                    "message": "पुराना नंबर बंद हो गया है। My old number no longer works.",
                }
            ]
        },
    )

    employee_code: EmployeeCode
    family_id: FamilyId
    date_of_birth: date
    new_mobile: Mobile
    message: Message | None = None


class Verdict(StrEnum):
    """How a help request compares with the roll. Only the two MATCH verdicts open a request."""

    MATCH = "match"
    MATCH_WITHOUT_FAMILY_ID = "match_without_family_id"  # the roll has none: opened, flagged for the DDO
    MISMATCH = "mismatch"  # unknown code, wrong date of birth or wrong Family ID: nothing happens
    SAME_MOBILE = "same_mobile"  # the roll already has the claimed number: nothing to correct

    @property
    def opens(self) -> bool:
        return self in (Verdict.MATCH, Verdict.MATCH_WITHOUT_FAMILY_ID)


def match_roll(record: ServiceRecord | None, request: HelpRequest) -> Verdict:
    """The matching rule: the roll entry's date of birth, and its Family ID when it has one."""
    if record is None or record.personal.date_of_birth != request.date_of_birth:
        return Verdict.MISMATCH
    if record.family_id is not None and record.family_id.upper() != request.family_id.upper():
        return Verdict.MISMATCH
    if ten_digits(record.personal.mobile) == ten_digits(request.new_mobile):
        return Verdict.SAME_MOBILE
    return Verdict.MATCH if record.family_id is not None else Verdict.MATCH_WITHOUT_FAMILY_ID


class Claim(BaseModel):
    """What the person asking claims, shown to the DDO beside the roll entry."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    date_of_birth: date
    family_id: str
    mobile: str  # ten digits
    message: str | None = None

    @classmethod
    def of(cls, request: HelpRequest) -> Claim:
        return cls(
            date_of_birth=request.date_of_birth,
            family_id=request.family_id.upper(),
            mobile=ten_digits(request.new_mobile),
            message=request.message or None,
        )


class Ruling(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    decision: CorrectionDecision
    remarks: str
    decided_by: str
    decided_role: Role
    decided_at: AwareDatetime


class Office(BaseModel):
    """Whose queue a request is in, and the groups it is counted in."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    programme_id: str
    ddo_code: str
    department: str
    district: str

    @classmethod
    def of(cls, programme_id: str, record: ServiceRecord) -> Office:
        engagement = record.engagement
        return cls(
            programme_id=programme_id,
            ddo_code=engagement.ddo_code,
            department=engagement.department,
            district=engagement.district,
        )

    def counter_scopes(self) -> dict[str, str]:
        """The registrations' groups, so the reports put corrections beside them."""
        return {
            "programme": self.programme_id,
            "department": self.department,
            "ddo": self.ddo_code,
            "district": self.district,
            "department_ddo": f"{self.department}/{self.ddo_code}",
            "department_district": f"{self.department}/{self.district}",
        }


class Correction(BaseModel):
    """One mobile-correction request, with its own version and audit chain (`correction#<id>`)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    correction_id: str
    employee_code: str
    office: Office
    status: CorrectionStatus
    claim: Claim
    flags: list[str] = Field(default_factory=list)
    requests: int = 1  # help requests merged into this one
    opened_at: AwareDatetime
    updated_at: AwareDatetime
    ruling: Ruling | None = None
    version: int = 0
    event_head: str = GENESIS_HASH

    @property
    def entity(self) -> str:
        return f"correction#{self.correction_id}"

    @property
    def programme_id(self) -> str:
        return self.office.programme_id

    def counter_labels(self) -> tuple[str, ...]:
        return (self.status.value,)


def opened(
    correction_id: str,
    *,
    programme_id: str,
    record: ServiceRecord,
    request: HelpRequest,
    verdict: Verdict,
    at: datetime,
) -> Correction:
    """A new PENDING request (version 0: the recorder makes it version 1)."""
    return Correction(
        correction_id=correction_id,
        employee_code=request.employee_code,
        office=Office.of(programme_id, record),
        status=CorrectionStatus.PENDING,
        claim=Claim.of(request),
        flags=[FAMILY_ID_NOT_ON_ROLL] if verdict == Verdict.MATCH_WITHOUT_FAMILY_ID else [],
        opened_at=at,
        updated_at=at,
    )


def reclaimed(pending: Correction, request: HelpRequest, at: datetime) -> Correction | None:
    """A second help request while one is pending: its claim replaces the earlier one (None: the same claim)."""
    claim = Claim.of(request)
    if claim == pending.claim:
        return None
    return pending.model_copy(update={"claim": claim, "requests": pending.requests + 1, "updated_at": at})


def acting_role(principal: Principal, *, ddo_code: str, department: str) -> Role:
    """A DDO acts on their own DDO code's employees, a HoD on their department's; nobody else."""
    if principal.has(Role.DDO) and principal.ddo_code == ddo_code:
        return Role.DDO
    if principal.has(Role.HOD) and principal.department == department:
        return Role.HOD
    raise Forbidden("ddo_or_hod")


def checked_remarks(remarks: str) -> str:
    text = remarks.strip()
    if len(text) < REMARKS_MIN:
        raise RemarksRequired("correction", min_length=REMARKS_MIN)
    return text


def check_decision(principal: Principal, correction: Correction, *, version: int) -> Role:
    """Who may decide, and only a PENDING request at the version the client read."""
    role = acting_role(principal, ddo_code=correction.office.ddo_code, department=correction.office.department)
    if correction.status != CorrectionStatus.PENDING:
        raise AlreadyDecided(current_status=correction.status)
    if version != correction.version:
        raise VersionConflict("stale", sent_version=version, current_version=correction.version)
    return role


def decided(correction: Correction, ruling: Ruling) -> Correction:
    return correction.model_copy(
        update={"status": DECISION_OUTCOME[ruling.decision], "ruling": ruling, "updated_at": ruling.decided_at}
    )


def mobile_change(old: str, new: str, *, correction_id: str | None) -> dict[str, str | None]:
    """What the roll chain's event records of a change: both numbers masked, and how it came about."""
    return {
        "old_mobile": mask_mobile(old),
        "new_mobile": mask_mobile(new),
        "via": "correction" if correction_id else "direct",
        "correction_id": correction_id,
    }
