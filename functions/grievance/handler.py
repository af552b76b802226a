"""HTTP routes of the grievance function."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from core.aws import AwsClients
from core.clock import current_clock
from core.grievance import GrievanceStatus
from core.history import HistoryEvent
from core.http import Caller, create_resolver, decode_cursor, encode_cursor, idempotency_key, problem_responses
from core.idempotency import IdempotentRunner
from core.identity import Directory
from core.observability import logger, observed
from core.record_proofs import RecordProver
from core.recorder import GrievanceRecorder
from core.signing import ReceiptSigner
from core.store.counters import CounterStore
from core.store.directory import DirectoryStore
from core.store.events import EventStore
from core.store.grievances import GrievanceStore, ListFilter
from core.store.notifications import NotificationStore
from core.store.programmes import ProgrammeStore
from core.store.registrations import RegistrationStore
from core.store.roll import RollStore
from core.store.transparency import TransparencyStore
from core.transparency import RecordProof
from core.types import CategoryCode
from core.uploads import ObjectStore
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
from grievance.settings import get_settings

app = create_resolver()


@lru_cache(maxsize=1)
def _aws() -> AwsClients:
    return AwsClients.for_function(get_settings())


@lru_cache(maxsize=1)
def directory() -> Directory:
    return Directory(DirectoryStore(_aws().dynamodb, get_settings().directory_table))


caller = Caller(app, directory)


@lru_cache(maxsize=1)
def service() -> GrievanceService:
    settings = get_settings()
    dynamodb = _aws().dynamodb
    grievances = GrievanceStore(dynamodb, settings.grievances_table)
    events = EventStore(dynamodb, settings.events_table)
    return GrievanceService(
        programme_id=settings.programme_id,
        programmes=ProgrammeStore.for_function(_aws(), settings),
        grievances=grievances,
        registrations=RegistrationStore(dynamodb, settings.registrations_table),
        roll=RollStore(dynamodb, settings.roll_table),
        events=events,
        recorder=GrievanceRecorder(
            dynamodb,
            grievances,
            events,
            CounterStore(settings.counters_table),
            NotificationStore(settings.notifications_table),
        ),
        dynamodb=dynamodb,
        objects=ObjectStore(_aws().s3, settings.documents_bucket),
        document_retention=timedelta(days=settings.document_retention_days),
        signer=ReceiptSigner(lambda: _aws().client("kms"), settings.signing_key_id),
        clock=current_clock(),
        prover=RecordProver(events, TransparencyStore(dynamodb, settings.transparency_table), current_clock()),
    )


@lru_cache(maxsize=1)
def idempotency() -> IdempotentRunner:
    return IdempotentRunner.for_function(get_settings(), _aws().dynamodb)


def record_activity(router: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """Officers' and HoDs' visits feed the daily digest; a failed note never fails the request."""
    try:
        service().note_activity(caller())
    except ClientError as error:
        logger.warning("officer activity not recorded", extra={"error_code": error.response["Error"]["Code"]})
    return next_middleware(router)


app.use(middlewares=[record_activity])


def _view(grievance: Any) -> GrievanceResponse:
    return GrievanceResponse.of(grievance, service().now())


@app.post(
    "/v1/grievances",
    status_code=201,
    tags=["grievances"],
    summary="File a grievance: assigned to the L1 unit (or, for a rejected registration, the HoD) with a due date",
    responses=problem_responses(401, 403, 404, 409, 422, 429, 503, success=201),
)
def file_grievance(request: Annotated[FileGrievanceRequest, Body()]) -> GrievanceResponse:
    principal = caller()

    def file() -> dict[str, Any]:
        return _view(service().file(principal, request)).model_dump(mode="json")

    body = idempotency().run(
        key=idempotency_key(app),
        caller=principal.sub,
        operation="file-grievance",
        payload=request.model_dump(mode="json"),
        action=file,
    )
    return GrievanceResponse.model_validate(body)


@app.get(
    "/v1/grievances",
    tags=["grievances"],
    summary="Your grievances, your unit's queue (officer) or your department's L2 items (HoD)",
    responses=problem_responses(401, 403, 422),
)
def list_grievances(
    status: Annotated[GrievanceStatus | None, Query()] = None,
    category: Annotated[CategoryCode | None, Query()] = None,
    overdue: Annotated[bool, Query()] = False,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> GrievanceListResponse:
    now = service().now()
    where = ListFilter(status=status, category=category, overdue_at=now if overdue else None)
    page = service().page(caller(), where, limit, decode_cursor(cursor))
    return GrievanceListResponse(
        items=[GrievanceSummary.of(g, now) for g in page.items],
        next_cursor=encode_cursor(page.last_key) if page.last_key else None,
        now=now,
    )


@app.get(
    "/v1/grievances/<id>",
    tags=["grievances"],
    summary="The grievance with its full timeline, SLA state and whether its audit chain verifies",
    responses=problem_responses(401, 403, 404),
)
def get_grievance(id: str) -> GrievanceDetailResponse:
    detail = service().detail(caller(), id)
    return GrievanceDetailResponse(
        **_view(detail.grievance).model_dump(),
        timeline=[HistoryEvent.of(e) for e in detail.events],
        chain_valid=detail.verdict.valid,
    )


@app.get(
    "/v1/grievances/<id>/proof",
    tags=["transparency"],
    summary="Every event of the grievance with its inclusion proof against the latest checkpoint",
    description="Whoever may read the grievance (owner, assignee, HoD, admin). Check it offline with "
    "`anubandh verify record`. Events no checkpoint covers yet carry `pending_until`. "
    "Problem codes: `unauthenticated`, `forbidden`, `not_found`.",
    responses=problem_responses(401, 403, 404),
)
def get_proof(id: str) -> RecordProof:
    return service().proof(caller(), id)


@app.get(
    "/v1/grievances/<id>/receipt",
    tags=["grievances"],
    summary="The filing's signed receipt, whether it verifies, and its event's leaf in the log",
    responses=problem_responses(401, 403, 404),
)
def get_filing_receipt(id: str) -> FilingReceiptResponse:
    check = service().filing_receipt(caller(), id)
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
    responses=problem_responses(401, 403, 404, 409, 422),
)
def act(id: str, request: Annotated[ActionRequest, Body()]) -> GrievanceResponse:
    return _view(service().act(caller(), id, request))


@app.post(
    "/v1/grievances/<id>/reply",
    tags=["grievances"],
    summary="Answer a request for information; the SLA clock resumes",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def reply(id: str, request: Annotated[ReplyRequest, Body()]) -> GrievanceResponse:
    return _view(
        service().reply(
            caller(), id, message=request.message, attachment_ids=request.attachment_ids, version=request.version
        )
    )


@app.post(
    "/v1/grievances/<id>/feedback",
    tags=["grievances"],
    summary="Judge the resolution: satisfied closes it; not satisfied at L1 reopens it at L2",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def feedback(id: str, request: Annotated[FeedbackRequest, Body()]) -> GrievanceResponse:
    return _view(
        service().feedback(
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
    status_code=201,
    tags=["grievances"],
    summary="Ask for a pre-signed POST to attach a PDF, JPEG or PNG (at most 5 MB)",
    responses=problem_responses(401, 403, 404, 409, 422, success=201),
)
def request_attachment(id: str, request: Annotated[AttachmentUploadRequest, Body()]) -> AttachmentUploadResponse:
    attachment, grant = service().request_attachment(
        caller(), id, filename=request.filename, content_type=request.content_type, size_bytes=request.size_bytes
    )
    return AttachmentUploadResponse(attachment=AttachmentView.of(attachment), upload=grant)


@app.post(
    "/v1/grievances/<id>/attachments/<attachment_id>/confirm",
    tags=["grievances"],
    summary="Check the uploaded file: size, type by its bytes, SHA-256",
    responses=problem_responses(401, 403, 404, 409, 503),
)
def confirm_attachment(id: str, attachment_id: str) -> AttachmentView:
    return AttachmentView.of(service().confirm_attachment(caller(), id, attachment_id))


@app.get(
    "/v1/grievances/<id>/attachments/<attachment_id>",
    tags=["grievances"],
    summary="A short-lived download URL for an attachment",
    responses=problem_responses(401, 403, 404, 409),
)
def download_attachment(id: str, attachment_id: str) -> AttachmentDownloadResponse:
    attachment, url, expires = service().attachment_download(caller(), id, attachment_id)
    return AttachmentDownloadResponse(attachment=AttachmentView.of(attachment), url=url, expires_at=expires)


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency().register_context(context)
    return app.resolve(event, context)
