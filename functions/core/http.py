"""HTTP plumbing shared by the HTTP functions: the resolver, the caller, and the one place where
errors become RFC 9457 problem+json."""

from __future__ import annotations

import base64
import binascii
import functools
import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from core import aws_faults
from core.audit import canonical_json
from core.auth import Principal
from core.errors import (
    AccountDisabled,
    AlreadyDecided,
    AttachmentNotReady,
    BodyTooLarge,
    Busy,
    CertificateNotValid,
    CertificatePending,
    CertificateRevoked,
    CheckpointNotFound,
    CorrectionPending,
    DecisionNotAllowed,
    DocumentNotOk,
    DocumentNotRetained,
    DocumentNotUploaded,
    DomainError,
    Forbidden,
    GrievanceLimit,
    IdempotencyKeyReused,
    Incomplete,
    InvalidCursor,
    InvalidEncoding,
    InvalidProofRange,
    InvalidReasonCode,
    InvalidRecord,
    InvalidRequest,
    InvalidState,
    InvalidTransition,
    InvalidWindow,
    MismatchUncertified,
    MobileUnchanged,
    NoDecision,
    NoGrievanceUnit,
    NoReceipt,
    NotFound,
    NotOnRoll,
    NotVerified,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpUsed,
    ProgrammeUnavailable,
    ReassignLimit,
    RefreshRefused,
    RegistrationClosed,
    RegistrationExists,
    RegistrationNotOpen,
    RemarksRequired,
    RequestInProgress,
    ServiceUnavailable,
    SessionRevoked,
    SignInUnavailable,
    TooManyRequests,
    Unauthenticated,
    UnknownCategory,
    UnknownDocument,
    UnknownUnit,
    UploadNotAccepted,
    VerificationClosed,
    VersionConflict,
)
from core.idempotency import IdempotentRunner
from core.identity import Directory
from core.language import DEFAULT_LANGUAGE, Language, preferred_language
from core.observability import logger
from core.problem_texts import render_problem, text_for
from core.request_body import BodyRefused, read_json_body

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://anubandh.example.gov.in/problems/"


# The HTTP status of each domain error: the one place where the domain meets HTTP (a unit test
# checks that every DomainError of core.errors has one).
STATUS_OF: dict[type[DomainError], int] = {
    InvalidCursor: 400,
    InvalidEncoding: 400,
    OtpExpired: 401,
    OtpInvalid: 401,
    OtpLocked: 401,
    OtpUsed: 401,
    RefreshRefused: 401,
    SessionRevoked: 401,
    Unauthenticated: 401,
    AccountDisabled: 403,
    Forbidden: 403,
    NotOnRoll: 403,
    RegistrationClosed: 403,
    RegistrationNotOpen: 403,
    VerificationClosed: 403,
    CheckpointNotFound: 404,
    NoDecision: 404,
    NoReceipt: 404,
    NotFound: 404,
    AlreadyDecided: 409,
    AttachmentNotReady: 409,
    CertificateNotValid: 409,
    CertificatePending: 409,
    CertificateRevoked: 409,
    CorrectionPending: 409,
    DocumentNotUploaded: 409,
    InvalidState: 409,
    InvalidTransition: 409,
    NotVerified: 409,
    ReassignLimit: 409,
    RegistrationExists: 409,
    RequestInProgress: 409,
    VersionConflict: 409,
    BodyTooLarge: 413,
    DecisionNotAllowed: 422,
    DocumentNotOk: 422,
    IdempotencyKeyReused: 422,
    Incomplete: 422,
    InvalidProofRange: 422,
    InvalidReasonCode: 422,
    InvalidRecord: 422,
    InvalidRequest: 422,
    InvalidWindow: 422,
    MismatchUncertified: 422,
    MobileUnchanged: 422,
    RemarksRequired: 422,
    UnknownCategory: 422,
    UnknownDocument: 422,
    UnknownUnit: 422,
    UploadNotAccepted: 422,
    GrievanceLimit: 429,
    TooManyRequests: 429,
    Busy: 503,
    DocumentNotRetained: 503,
    NoGrievanceUnit: 503,
    ProgrammeUnavailable: 503,
    ServiceUnavailable: 503,
    SignInUnavailable: 503,
}


def status_of(error: DomainError | type[DomainError]) -> int:
    """The status of an error (or of its nearest ancestor in the table)."""
    kind = error if isinstance(error, type) else type(error)
    return next(STATUS_OF[cls] for cls in kind.__mro__ if cls in STATUS_OF)


def problem(
    status: int,
    code: str,
    *,
    reason: str = "",
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    language: Language = DEFAULT_LANGUAGE,
) -> Response:
    """The problem+json of `code`: title and detail from core.problem_texts in `language`, filled from
    `params`; `extra` (machine members) as they are. `code` is the same in every language."""
    words = render_problem(code, reason, params or {}, language)
    # RFC 9457 extension members come first so they can never overwrite the standard ones.
    body = {
        **(extra or {}),
        "type": f"{PROBLEM_TYPE_BASE}{code}",
        "title": words.title,
        "status": status,
        "detail": words.detail,
        "code": code,
    }
    return Response(
        status_code=status,
        content_type=PROBLEM_JSON,
        body=canonical_json(body),
        headers={"Content-Language": language.value, "Vary": "Accept-Language"},
    )


def domain_problem(error: DomainError, language: Language = DEFAULT_LANGUAGE) -> Response:
    response = problem(
        status_of(error), error.code, reason=error.reason, params=error.params, extra=error.extra, language=language
    )
    if "retry_after_seconds" in error.extra:  # RFC 9110 Retry-After, for clients that read headers only
        response.headers["Retry-After"] = str(error.extra["retry_after_seconds"])
    return response


def _field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    # Location and type only, never pydantic's message with internals; "msg" is short and safe.
    return [
        {"loc": [str(part) for part in e["loc"]], "type": e["type"], "msg": e.get("msg", "")} for e in error.errors()
    ]


class Resolver(APIGatewayHttpResolver):
    """Powertools' resolver; every answer, problems included, says not to sniff its type and, unless
    its route allows caching, not to store it: most answers carry someone's personal data."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        answer = super().resolve(event, context)
        headers = answer.setdefault("headers", {})
        named = {name.lower() for name in headers}
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if "cache-control" not in named:
            headers["Cache-Control"] = "no-store"
        return answer


def request_language(app: APIGatewayHttpResolver) -> Language:
    """The language the caller reads: its Accept-Language (`hi`, `hi-IN`, `en;q=0.5`, ...), English by default."""
    headers = app.current_event.headers or {}
    return preferred_language(next((v for k, v in headers.items() if k.lower() == "accept-language"), None))


class _JsonBodiesOnly(OpenAPIRequestValidationMiddleware):
    """Every request body of this API is JSON. Powertools would also parse a form or a multipart body
    (and a multipart one without a boundary raised a bare ValueError: a 500); here any other declared
    media type is refused before it is parsed, as 415."""

    def _get_body(self, app: Any) -> dict[str, Any]:
        media_type = app.current_event.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in {"", "application/json"}:
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[{"type": "unsupported_content_type", "loc": ("body",), "msg": "", "input": {}, "ctx": {}}],
            )
        return self._parse_json_data(app)  # media types are case-insensitive; Powertools' check is not

    def _parse_json_data(self, app: Any) -> Any:
        event = app.current_event
        try:
            body = read_json_body(event.body, is_base64=event.is_base64_encoded)
        except json.JSONDecodeError as error:
            raise _body_invalid("json_invalid", "JSON decode error", error.pos) from error
        except BodyRefused as refused:
            raise _body_invalid(refused.kind, refused.message) from refused
        # Every body of this API is an object; Powertools would take a list's first item as the body
        # (its form-data normalisation), so `[{...}]` was accepted as `{...}`.
        if body is not None and not isinstance(body, dict):
            raise _body_invalid("model_attributes_type", "the body must be a JSON object")
        return body


def _body_invalid(kind: str, message: str, position: int | None = None) -> RequestValidationError:
    where = ("body",) if position is None else ("body", position)
    return RequestValidationError([{"type": kind, "loc": where, "msg": message, "input": {}, "ctx": {}}])


def create_resolver() -> APIGatewayHttpResolver:
    app = Resolver(enable_validation=True)
    app._request_validation_middleware = _JsonBodiesOnly()  # the one Powertools puts first in every route

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        logger.info("request refused", extra={"code": error.code, "reason": error.reason, "status": status_of(error)})
        return domain_problem(error, request_language(app))

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return problem(
            status_of(InvalidRequest),
            InvalidRequest.code,
            extra={"errors": _field_errors(error)},
            language=request_language(app),
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response:
        return problem(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", language=request_language(app))

    # The last resort, and the one handler that takes any exception: an error no code foresaw still gets
    # an answer the client can read (in the cloud it would be a bare 500 from API Gateway; locally a
    # closed socket), and the log line that explains it carries the id the answer names.
    @app.exception_handler(Exception)
    def _unforeseen(error: Exception) -> Response:
        correlation_id = logger.get_correlation_id() or app.current_event.request_context.request_id
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return problem(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "internal_error",
            params={"correlation_id": correlation_id},
            extra={"correlation_id": correlation_id},
            language=request_language(app),
        )

    @app.exception_handler([ClientError, BotoCoreError, IdempotencyPersistenceLayerError, GetParameterError])
    def _aws_fault(error: Exception) -> Response:
        unavailable = aws_faults.service_unavailable(error)
        if unavailable is None:  # not transient: a defect, answered as the last resort answers it
            return _unforeseen(error)
        logger.warning("AWS fault: answered 503", extra={"reason": unavailable.reason, **aws_faults.describe(error)})
        return domain_problem(unavailable, request_language(app))

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def _in_progress(_: IdempotencyAlreadyInProgressError) -> Response:
        return domain_problem(RequestInProgress(), request_language(app))

    @app.exception_handler(IdempotencyValidationError)
    def _key_reused(_: IdempotencyValidationError) -> Response:
        return domain_problem(IdempotencyKeyReused(), request_language(app))

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return problem(HTTPStatus.NOT_FOUND, "route_not_found", language=request_language(app))

    return app


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque `?cursor=` for a list: where the next page starts."""
    return base64.urlsafe_b64encode(canonical_json(position).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor names, as given out by encode_cursor; what it may hold is for the list's
    store to check (core.store.dynamo.exclusive_start), since only it knows its table's keys."""
    if not cursor:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, binascii.Error) as error:  # UnicodeError and JSONDecodeError are ValueErrors
        raise InvalidCursor() from error
    if not isinstance(decoded, dict):
        raise InvalidCursor()
    return decoded


class Caller:
    """The caller of the current request: the sub API Gateway (or the local gateway) verified, looked
    up in the directory. `directory` is a factory, so the table is read only by routes that ask."""

    def __init__(self, app: APIGatewayHttpResolver, directory: Callable[[], Directory]) -> None:
        self._app = app
        self._directory = directory

    def __call__(self) -> Principal:
        return self._directory().principal(self._app.current_event.request_context.authorizer.jwt_claim)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A fresh random string (a UUID) per action you mean to take once; only the first 128 "
        "characters count. A retry with the same key and body gets the first answer back; the same key with "
        "another body is refused (422 `idempotency_key_reused`); while the first request still runs, 409 "
        "`request_in_progress`. Without it, a retry acts again.",
        examples=["5f0c6a9e-2d4b-4c1e-9a47-1b2f8e6d0c55"],
    ),
]
"""A route that honours Idempotency-Key takes `key: IdempotencyKey = None`: Powertools reads the
header and documents it as the operation's parameter."""


def idempotency_key(value: str | None) -> str | None:
    return value.strip()[:128] if value and value.strip() else None


Answer = TypeVar("Answer", bound=BaseModel)


def idempotent(
    operation: str, *, runner: Callable[[], IdempotentRunner], caller: Caller, exclude_unset: bool = False
) -> Callable[[Callable[..., Answer]], Callable[..., Answer]]:
    """A route that acts once per Idempotency-Key: a retry with the same key and body gets the first
    answer back, the same key with another body is refused (see IdempotencyKey). The route takes its
    body as `request` and `key: IdempotencyKey = None`; `operation` names the act, formatted with the
    route's path parameters (`"submit:{id}"`), so one key cannot stand for two records.

        @app.post("/v1/x/<id>/submit", ...)
        @idempotent("submit:{id}", runner=lambda: wiring.idempotency, caller=caller)
        def submit(id: str, request: Annotated[SubmitRequest, Body()], key: IdempotencyKey = None) -> Submitted:
    """

    def decorate(route: Callable[..., Answer]) -> Callable[..., Answer]:
        # Powertools reads the route's parameters (and resolves their annotations) from the signature.
        signature = inspect.signature(route, eval_str=True)
        answer: type[Answer] = signature.return_annotation

        @functools.wraps(route)
        def once(**arguments: Any) -> Answer:
            request: BaseModel = arguments["request"]
            body = runner().run(
                key=idempotency_key(arguments.get("key")),
                caller=caller().sub,
                operation=operation.format(**arguments),
                payload=request.model_dump(mode="json", exclude_unset=exclude_unset),
                action=lambda: route(**arguments).model_dump(mode="json"),
            )
            return answer.model_validate(body)

        once.__signature__ = signature  # type: ignore[attr-defined]
        return once

    return decorate


PROBLEM_SCHEMA = {  # components/schemas/Problem of the merged document (infra/openapi.py)
    "title": "Problem",
    "description": "An RFC 9457 problem: `code` is stable for clients; `detail` says what to do next.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What happened and what to do next."},
        "code": {"type": "string"},
    },
}
# One model for every error answer (a client generator makes one type); each response's description
# lists its codes.
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# What is answered around a route's own code, whatever the route declares: on every route with a body,
# by the resolver (core.request_body's limits, _JsonBodiesOnly); on every route, by the gateway (414,
# 431), by the AWS-fault handler (503: every route reads AWS, and a throttle or an outage that outlasts
# botocore's retries answers 503 with Retry-After, core.aws_faults) and by the last resort (500).
# infra/openapi.py adds them to every operation of the document.
BODY_PROBLEMS: dict[int, tuple[str, ...]] = {
    400: ("invalid_encoding",),
    413: ("body_too_large",),
    415: ("unsupported_media_type",),
}
EVERY_ROUTE_PROBLEMS: dict[int, tuple[str, ...]] = {
    414: ("uri_too_long",),  # the gateway, before any function: a request line over 64 KB
    431: ("headers_too_large",),  # the gateway: request line and headers over API Gateway's 10 KB
    500: ("internal_error",),
    503: ("service_unavailable",),
}


# Every route authenticated by the gateway can answer these, before its own code runs.
SIGNED_IN: tuple[type[DomainError], ...] = (Unauthenticated, SessionRevoked, AccountDisabled)


def _english_title(code: str) -> str:
    text = text_for(code)
    if text is None or text.title_en is None:
        raise ValueError(f"core.problem_texts has no title for {code}")
    return text.title_en


def problem_entry(codes: Iterable[str]) -> dict[str, Any]:
    """The OpenAPI response of one status's problem+json answers: each code with its title."""
    return {
        "description": "; ".join(f"`{code}`: {_english_title(code)}" for code in sorted(set(codes))),
        "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
    }


def problems_line(by_status: Mapping[int, Iterable[str]]) -> str:
    """The **Problems:** line of an operation's description: its codes by status."""
    listed = "; ".join(
        f"{status} " + ", ".join(f"`{c}`" for c in sorted(set(codes))) for status, codes in sorted(by_status.items())
    )
    return f"**Problems:** {listed or 'none.'}"


def problem_responses(*problems: type[DomainError], success: int = 200, description: str = "Done") -> dict[int, Any]:
    """OpenAPI entries of a route: its success (Powertools fills in the route's return model, since
    the entry names no content) and, per status, the problem+json answers of the errors it can raise,
    each `code` listed (the schema's enum) with its title (the description)."""
    documented: dict[int, Any] = {success: {"description": description}}
    if success == HTTPStatus.NO_CONTENT:
        documented[success]["content"] = {}  # nothing to describe: no body
    for status, codes in sorted(_by_status(problems).items()):
        documented[status] = problem_entry(codes)
    return documented


def _by_status(problems: Iterable[type[DomainError]]) -> dict[int, list[str]]:
    by_status: dict[int, list[str]] = {}
    for error in problems:
        by_status.setdefault(status_of(error), []).append(error.code)
    return by_status


def contract(
    *problems: type[DomainError],
    callers: str,
    changes: str | None = None,
    notes: str = "",
    success: int = 200,
    success_description: str = "Done",
    public: bool = False,
) -> dict[str, Any]:
    """A route's decorator arguments from one declaration: its success status, its problem responses
    and its description (who may call it, what it changes, what else to know, and the problem codes,
    written from the same errors as the responses). A signed-in route answers SIGNED_IN's codes too.

        @app.post("/v1/x", summary="...", **contract(NotFound, InvalidRequest, callers="`employee`", success=201))
    """
    declared = tuple(dict.fromkeys(problems if public else (*SIGNED_IN, *problems)))
    parts = [
        f"**Callers:** {'public (no token): ' if public else ''}{callers}",
        f"**Changes:** {changes or 'nothing (read-only).'}",
        *([notes] if notes else []),
        problems_line(_by_status(declared)),
    ]
    return {
        "status_code": success,
        "description": "\n\n".join(parts),
        "responses": problem_responses(*declared, success=success, description=success_description),
    }
