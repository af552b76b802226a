"""The registration aggregate: a service record, its documents, its state and its version."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.eligibility import EligibilityResult
from core.programme import DocumentType, Programme
from core.service_record import RollMismatch, ServiceRecord
from core.signing import ReceiptKind, SignedBase


class RegistrationStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    SENT_BACK = "SENT_BACK"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"
    LAPSED = "LAPSED"
    ESCALATED = "ESCALATED"


class QueueStatus(StrEnum):
    """The states a verification queue holds: a draft or a lapsed record is in nobody's queue."""

    SUBMITTED = "SUBMITTED"
    ESCALATED = "ESCALATED"
    SENT_BACK = "SENT_BACK"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


# The states in which the owner may still change the record, and what closes each.
EDITABLE = (RegistrationStatus.DRAFT, RegistrationStatus.SENT_BACK)


class DocumentStatus(StrEnum):
    PENDING_UPLOAD = "PENDING_UPLOAD"
    UPLOADED = "UPLOADED"
    REJECTED = "REJECTED"
    SUPERSEDED = "SUPERSEDED"


class ContentType(StrEnum):
    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"


class StoredFile(BaseModel):
    """An uploaded file and the outcome of its check: shared by registration documents and
    grievance attachments, which are uploaded and checked the same way (core.uploads)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    content_type: ContentType
    declared_size: int
    object_key: str
    status: DocumentStatus
    requested_at: AwareDatetime
    checked_at: AwareDatetime | None = None
    uploaded_at: AwareDatetime | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    reject_reason: str | None = None
    object_version: str | None = None


class Document(StoredFile):
    document_id: str
    type: DocumentType
    superseded_by: str | None = None


class Decision(StrEnum):
    VERIFY = "verify"
    SEND_BACK = "send_back"
    REJECT = "reject"


DECISION_OUTCOME = {
    Decision.VERIFY: RegistrationStatus.VERIFIED,
    Decision.SEND_BACK: RegistrationStatus.SENT_BACK,
    Decision.REJECT: RegistrationStatus.REJECTED,
}


class DocumentCheck(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    document_id: str
    ok: bool
    remark: str | None = Field(default=None, max_length=500)


class Receipt(BaseModel):
    """What a decision's signature covers; canonical JSON of this is what KMS signed. It is recorded
    inside the decision's audit event (so that event's hash covers it) and on the record's review."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: Literal[ReceiptKind.DECISION] = ReceiptKind.DECISION
    registration_id: str
    employee_code: str
    decision: Decision
    status: RegistrationStatus
    decided_by: str
    decided_role: str
    decided_at: AwareDatetime
    version: int
    remarks: str
    reason_code: str | None = None
    document_hashes: dict[str, str]
    key_id: str


class SignedReceipt(SignedBase):
    receipt: Receipt


class SubmissionReceipt(BaseModel):
    """What the employee can show for a submission: the acknowledgement, signed. It names the
    submission's audit event (entity `registration#<id>`, seq = `version`) by its hash, so it is
    kept on the record, not in that event."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: Literal[ReceiptKind.SUBMISSION] = ReceiptKind.SUBMISSION
    registration_id: str
    programme_id: str
    employee_code: str
    acknowledgement_number: str
    submitted_at: AwareDatetime
    resubmission: bool
    version: int = Field(description="The record's version after the submission: its audit event's seq")
    event_type: str
    event_hash: str = Field(description="SHA-256 of the submission's audit event (its leaf in the transparency log)")
    document_hashes: dict[str, str]
    key_id: str


class SignedSubmissionReceipt(SignedBase):
    receipt: SubmissionReceipt


class Review(BaseModel):
    """The latest decision on the record, shown to the employee (remarks, per-document remarks)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    decision: Decision
    remarks: str
    reason_code: str | None = None
    document_checks: list[DocumentCheck] = Field(default_factory=list)
    mismatches_certified: bool = False
    decided_by: str
    decided_role: str
    decided_at: AwareDatetime
    signed_receipt: SignedReceipt


class Registration(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    registration_id: str
    programme_id: str
    employee_code: str
    owner_sub: str
    ddo_code: str
    department: str
    district: str
    status: RegistrationStatus
    version: int = Field(ge=1)
    event_head: str
    roll_record: ServiceRecord  # what the roll said when the draft was made
    record: ServiceRecord
    roll_mismatches: list[RollMismatch] = Field(default_factory=list)
    eligibility: EligibilityResult | None = None
    acknowledgement_number: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    submitted_at: AwareDatetime | None = None
    review: Review | None = None
    submission_receipt: SignedSubmissionReceipt | None = None  # the latest submission's
    documents: list[Document] = Field(default_factory=list)

    @property
    def entity(self) -> str:
        return f"registration#{self.registration_id}"

    def document(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.document_id == document_id), None)

    def current_documents(self) -> dict[DocumentType, Document]:
        """The accepted document of each type (the newest wins; older ones are superseded)."""
        current: dict[DocumentType, Document] = {}
        for doc in sorted(self.documents, key=lambda d: d.requested_at):
            if doc.status == DocumentStatus.UPLOADED:
                current[doc.type] = doc
        return current

    def missing_documents(self, programme: Programme) -> list[DocumentType]:
        current = self.current_documents()
        return [t for t in programme.required_documents if t not in current]

    def counter_scopes(self) -> dict[str, str]:
        return {
            "programme": self.programme_id,
            "department": self.department,
            "ddo": self.ddo_code,
            "district": self.district,
            # A HoD's report covers their department only: its DDOs and its share of each district.
            "department_ddo": f"{self.department}/{self.ddo_code}",
            "department_district": f"{self.department}/{self.district}",
        }

    def counter_labels(self) -> tuple[str, ...]:
        return (self.status.value,)

    def summary(self) -> dict[str, Any]:
        """What an audit event records of the state after a change."""
        return {"status": self.status.value, "version": self.version}
