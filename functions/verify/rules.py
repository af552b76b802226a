"""The decision rules: who may decide what, when, and with which reasons. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from core.auth import Principal, Role
from core.errors import (
    DecisionNotAllowed,
    DocumentNotOk,
    Forbidden,
    InvalidReasonCode,
    InvalidState,
    MismatchUncertified,
    RemarksRequired,
    UnknownDocument,
    VerificationClosed,
    VersionConflict,
)
from core.programme import Programme
from core.registration import Decision, DocumentCheck, Registration, RegistrationStatus

MIN_REASONED_REMARKS = 20


class DecisionRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    decision: Decision
    remarks: str = Field(default="", max_length=2000)
    version: int = Field(ge=1)
    document_checks: list[DocumentCheck] = Field(default_factory=list, max_length=50)
    certify_mismatches: bool = False
    reason_code: str | None = Field(default=None, max_length=64)


def acting_role(principal: Principal, registration: Registration, programme: Programme, now: datetime) -> Role:
    """The DDO decides their own submitted records while the window is open; after that, the HoD
    of the department decides the escalated ones. Anything else is refused."""
    if principal.has(Role.DDO) and principal.ddo_code == registration.ddo_code:
        if registration.status == RegistrationStatus.SUBMITTED:
            if programme.verification.has_closed(now):
                raise VerificationClosed(closed_at=programme.verification_closes_at)
            return Role.DDO
        if registration.status != RegistrationStatus.ESCALATED or not principal.has(Role.HOD):
            raise _not_decidable(registration, programme)
    if principal.has(Role.HOD) and principal.department == registration.department:
        if registration.status != RegistrationStatus.ESCALATED:
            raise Forbidden("hod_escalated_only")
        return Role.HOD
    raise Forbidden("not_in_charge")


def _not_decidable(registration: Registration, programme: Programme) -> Exception:
    if registration.status == RegistrationStatus.ESCALATED:
        # Escalated because the window closed: the DDO hears the same answer as for a pending record.
        return VerificationClosed("escalated", closed_at=programme.verification_closes_at)
    return InvalidState("not_awaiting_decision", current_status=registration.status)


def check_decision(
    principal: Principal, registration: Registration, programme: Programme, now: datetime, request: DecisionRequest
) -> Role:
    role = acting_role(principal, registration, programme, now)
    if request.version != registration.version:
        raise VersionConflict("stale", sent_version=request.version, current_version=registration.version)
    remarks = request.remarks.strip()
    if request.decision in (Decision.SEND_BACK, Decision.REJECT) and len(remarks) < MIN_REASONED_REMARKS:
        raise RemarksRequired("decision", decision=request.decision, min_length=MIN_REASONED_REMARKS)
    if request.decision == Decision.REJECT and request.reason_code not in programme.rejection_reasons:
        raise InvalidReasonCode(allowed=list(programme.rejection_reasons))
    if request.decision == Decision.SEND_BACK and role == Role.HOD:
        raise DecisionNotAllowed()
    current = {d.document_id: d for d in registration.current_documents().values()}
    unknown = [c.document_id for c in request.document_checks if c.document_id not in current]
    if unknown:
        raise UnknownDocument(document_ids=unknown)
    if request.decision == Decision.VERIFY:
        if registration.roll_mismatches and not request.certify_mismatches:
            raise MismatchUncertified(
                fields=[m.field for m in registration.roll_mismatches],
            )
        required = set(programme.required_documents)
        not_ok = [
            c.document_id for c in request.document_checks if not c.ok and current[c.document_id].type in required
        ]
        if not_ok:
            raise DocumentNotOk(document_ids=not_ok)
    return role
