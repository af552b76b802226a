"""HTTP routes of the register function, and the S3 upload-event consumer (the same Lambda).

Each route parses, authorises (through the domain service, which knows the roles), calls one
domain operation and maps the result to its response model.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    import json
    from datetime import timedelta
    from functools import cached_property
    from typing import Annotated, Any
    from urllib.parse import unquote_plus

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.openapi.params import Body, Query
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from core import api_document
    from core.clock import current_clock
    from core.errors import (
        Busy,
        DocumentNotRetained,
        DocumentNotUploaded,
        Forbidden,
        IdempotencyKeyReused,
        Incomplete,
        InvalidCursor,
        InvalidRecord,
        InvalidRequest,
        InvalidState,
        NoReceipt,
        NotFound,
        NotOnRoll,
        ProgrammeUnavailable,
        RegistrationClosed,
        RegistrationExists,
        RegistrationNotOpen,
        RequestInProgress,
        UploadNotAccepted,
        VerificationClosed,
        VersionConflict,
    )
    from core.history import HistoryEvent
    from core.http import Caller, IdempotencyKey, contract, create_resolver, decode_cursor, encode_cursor, idempotent
    from core.observability import logger, observed, traced
    from core.programme import Programme
    from core.record_proofs import RecordProver
    from core.recorder import ChangeRecorder
    from core.signing import ReceiptSigner
    from core.store.counters import CounterStore
    from core.store.events import EventStore
    from core.store.registrations import RegistrationStore
    from core.store.roll import RollStore
    from core.store.transparency import TransparencyStore
    from core.transparency import RecordProof
    from core.uploads import ObjectStore, UploadSlots
    from core.wiring import IdempotentWiring
    from register.models import (
        CreateRegistrationRequest,
        DocumentCheckResponse,
        DocumentResponse,
        DocumentUploadRequest,
        DownloadResponse,
        HistoryResponse,
        MeResponse,
        ProgrammeResponse,
        RegistrationResponse,
        SubmissionReceiptResponse,
        SubmitRequest,
        SubmitResponse,
        UpdateRegistrationRequest,
        UploadResponse,
    )
    from register.service import RegistrationService
    from register.settings import RegisterSettings, get_settings

app = create_resolver()


class RegisterWiring(IdempotentWiring[RegisterSettings]):
    @cached_property
    def service(self) -> RegistrationService:
        settings = self.settings
        dynamodb = self.aws.dynamodb
        registrations = RegistrationStore(dynamodb, settings.registrations_table)
        events = EventStore(dynamodb, settings.events_table)
        return RegistrationService(
            programme_id=settings.programme_id,
            programmes=self.programmes,
            roll=RollStore(dynamodb, settings.roll_table),
            registrations=registrations,
            events=events,
            recorder=ChangeRecorder(registrations, events, CounterStore(dynamodb, settings.counters_table)),
            uploads=UploadSlots(
                ObjectStore(self.aws.s3, settings.documents_bucket), timedelta(days=settings.document_retention_days)
            ),
            signer=ReceiptSigner(lambda: self.aws.client("kms"), settings.signing_key_id),
            clock=current_clock(),
            prover=RecordProver(events, TransparencyStore(dynamodb, settings.transparency_table), current_clock()),
        )


wiring = RegisterWiring(get_settings)
caller = Caller(app, lambda: wiring.directory)


def _programme() -> Programme:
    return wiring.service.programme().programme


def _registration(registration: Any, programme: Programme | None = None) -> RegistrationResponse:
    """The registration's view. A write passes the programme it read before the change: a read after it
    that failed would answer 503 for a change that was made (the settings' cache may expire in between)."""
    return RegistrationResponse.of(registration, programme or _programme())


# ---------------------------------------------------------------- programme and me
@app.get(
    "/v1/programme",
    tags=["programme"],
    summary="The programme, its windows and the server's time",
    **contract(
        ProgrammeUnavailable,
        callers="any signed-in user (`employee`, `ddo`, `hod`, `officer`, `admin`).",
    ),
)
def get_programme() -> ProgrammeResponse:
    caller()
    status = wiring.service.programme()
    return ProgrammeResponse.of(status.programme, status.now, status.registration_open, status.verification_open)


@app.get(
    "/v1/me",
    tags=["programme"],
    summary="Who am I: roles, roll entry and registration id",
    **contract(
        callers="any signed-in user (`employee`, `ddo`, `hod`, `officer`, `admin`).",
    ),
)
def get_me() -> MeResponse:
    who = wiring.service.who_am_i(caller())
    return MeResponse.of(who.principal, who.roll)


# ---------------------------------------------------------------- registrations
@app.post(
    "/v1/registrations",
    tags=["registrations"],
    summary="Create your draft, prefilled from the roll (one per employee)",
    **contract(
        Forbidden,
        NotOnRoll,
        RegistrationNotOpen,
        RegistrationClosed,
        RegistrationExists,
        RequestInProgress,
        InvalidRequest,
        InvalidRecord,
        IdempotencyKeyReused,
        ProgrammeUnavailable,
        Busy,
        callers="`employee` on the roll, once, while registration is open.",
        changes="creates the employee's registration in state DRAFT, prefilled from the roll entry, and links the "
        "roll entry to it.",
        success=201,
    ),
)
@idempotent("create-registration", runner=lambda: wiring.idempotency, caller=caller, exclude_unset=True)
def create_registration(
    request: Annotated[CreateRegistrationRequest, Body()], key: IdempotencyKey = None
) -> RegistrationResponse:
    principal, programme = caller(), _programme()
    return _registration(wiring.service.create(principal, request), programme)


@app.get(
    "/v1/registrations/<id>",
    tags=["registrations"],
    summary="A registration with documents, eligibility and version",
    **contract(
        Forbidden,
        NotFound,
        ProgrammeUnavailable,
        callers="`employee` who owns the registration, the record's `ddo`, a `hod` of its department, `admin`.",
    ),
)
def get_registration(id: str) -> RegistrationResponse:
    return _registration(wiring.service.get(caller(), id))


@app.patch(
    "/v1/registrations/<id>",
    tags=["registrations"],
    summary="Edit your draft or sent-back registration",
    **contract(
        Forbidden,
        NotFound,
        VersionConflict,
        InvalidState,
        RegistrationNotOpen,
        RegistrationClosed,
        VerificationClosed,
        InvalidRequest,
        InvalidRecord,
        ProgrammeUnavailable,
        Busy,
        callers="`employee` who owns the registration.",
        changes="the record of a DRAFT (while registration is open) or SENT_BACK registration (until verification "
        "closes); the state stays, the version goes up by one.",
    ),
)
def update_registration(id: str, request: Annotated[UpdateRegistrationRequest, Body()]) -> RegistrationResponse:
    principal, programme = caller(), _programme()
    return _registration(wiring.service.update(principal, id, request, request.version), programme)


@app.post(
    "/v1/registrations/<id>/documents",
    tags=["documents"],
    summary="Get a pre-signed POST to upload one document",
    **contract(
        Forbidden,
        NotFound,
        RegistrationNotOpen,
        RegistrationClosed,
        VerificationClosed,
        InvalidState,
        InvalidRequest,
        UploadNotAccepted,
        ProgrammeUnavailable,
        Busy,
        callers="`employee` who owns the registration (DRAFT while registration is open, SENT_BACK until "
        "verification closes).",
        changes="adds a document slot in state PENDING_UPLOAD; the file goes to the pre-signed POST.",
        success=201,
    ),
)
def request_document_upload(id: str, request: Annotated[DocumentUploadRequest, Body()]) -> UploadResponse:
    document, grant = wiring.service.request_upload(
        caller(), id, request.type, request.content_type, request.size_bytes
    )
    return UploadResponse(document_id=document.document_id, upload=grant, document=DocumentResponse.of(document))


@app.post(
    "/v1/registrations/<id>/documents/<doc>/confirm",
    tags=["documents"],
    summary="Check the uploaded file: UPLOADED, or REJECTED with a reason",
    **contract(
        Forbidden,
        NotFound,
        DocumentNotUploaded,
        VersionConflict,
        ProgrammeUnavailable,
        Busy,
        DocumentNotRetained,
        callers="`employee` who owns the registration.",
        changes="the document PENDING_UPLOAD -> UPLOADED (locked against deletion; an earlier one of the same type "
        "becomes SUPERSEDED) or REJECTED with a reason. Confirming again changes nothing.",
    ),
)
def confirm_document(id: str, doc: str) -> DocumentCheckResponse:
    registration = wiring.service.confirm_document(caller(), id, doc)
    document = registration.document(doc)
    assert document is not None  # the service found it before checking
    return DocumentCheckResponse(document=DocumentResponse.of(document), registration_version=registration.version)


@app.get(
    "/v1/registrations/<id>/documents/<doc>",
    tags=["documents"],
    summary="A short-lived download URL of an uploaded document",
    **contract(
        Forbidden,
        NotFound,
        DocumentNotUploaded,
        callers="`employee` who owns the registration, the record's `ddo`, a `hod` of its department (not `admin`).",
    ),
)
def get_document(id: str, doc: str) -> DownloadResponse:
    document, url, expires_at = wiring.service.document_download(caller(), id, doc)
    return DownloadResponse(document=DocumentResponse.of(document), url=url, expires_at=expires_at)


@app.post(
    "/v1/registrations/<id>/submit",
    tags=["registrations"],
    summary="Submit: completeness, eligibility and window checks; returns the acknowledgement",
    **contract(
        Forbidden,
        NotFound,
        VersionConflict,
        InvalidState,
        RegistrationNotOpen,
        RegistrationClosed,
        VerificationClosed,
        RequestInProgress,
        InvalidRequest,
        Incomplete,
        IdempotencyKeyReused,
        ProgrammeUnavailable,
        Busy,
        callers="`employee` who owns the registration.",
        changes="DRAFT -> SUBMITTED (while registration is open) or SENT_BACK -> SUBMITTED (until verification "
        "closes); the acknowledgement number and the signed receipt are set.",
    ),
)
@idempotent("submit:{id}", runner=lambda: wiring.idempotency, caller=caller)
def submit_registration(
    id: str, request: Annotated[SubmitRequest, Body()], key: IdempotencyKey = None
) -> SubmitResponse:
    principal, programme = caller(), _programme()
    submitted = wiring.service.submit(principal, id, request.version)
    # Both set by every submission; a retry with the same Idempotency-Key gets this same receipt back.
    assert submitted.acknowledgement_number is not None and submitted.submission_receipt is not None
    return SubmitResponse(
        acknowledgement_number=submitted.acknowledgement_number,
        registration=_registration(submitted, programme),
        signed_receipt=submitted.submission_receipt,
    )


@app.get(
    "/v1/registrations/<id>/receipt",
    tags=["registrations"],
    summary="The latest submission's signed receipt, whether it verifies, and its event's leaf in the log",
    **contract(
        Forbidden,
        NotFound,
        NoReceipt,
        callers="`employee` who owns the registration, the record's `ddo`, a `hod` of its department, `admin`.",
    ),
)
def get_submission_receipt(id: str) -> SubmissionReceiptResponse:
    check = wiring.service.submission_receipt(caller(), id)
    return SubmissionReceiptResponse(
        signed_receipt=check.signed_receipt,
        verified=check.verified,
        event_recorded=check.event.event_recorded,
        event_hash=check.event.event_hash,
        leaf_index=check.event.leaf_index,
    )


@app.get(
    "/v1/registrations/<id>/history",
    tags=["registrations"],
    summary="Every change with actor, time and reason, and whether the hash chain verifies",
    **contract(
        Forbidden,
        NotFound,
        InvalidRequest,
        InvalidCursor,
        callers="`employee` who owns the registration, the record's `ddo`, a `hod` of its department, `admin`.",
    ),
)
def get_history(
    id: str,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> HistoryResponse:
    history = wiring.service.history(caller(), id)
    after = _history_start(cursor)
    page = [e for e in history.events if e.seq > after][:limit]
    more = bool(page) and page[-1].seq < history.events[-1].seq
    return HistoryResponse(
        registration_id=id,
        events=[HistoryEvent.of(e) for e in page],
        chain=history.verdict,
        next_cursor=encode_cursor({"after": page[-1].seq}) if more else None,
    )


@app.get(
    "/v1/registrations/<id>/proof",
    tags=["transparency"],
    summary="Every event of the registration with its inclusion proof against the latest checkpoint",
    **contract(
        Forbidden,
        NotFound,
        callers="`employee` who owns the registration, the record's `ddo`, a `hod` of its department, `admin`.",
        notes="Check it offline with `anubandh verify record`: each `body` hashes to `hash`, each links to the "
        "previous, each audit path takes its leaf to the checkpoint's root, and the checkpoint's signature verifies "
        "with `/v1/transparency/keys`. Events no checkpoint covers yet carry `pending_until`.",
    ),
)
def get_proof(id: str) -> RecordProof:
    return wiring.service.proof(caller(), id)


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Any:  # a ready Response: not a model to describe
    return Response(status_code=200, content_type="application/json", body=api_document.openapi_json())


@app.get("/docs", include_in_schema=False)
def swagger_ui() -> Any:  # a ready Response: not a model to describe
    return Response(
        status_code=200,
        content_type="text/html",
        body=api_document.swagger_html(),
        headers=api_document.swagger_headers(),
    )


def _history_start(cursor: str | None) -> int:
    position = decode_cursor(cursor)
    if position is None:
        return 0
    after = position.get("after")
    if set(position) != {"after"} or type(after) is not int or not 0 <= after < 2**63:
        raise InvalidCursor()
    return after


# ---------------------------------------------------------------- upload events
@traced
def _check_upload_record(record: Any) -> None:  # a Powertools SQSRecord
    body = json.loads(record.body)
    for s3_record in body.get("Records", []):  # S3's own test event has none
        key = unquote_plus(s3_record["s3"]["object"]["key"])
        checked = wiring.service.check_uploaded_object(key)
        logger.info("upload event checked", extra={"object_key": key, "recorded": checked is not None})


# ---------------------------------------------------------------- entry point
@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        # Imported here: Powertools batch costs ~80 ms of cold start that HTTP requests never need.
        from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415
            BatchProcessor,
            EventType,
            process_partial_response,
        )

        # Report every failed message for Lambda to retry, rather than raise when all of a batch failed.
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return dict(
            process_partial_response(
                event=event, record_handler=_check_upload_record, processor=processor, context=context
            )
        )
    wiring.idempotency.register_context(context)
    return app.resolve(event, context)
