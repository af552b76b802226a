"""The grievance function's HTTP models: what clients send and what they get back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from core.grievance import Action, Attachment, Feedback, Grievance, GrievanceStatus, Level, SignedFilingReceipt
from core.history import HistoryEvent
from core.registration import ContentType, DocumentStatus
from core.types import CategoryCode, RegistrationId, Version
from core.uploads import UploadGrant
from grievance.service import ActionCommand, FileRequest

AttachmentId = Annotated[str, StringConstraints(pattern=r"^ATT-[0-9A-HJKMNP-TV-Z]{26}$")]


class _Request(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")


# ---------------------------------------------------------------- requests
class FileGrievanceRequest(FileRequest):
    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "salary_not_paid",
                    "subject": "Salary for October 2025 not paid",
                    "description": "My salary for October 2025 has not been credited, although my attendance "
                    "was sent by the office on 2 November.",
                },
                {
                    "category": "roll_data_wrong",
                    "subject": "रोल में जन्म तिथि गलत है",
                    "description": "रोल में मेरी जन्म तिथि 12-03-1988 दर्ज है, जबकि सही जन्म तिथि 21-03-1988 है। कृपया सुधार करें।",
                },
                {
                    "category": "other",
                    "subject": "Appeal against the rejection of my registration",
                    "description": "My registration was rejected as part-time, but I have worked full time "
                    "since 2019; the attendance registers of the hospital show it.",
                    "registration_id": "REG-01JH3Q8R5T6Y7V8K9M0P1A2S3D",
                },
            ]
        },
    )

    category: CategoryCode
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=150)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=4000)]
    registration_id: RegistrationId | None = Field(
        default=None, description="Your registration this is about; if it was REJECTED, this is an appeal (L2)."
    )


class ActionRequest(ActionCommand):
    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "accept", "version": 1},
                {
                    "action": "resolve",
                    "remarks": "October salary credited on 14 November 2025 (UTR 2025111400123), confirmed "
                    "with the treasury.",
                    "version": 3,
                },
                {
                    "action": "reassign",
                    "remarks": "The salary is paid by the Hisar office; passing it to their grievance cell.",
                    "version": 2,
                    "to_unit": "GRV-HSR-L1",
                },
                {
                    "action": "reject",
                    "remarks": "यही शिकायत पहले से दर्ज है और उस पर कार्रवाई चल रही है।",
                    "version": 2,
                    "reason_code": "duplicate",
                },
            ]
        },
    )

    action: Action
    remarks: Annotated[str, Field(max_length=2000)] = ""
    version: Version
    reason_code: str | None = Field(default=None, description="With `reject`: one of the programme's reason codes.")
    to_unit: str | None = Field(default=None, description="With `reassign`: the unit to hand the grievance to.")


class ReplyRequest(_Request):
    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "examples": [
                {
                    "message": "वेतन पर्ची संलग्न है। The salary slip for October is attached.",
                    "attachment_ids": ["ATT-01JH4C2A8N3VQK7M5X9T1R6WEB"],
                    "version": 4,
                }
            ]
        },
    )

    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    attachment_ids: Annotated[list[AttachmentId], Field(max_length=5)] = []
    version: Version


class FeedbackRequest(_Request):
    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "examples": [
                {"satisfied": True, "rating": 5, "comment": "Salary received on 14 November, thank you.", "version": 5},
                {"satisfied": False, "rating": 2, "comment": "केवल आधा वेतन मिला है।", "version": 5},
            ]
        },
    )

    satisfied: bool
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None
    version: Version


class AttachmentUploadRequest(_Request):
    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "examples": [
                {"filename": "salary-slip-oct-2025.pdf", "content_type": "application/pdf", "size_bytes": 184320},
            ]
        },
    )

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    content_type: ContentType
    size_bytes: Annotated[int, Field(ge=1, description="Exact size of the file in bytes (at most 5 MB).")]


# ---------------------------------------------------------------- responses
class SlaView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    due_at: AwareDatetime
    seconds_left: int
    breached: bool
    paused: bool

    @classmethod
    def of(cls, grievance: Grievance, now: datetime) -> SlaView:
        paused = grievance.sla_paused_at is not None
        return cls(
            due_at=grievance.due_at,
            # A paused clock shows the time it had left when it stopped.
            seconds_left=grievance.sla.seconds_left(grievance.sla_paused_at or now),
            breached=grievance.breached(now),
            paused=paused,
        )


class AttachmentView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    attachment_id: str
    filename: str
    content_type: ContentType
    status: DocumentStatus
    size_bytes: int | None
    sha256: str | None
    reject_reason: str | None
    checked_at: AwareDatetime | None

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentView:
        return cls.model_validate(attachment.model_dump())


class GrievanceSummary(BaseModel):
    model_config = ConfigDict(defer_build=True)

    grievance_id: str
    number: str
    employee_code: str
    category: str
    subject: str
    status: GrievanceStatus
    level: Level
    unit: str | None
    department: str
    appeal: bool
    filed_at: AwareDatetime
    version: int
    sla: SlaView

    @classmethod
    def of(cls, grievance: Grievance, now: datetime) -> GrievanceSummary:
        return cls.model_validate({**grievance.model_dump(), "sla": SlaView.of(grievance, now)})


class GrievanceResponse(GrievanceSummary):
    description: str
    registration_id: str | None
    ddo_code: str
    reassignments: int
    resolution: str | None
    resolved_at: AwareDatetime | None
    reason_code: str | None
    feedback: list[Feedback]
    closed_at: AwareDatetime | None
    attachments: list[AttachmentView]
    filing_receipt: SignedFilingReceipt | None = Field(
        default=None,
        description="The filing, signed with the key of GET /v1/keys; check it offline with `anubandh verify receipt`",
    )

    @classmethod
    def of(cls, grievance: Grievance, now: datetime) -> GrievanceResponse:
        return cls.model_validate(
            {
                **grievance.model_dump(),
                "sla": SlaView.of(grievance, now),
                "attachments": [AttachmentView.of(a) for a in grievance.attachments],
            }
        )


class FilingReceiptResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    signed_receipt: SignedFilingReceipt
    verified: bool = Field(description="Whether the signature verifies with the published key")
    event_recorded: bool = Field(description="Whether the grievance's chain holds the event the receipt names")
    event_hash: str | None
    leaf_index: int | None = Field(description="The event's leaf in the transparency log; null until it is logged")


class GrievanceDetailResponse(GrievanceResponse):
    timeline: list[HistoryEvent]
    chain_valid: bool


class GrievanceListResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[GrievanceSummary]
    next_cursor: str | None
    now: AwareDatetime


class AttachmentUploadResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    attachment: AttachmentView
    upload: UploadGrant


class AttachmentDownloadResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    attachment: AttachmentView
    url: str
    expires_at: AwareDatetime
