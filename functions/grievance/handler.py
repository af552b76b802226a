"""HTTP routes of the grievance function."""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from datetime import timedelta
    from functools import cached_property
    from typing import Annotated, Any

    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
    from aws_lambda_powertools.event_handler.openapi.params import Body, Query
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from core.clock import current_clock
    from core.errors import (
        AttachmentNotReady,
        Busy,
        DocumentNotRetained,
        DocumentNotUploaded,
        Forbidden,
        GrievanceLimit,
        IdempotencyKeyReused,
        InvalidCursor,
        InvalidReasonCode,
        InvalidRequest,
        InvalidTransition,
        NoGrievanceUnit,
        NoReceipt,
        NotFound,
        NotOnRoll,
        ProgrammeUnavailable,
        ReassignLimit,
        RemarksRequired,
        RequestInProgress,
        UnknownCategory,
        UnknownUnit,
        UploadNotAccepted,
        VersionConflict,
    )
    from core.grievance import GrievanceStatus
    from core.grievance_recorder import GrievanceRecorder
    from core.history import HistoryEvent
    from core.http import Caller, IdempotencyKey, contract, create_resolver, decode_cursor, encode_cursor, idempotent
    from core.observability import observed
    from core.record_proofs import RecordProver
    from core.signing import ReceiptSigner
    from core.store.counters import CounterStore
    from core.store.events import EventStore
    from core.store.grievances import GrievanceStore, ListFilter
    from core.store.notifications import NotificationStore
    from core.store.registrations import RegistrationStore
    from core.store.roll import RollStore
    from core.store.transparency import TransparencyStore
    from core.transparency import RecordProof
    from core.types import CategoryCode
    from core.uploads import ObjectStore, UploadSlots
    from core.wiring import IdempotentWiring
    from grievance.models import (
        ActionRequest,
        AttachmentDownloadResponse,
        AttachmentUploadRequest,
        AttachmentUploadResponse,
        AttachmentView,
        FeedbackRequest,
        FileGrievanceRequest,
        FilingReceiptResponse,
        GrievanceDetailResponse,
        GrievanceListResponse,
        GrievanceResponse,
        GrievanceSummary,
        ReplyRequest,
    )
    from grievance.service import GrievanceService
    from grievance.settings import GrievanceSettings, get_settings

app = create_resolver()


class GrievanceWiring(IdempotentWiring[GrievanceSettings]):
    @cached_property
    def service(self) -> GrievanceService:
        settings, dynamodb = self.settings, self.aws.dynamodb
        grievances = GrievanceStore(dynamodb, settings.grievances_table)
        events = EventStore(dynamodb, settings.events_table)
        return GrievanceService(
            programme_id=settings.programme_id,
            programmes=self.programmes,
            grievances=grievances,
            registrations=RegistrationStore(dynamodb, settings.registrations_table),
            roll=RollStore(dynamodb, settings.roll_table),
            events=events,
            recorder=GrievanceRecorder(
                grievances,
                events,
                CounterStore(dynamodb, settings.counters_table),
                NotificationStore(dynamodb, settings.notifications_table),
            ),
            uploads=UploadSlots(
                ObjectStore(self.aws.s3, settings.documents_bucket), timedelta(days=settings.document_retention_days)
            ),
            signer=ReceiptSigner(lambda: self.aws.client("kms"), settings.signing_key_id),
            clock=current_clock(),
            prover=RecordProver(events, TransparencyStore(dynamodb, settings.transparency_table), current_clock()),
        )


wiring = GrievanceWiring(get_settings)
caller = Caller(app, lambda: wiring.directory)


def record_activity(router: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """Officers' and HoDs' visits feed the daily digest (a failed note is logged and never fails the request)."""
    wiring.service.note_activity(caller())
    return next_middleware(router)


app.use(middlewares=[record_activity])


def _view(grievance: Any) -> GrievanceResponse:
    return GrievanceResponse.of(grievance, wiring.service.now())


@app.post(
    "/v1/grievances",
    tags=["grievances"],
    summary="File a grievance: assigned to the L1 unit (or, for a rejected registration, the HoD) with a due date",
    **contract(
        Forbidden,
        NotOnRoll,
        NotFound,
        RequestInProgress,
        InvalidRequest,
        UnknownCategory,
        IdempotencyKeyReused,
        GrievanceLimit,
        ProgrammeUnavailable,
        NoGrievanceUnit,
        Busy,
        callers="`employee` on the roll (a limited number a month).",
        changes="creates a grievance in state OPEN at L1, assigned to the office's grievance unit; about a REJECTED "
        "registration, an appeal OPEN at L2 with the department's HoD. The signed filing receipt is kept on it.",
        success=201,
    ),
)
@idempotent("file-grievance", runner=lambda: wiring.idempotency, caller=caller)
def file_grievance(request: Annotated[FileGrievanceRequest, Body()], key: IdempotencyKey = None) -> GrievanceResponse:
    return _view(wiring.service.file(caller(), request))


@app.get(
    "/v1/grievances",
    tags=["grievances"],
    summary="Your grievances, your unit's queue (officer) or your department's L2 items (HoD)",
    **contract(
        Forbidden,
        InvalidRequest,
        InvalidCursor,
        callers="`employee` (their own), `officer` (their unit's queue) or `hod` (their department's L2 items).",
    ),
)
def list_grievances(
    status: Annotated[GrievanceStatus | None, Query()] = None,
    category: Annotated[CategoryCode | None, Query()] = None,
    overdue: Annotated[bool, Query()] = False,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> GrievanceListResponse:
    now = wiring.service.now()
    where = ListFilter(status=status, category=category, overdue_at=now if overdue else None)
    page = wiring.service.page(caller(), where, limit, decode_cursor(cursor))
    return GrievanceListResponse(
        items=[GrievanceSummary.of(g, now) for g in page.items],
        next_cursor=encode_cursor(page.last_key) if page.last_key else None,
        now=now,
    )


@app.get(
    "/v1/grievances/<id>",
    tags=["grievances"],
    summary="The grievance with its full timeline, SLA state and whether its audit chain verifies",
    **contract(
        Forbidden,
        NotFound,
        callers="`employee` who filed the grievance, the assigned `officer` (L1) or `hod` (L2), a `hod` of "
        "its department. Not `admin`: an admin sees each file's name, size and SHA-256 in the grievance, but "
        "opens no file, as with registration documents.",
    ),
)
def get_grievance(id: str) -> GrievanceDetailResponse:
    detail = wiring.service.detail(caller(), id)
    return GrievanceDetailResponse(
        **_view(detail.grievance).model_dump(),
        timeline=[HistoryEvent.of(e) for e in detail.events],
        chain_valid=detail.verdict.valid,
    )


@app.get(
    "/v1/grievances/<id>/proof",
    tags=["transparency"],
    summary="Every event of the grievance with its inclusion proof against the latest checkpoint",
    **contract(
        Forbidden,
        NotFound,
        callers="`employee` who filed the grievance, the assigned `officer` (L1) or `hod` (L2), a `hod` of "
        "its department, `admin`.",
        notes="Check it offline with `anubandh verify record`. Events no checkpoint covers yet carry `pending_until`.",
    ),
)
def get_proof(id: str) -> RecordProof:
    return wiring.service.proof(caller(), id)


@app.get(
    "/v1/grievances/<id>/receipt",
    tags=["grievances"],
    summary="The filing's signed receipt, whether it verifies, and its event's leaf in the log",
    **contract(
        Forbidden,
        NotFound,
        NoReceipt,
        callers="`employee` who filed the grievance, the assigned `officer` (L1) or `hod` (L2), a `hod` of "
        "its department, `admin`.",
    ),
)
def get_filing_receipt(id: str) -> FilingReceiptResponse:
    check = wiring.service.filing_receipt(caller(), id)
    return FilingReceiptResponse(
        signed_receipt=check.signed_receipt,
        verified=check.verified,
        event_recorded=check.event.event_recorded,
        event_hash=check.event.event_hash,
        leaf_index=check.event.leaf_index,
    )


@app.post(
    "/v1/grievances/<id>/actions",
    tags=["grievances"],
    summary="An officer's (L1) or HoD's (L2) action on the grievance",
    **contract(
        Forbidden,
        NotFound,
        VersionConflict,
        InvalidTransition,
        ReassignLimit,
        InvalidRequest,
        RemarksRequired,
        InvalidReasonCode,
        UnknownUnit,
        ProgrammeUnavailable,
        Busy,
        callers="the assigned unit's `officer` at L1, or a `hod` of the department at L2.",
        changes="accept: OPEN -> IN_PROGRESS; request_info: -> AWAITING_EMPLOYEE (the SLA pauses); resolve: -> "
        "RESOLVED; reject: -> REJECTED; reassign (L1): -> OPEN at another unit; escalate (L1): -> OPEN at L2 with "
        "the HoD; comment: no change of state. The employee is told.",
    ),
)
def act(id: str, request: Annotated[ActionRequest, Body()]) -> GrievanceResponse:
    return _view(wiring.service.act(caller(), id, request))


@app.post(
    "/v1/grievances/<id>/reply",
    tags=["grievances"],
    summary="Answer a request for information; the SLA clock resumes",
    **contract(
        Forbidden,
        NotFound,
        VersionConflict,
        InvalidTransition,
        AttachmentNotReady,
        InvalidRequest,
        Busy,
        callers="`employee` who filed the grievance.",
        changes="AWAITING_EMPLOYEE -> IN_PROGRESS; the SLA resumes, its due date moved by the time it was paused.",
    ),
)
def reply(id: str, request: Annotated[ReplyRequest, Body()]) -> GrievanceResponse:
    return _view(
        wiring.service.reply(
            caller(), id, message=request.message, attachment_ids=request.attachment_ids, version=request.version
        )
    )


@app.post(
    "/v1/grievances/<id>/feedback",
    tags=["grievances"],
    summary="Judge the resolution: satisfied closes it; not satisfied at L1 reopens it at L2",
    **contract(
        Forbidden,
        NotFound,
        VersionConflict,
        InvalidTransition,
        InvalidRequest,
        ProgrammeUnavailable,
        Busy,
        callers="`employee` who filed the grievance.",
        changes="RESOLVED -> CLOSED; not satisfied at L1: reopened at L2 (OPEN with the department's HoD).",
    ),
)
def feedback(id: str, request: Annotated[FeedbackRequest, Body()]) -> GrievanceResponse:
    return _view(
        wiring.service.feedback(
            caller(),
            id,
            satisfied=request.satisfied,
            rating=request.rating,
            comment=request.comment,
            version=request.version,
        )
    )


@app.post(
    "/v1/grievances/<id>/attachments",
    tags=["grievances"],
    summary="Ask for a pre-signed POST to attach a PDF, JPEG or PNG (at most 5 MB)",
    **contract(
        Forbidden,
        NotFound,
        InvalidTransition,
        InvalidRequest,
        UploadNotAccepted,
        ProgrammeUnavailable,
        Busy,
        callers="`employee` who filed the grievance, until it is CLOSED or REJECTED.",
        changes="adds an attachment in state PENDING_UPLOAD; the file goes to the pre-signed POST.",
        success=201,
    ),
)
def request_attachment(id: str, request: Annotated[AttachmentUploadRequest, Body()]) -> AttachmentUploadResponse:
    attachment, grant = wiring.service.request_attachment(
        caller(), id, filename=request.filename, content_type=request.content_type, size_bytes=request.size_bytes
    )
    return AttachmentUploadResponse(attachment=AttachmentView.of(attachment), upload=grant)


@app.post(
    "/v1/grievances/<id>/attachments/<attachment_id>/confirm",
    tags=["grievances"],
    summary="Check the uploaded file: size, type by its bytes, SHA-256",
    **contract(
        Forbidden,
        NotFound,
        DocumentNotUploaded,
        ProgrammeUnavailable,
        DocumentNotRetained,
        callers="`employee` who filed the grievance.",
        changes="the attachment PENDING_UPLOAD -> UPLOADED (locked against deletion) or REJECTED with a reason. "
        "Confirming again changes nothing.",
    ),
)
def confirm_attachment(id: str, attachment_id: str) -> AttachmentView:
    return AttachmentView.of(wiring.service.confirm_attachment(caller(), id, attachment_id))


@app.get(
    "/v1/grievances/<id>/attachments/<attachment_id>",
    tags=["grievances"],
    summary="A short-lived download URL for an attachment",
    **contract(
        Forbidden,
        NotFound,
        DocumentNotUploaded,
        callers="`employee` who filed the grievance, the assigned `officer` (L1) or `hod` (L2), a `hod` of "
        "its department, `admin`.",
    ),
)
def download_attachment(id: str, attachment_id: str) -> AttachmentDownloadResponse:
    attachment, url, expires = wiring.service.attachment_download(caller(), id, attachment_id)
    return AttachmentDownloadResponse(attachment=AttachmentView.of(attachment), url=url, expires_at=expires)


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.idempotency.register_context(context)
    return app.resolve(event, context)
