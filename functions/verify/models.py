"""The verify function's HTTP models."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.eligibility import EligibilityResult
from core.history import HistoryEvent
from core.registration import Document, Registration, RegistrationStatus, Review, SignedReceipt
from core.service_record import RollMismatch, ServiceRecord
from verify.rules import DecisionRequest


class DecisionBody(DecisionRequest):
    """`{decision, remarks, version, document_checks?, certify_mismatches?, reason_code?}`."""

    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "examples": [
                {
                    "decision": "verify",
                    "remarks": "Appointment letter and pay slips checked against the office file.",
                    "version": 5,
                    "document_checks": [{"document_id": "DOC-01JH4B7XK2M9QF3T8R6W5N1ZCD", "ok": True}],
                    "certify_mismatches": True,
                },
                {
                    "decision": "send_back",
                    "remarks": "सेवा प्रमाण पत्र पर कार्यालय की मुहर नहीं है; मुहर लगवा कर दोबारा अपलोड करें।",
                    "version": 5,
                },
                {
                    "decision": "reject",
                    "remarks": "Engaged under a centrally sponsored scheme, which the policy excludes.",
                    "version": 5,
                    "reason_code": "part_time_or_scheme",
                },
            ]
        },
    )


class QueueItem(BaseModel):
    model_config = ConfigDict(defer_build=True)

    registration_id: str
    employee_code: str
    name: str
    department: str
    status: RegistrationStatus
    version: int
    acknowledgement_number: str | None
    submitted_at: AwareDatetime | None
    eligible: bool | None
    roll_mismatches: int

    @classmethod
    def of(cls, registration: Registration) -> QueueItem:
        return cls(
            registration_id=registration.registration_id,
            employee_code=registration.employee_code,
            name=registration.record.personal.name,
            department=registration.department,
            status=registration.status,
            version=registration.version,
            acknowledgement_number=registration.acknowledgement_number,
            submitted_at=registration.submitted_at,
            eligible=registration.eligibility.eligible if registration.eligibility else None,
            roll_mismatches=len(registration.roll_mismatches),
        )


class QueueResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[QueueItem]
    next_cursor: str | None
    counts: dict[str, int] | None
    verification_closes_at: AwareDatetime
    seconds_left: int
    now: AwareDatetime


class CaseDocument(BaseModel):
    model_config = ConfigDict(defer_build=True)

    document_id: str
    type: str
    content_type: str
    size_bytes: int | None
    sha256: str | None
    uploaded_at: AwareDatetime | None
    url: str
    url_expires_at: AwareDatetime

    @classmethod
    def of(cls, document: Document, url: str, expires: AwareDatetime) -> CaseDocument:
        return cls(
            document_id=document.document_id,
            type=document.type.value,
            content_type=document.content_type.value,
            size_bytes=document.size_bytes,
            sha256=document.sha256,
            uploaded_at=document.uploaded_at,
            url=url,
            url_expires_at=expires,
        )


class CaseFileResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    registration_id: str
    employee_code: str
    status: RegistrationStatus
    version: int
    acknowledgement_number: str | None
    submitted_at: AwareDatetime | None
    record: ServiceRecord
    roll_record: ServiceRecord
    roll_mismatches: list[RollMismatch]
    eligibility: EligibilityResult | None
    documents: list[CaseDocument]
    review: Review | None
    history: list[HistoryEvent]
    chain_valid: bool


class DecisionResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    registration_id: str
    status: RegistrationStatus
    version: int
    signed_receipt: SignedReceipt


class ReceiptResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    signed_receipt: SignedReceipt
    verified: bool
    event_recorded: bool = Field(description="Whether the decision's audit event holds this very receipt")
    event_hash: str | None = Field(description="SHA-256 of that event: its hash covers the receipt")
    leaf_index: int | None = Field(description="The event's leaf in the transparency log; null until it is logged")
