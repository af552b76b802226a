"""HTTP routes of the verify function."""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from functools import cached_property
    from typing import Annotated, Any

    from aws_lambda_powertools.event_handler.openapi.params import Body, Query
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from core.clock import current_clock
    from core.errors import (
        Busy,
        DecisionNotAllowed,
        DocumentNotOk,
        Forbidden,
        IdempotencyKeyReused,
        InvalidCursor,
        InvalidReasonCode,
        InvalidRequest,
        InvalidState,
        MismatchUncertified,
        NoDecision,
        NotFound,
        ProgrammeUnavailable,
        RemarksRequired,
        RequestInProgress,
        UnknownDocument,
        VerificationClosed,
        VersionConflict,
    )
    from core.history import HistoryEvent
    from core.http import Caller, IdempotencyKey, contract, create_resolver, decode_cursor, encode_cursor, idempotent
    from core.kms_key import KeySet
    from core.observability import observed
    from core.recorder import ChangeRecorder
    from core.registration import QueueStatus, RegistrationStatus
    from core.signing import ReceiptSigner
    from core.store.counters import CounterStore
    from core.store.events import EventStore
    from core.store.notifications import NotificationStore
    from core.store.registrations import QueueFilter, RegistrationStore
    from core.uploads import ObjectStore
    from core.wiring import IdempotentWiring
    from verify.models import (
        CaseDocument,
        CaseFileResponse,
        DecisionBody,
        DecisionResponse,
        QueueItem,
        QueueResponse,
        ReceiptResponse,
    )
    from verify.service import VerificationService
    from verify.settings import VerifySettings, get_settings

app = create_resolver()


class VerifyWiring(IdempotentWiring[VerifySettings]):
    @cached_property
    def service(self) -> VerificationService:
        settings = self.settings
        dynamodb = self.aws.dynamodb
        registrations = RegistrationStore(dynamodb, settings.registrations_table)
        events = EventStore(dynamodb, settings.events_table)
        counters = CounterStore(dynamodb, settings.counters_table)
        return VerificationService(
            programme_id=settings.programme_id,
            programmes=self.programmes,
            registrations=registrations,
            events=events,
            recorder=ChangeRecorder(registrations, events, counters),
            counters=counters,
            notifications=NotificationStore(dynamodb, settings.notifications_table),
            objects=ObjectStore(self.aws.s3, settings.documents_bucket),
            signer=ReceiptSigner(lambda: self.aws.client("kms"), settings.signing_key_id),
            clock=current_clock(),
        )


wiring = VerifyWiring(get_settings)
caller = Caller(app, lambda: wiring.directory)


@app.get(
    "/v1/verifications",
    tags=["verifications"],
    summary="Your queue: pending first, oldest first, with counts",
    **contract(
        Forbidden,
        InvalidRequest,
        InvalidCursor,
        ProgrammeUnavailable,
        callers="`ddo` (the records of their DDO code) or `hod` (their department's escalated records).",
    ),
)
def list_verifications(
    status: Annotated[QueueStatus | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=120)] = None,
    mismatch_only: Annotated[bool, Query()] = False,
    ineligible_only: Annotated[bool, Query()] = False,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> QueueResponse:
    where = QueueFilter(
        status=RegistrationStatus(status) if status else None,
        department=department,
        mismatch_only=mismatch_only,
        ineligible_only=ineligible_only,
    )
    view = wiring.service.queue(caller(), where, limit, decode_cursor(cursor))
    return QueueResponse(
        items=[QueueItem.of(r) for r in view.items],
        next_cursor=encode_cursor(view.last_key) if view.last_key else None,
        counts=view.counts,
        verification_closes_at=view.closes_at,
        seconds_left=view.seconds_left,
        now=view.now,
    )


@app.get(
    "/v1/verifications/<id>",
    tags=["verifications"],
    summary="One screen to decide: record, eligibility, roll mismatches, documents, history",
    **contract(
        Forbidden,
        NotFound,
        callers="the record's `ddo` or a `hod` of its department.",
    ),
)
def get_case_file(id: str) -> CaseFileResponse:
    case = wiring.service.case_file(caller(), id)
    registration = case.registration
    return CaseFileResponse(
        registration_id=registration.registration_id,
        employee_code=registration.employee_code,
        status=registration.status,
        version=registration.version,
        acknowledgement_number=registration.acknowledgement_number,
        submitted_at=registration.submitted_at,
        record=registration.record,
        roll_record=registration.roll_record,
        roll_mismatches=registration.roll_mismatches,
        eligibility=registration.eligibility,
        documents=[CaseDocument.of(d.document, d.url, d.url_expires_at) for d in case.documents],
        review=registration.review,
        history=[HistoryEvent.of(e) for e in case.events],
        chain_valid=case.verdict.valid,
    )


@app.post(
    "/v1/verifications/<id>/decision",
    tags=["verifications"],
    summary="Verify, send back or reject; returns the signed receipt",
    **contract(
        Forbidden,
        VerificationClosed,
        NotFound,
        VersionConflict,
        InvalidState,
        RequestInProgress,
        InvalidRequest,
        RemarksRequired,
        InvalidReasonCode,
        DecisionNotAllowed,
        UnknownDocument,
        MismatchUncertified,
        DocumentNotOk,
        IdempotencyKeyReused,
        ProgrammeUnavailable,
        Busy,
        callers="the record's `ddo` while verification is open; after it closes, a `hod` of its department for "
        "ESCALATED records.",
        changes="SUBMITTED -> VERIFIED, SENT_BACK or REJECTED (`ddo`); ESCALATED -> VERIFIED or REJECTED (`hod`). "
        "The decision's signed receipt is kept on the record.",
    ),
)
@idempotent("decide:{id}", runner=lambda: wiring.idempotency, caller=caller)
def decide(id: str, request: Annotated[DecisionBody, Body()], key: IdempotencyKey = None) -> DecisionResponse:
    decided = wiring.service.decide(caller(), id, request)
    assert decided.review is not None  # every decision leaves its review
    return DecisionResponse(
        registration_id=decided.registration_id,
        status=decided.status,
        version=decided.version,
        signed_receipt=decided.review.signed_receipt,
    )


@app.get(
    "/v1/verifications/<id>/receipt",
    tags=["verifications"],
    summary="The signed receipt and whether its signature verifies",
    **contract(
        Forbidden,
        NotFound,
        NoDecision,
        callers="`employee` who owns the registration, the record's `ddo`, a `hod` of its department, `admin`.",
    ),
)
def get_receipt(id: str) -> ReceiptResponse:
    check = wiring.service.receipt(caller(), id)
    return ReceiptResponse(
        signed_receipt=check.signed_receipt,
        verified=check.verified,
        event_recorded=check.event.event_recorded,
        event_hash=check.event.event_hash,
        leaf_index=check.event.leaf_index,
    )


@app.get(
    "/v1/keys",
    tags=["verifications"],
    summary="JWKS of the public key that signs receipts",
    **contract(
        public=True,
        callers="anyone.",
    ),
)
def get_keys() -> KeySet:
    return KeySet.model_validate(wiring.service.keys())


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.idempotency.register_context(context)
    return app.resolve(event, context)
