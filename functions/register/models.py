"""The register function's HTTP models: what clients send and what they get back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.audit import ChainVerdict
from core.auth import Principal
from core.eligibility import EligibilityResult
from core.history import HistoryEvent
from core.programme import DocumentType, EligibilityRules, Programme
from core.registration import (
    ContentType,
    Document,
    DocumentStatus,
    Registration,
    RegistrationStatus,
    Review,
    SignedSubmissionReceipt,
)
from core.service_record import RecordChanges, RollMismatch, ServiceRecord
from core.types import Version
from core.uploads import UploadGrant


class _Request(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")


# ---------------------------------------------------------------- requests
class CreateRegistrationRequest(RecordChanges):
    """`{}` creates the draft from your roll entry; fields given here replace the roll's."""

    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "examples": [
                {},
                {
                    "personal": {"mobile": "9812345678", "email": "ramesh.kumar@example.in"},
                    "family_id": "8F2K41Q7",
                    "service_spells": [
                        {
                            "department": "Health",
                            "post": "Staff Nurse",
                            "from_date": "2019-07-01",
                            "to_date": "2025-12-31",
                            "full_time": True,
                            "paid_days": [{"service_year": 2019, "days": 184}, {"service_year": 2020, "days": 362}],
                        }
                    ],
                    "bank_account_last4": "4821",
                },
            ]
        },
    )


class UpdateRegistrationRequest(RecordChanges):
    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "examples": [
                {"version": 3, "personal": {"email": "ramesh.kumar@example.in"}, "bank_account_last4": "4821"},
                {"version": 4, "engagement": {"designation": "Staff Nurse", "monthly_pay": 28500}},
            ]
        },
    )

    version: Version


class DocumentUploadRequest(_Request):
    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "examples": [
                {"type": "appointment_letter", "content_type": "application/pdf", "size_bytes": 482133},
                {"type": "pay_proof", "content_type": "image/jpeg", "size_bytes": 1261406},
            ]
        },
    )

    type: DocumentType
    content_type: ContentType
    size_bytes: Annotated[int, Field(ge=1, description="Exact size of the file in bytes (at most 5 MB).")]


class SubmitRequest(_Request):
    model_config = ConfigDict(defer_build=True, json_schema_extra={"examples": [{"version": 4}]})

    version: Version


# ---------------------------------------------------------------- responses
class ProgrammeResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    programme_id: str
    name: str
    registration_opens_at: AwareDatetime
    registration_closes_at: AwareDatetime
    verification_closes_at: AwareDatetime
    registration_open: bool
    verification_open: bool
    now: AwareDatetime
    required_documents: list[DocumentType]
    max_upload_bytes: int
    eligibility_rules: EligibilityRules

    @classmethod
    def of(cls, programme: Programme, now: datetime, registration_open: bool, verification_open: bool) -> Any:
        return cls(
            programme_id=programme.programme_id,
            name=programme.name,
            registration_opens_at=programme.registration.opens_at,
            registration_closes_at=programme.registration.closes_at,
            verification_closes_at=programme.verification_closes_at,
            registration_open=registration_open,
            verification_open=verification_open,
            now=now,
            required_documents=list(programme.required_documents),
            max_upload_bytes=programme.max_upload_bytes,
            eligibility_rules=programme.eligibility,
        )


class RollView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    employee_code: str
    record: ServiceRecord


class MeResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    username: str
    roles: list[str]
    employee_code: str | None
    ddo_code: str | None
    department: str | None
    unit: str | None
    roll: RollView | None
    registration_id: str | None

    @classmethod
    def of(cls, principal: Principal, roll_entry: Any) -> MeResponse:
        return cls(
            username=principal.username,
            roles=sorted(r.value for r in principal.roles),
            employee_code=principal.employee_code,
            ddo_code=principal.ddo_code,
            department=principal.department,
            unit=principal.unit,
            roll=RollView(employee_code=roll_entry.employee_code, record=roll_entry.record) if roll_entry else None,
            registration_id=roll_entry.registration_id if roll_entry else None,
        )


class DocumentResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    document_id: str
    type: DocumentType
    content_type: ContentType
    status: DocumentStatus
    declared_size: int
    size_bytes: int | None
    sha256: str | None
    reject_reason: str | None
    superseded_by: str | None
    requested_at: AwareDatetime
    uploaded_at: AwareDatetime | None
    checked_at: AwareDatetime | None

    @classmethod
    def of(cls, document: Document) -> DocumentResponse:
        return cls.model_validate(document.model_dump(exclude={"object_key", "object_version"}))


class RegistrationResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    registration_id: str
    programme_id: str
    employee_code: str
    ddo_code: str
    department: str
    status: RegistrationStatus
    version: int
    acknowledgement_number: str | None
    record: ServiceRecord
    roll_mismatches: list[RollMismatch]
    eligibility: EligibilityResult | None
    documents: list[DocumentResponse]
    missing_documents: list[DocumentType]
    missing_fields: list[str]
    created_at: AwareDatetime
    updated_at: AwareDatetime
    submitted_at: AwareDatetime | None
    review: Review | None = Field(description="The latest decision: remarks and per-document remarks")

    @classmethod
    def of(cls, registration: Registration, programme: Programme) -> RegistrationResponse:
        return cls(
            **registration.model_dump(
                include={
                    "registration_id",
                    "programme_id",
                    "employee_code",
                    "ddo_code",
                    "department",
                    "status",
                    "version",
                    "acknowledgement_number",
                    "created_at",
                    "updated_at",
                    "submitted_at",
                }
            ),
            record=registration.record,
            roll_mismatches=registration.roll_mismatches,
            eligibility=registration.eligibility,
            documents=[DocumentResponse.of(d) for d in sorted(registration.documents, key=lambda d: d.requested_at)],
            missing_documents=registration.missing_documents(programme),
            missing_fields=registration.record.missing_for_submission(),
            review=registration.review,
        )


class UploadResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    document_id: str
    upload: UploadGrant
    document: DocumentResponse


class DocumentCheckResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    document: DocumentResponse
    registration_version: int


class DownloadResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    document: DocumentResponse
    url: str
    expires_at: AwareDatetime


class SubmitResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    acknowledgement_number: str
    registration: RegistrationResponse
    signed_receipt: SignedSubmissionReceipt = Field(
        description="The acknowledgement signed with the key of GET /v1/keys; check it offline with "
        "`anubandh verify receipt`"
    )


class SubmissionReceiptResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    signed_receipt: SignedSubmissionReceipt
    verified: bool = Field(description="Whether the signature verifies with the published key")
    event_recorded: bool = Field(description="Whether the record's chain holds the event the receipt names")
    event_hash: str | None
    leaf_index: int | None = Field(description="The event's leaf in the transparency log; null until it is logged")


class HistoryResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    registration_id: str
    events: list[HistoryEvent]
    chain: ChainVerdict
    next_cursor: str | None
