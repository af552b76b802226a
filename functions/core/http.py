"""HTTP plumbing shared by the HTTP functions: the resolver, the caller, and the one place where
errors become RFC 9457 problem+json."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from core.audit import canonical_json
from core.auth import Principal
from core.errors import DomainError, IdempotencyKeyReused, InvalidCursor, RequestInProgress
from core.identity import Directory
from core.observability import logger

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://anubandh.example.gov.in/problems/"


def problem(status: int, code: str, title: str, detail: str, extra: dict[str, Any] | None = None) -> Response:
    # RFC 9457 extension members come first so they can never overwrite the standard ones.
    body = {
        **(extra or {}),
        "type": f"{PROBLEM_TYPE_BASE}{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return Response(status_code=status, content_type=PROBLEM_JSON, body=canonical_json(body))


def domain_problem(error: DomainError) -> Response:
    response = problem(error.status, error.code, error.title, error.detail, error.extra)
    if "retry_after_seconds" in error.extra:  # RFC 9110 Retry-After, for clients that read headers only
        response.headers["Retry-After"] = str(error.extra["retry_after_seconds"])
    return response


def _field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    # Location and type only, never pydantic's message with internals; "msg" is short and safe.
    return [
        {"loc": [str(part) for part in e["loc"]], "type": e["type"], "msg": e.get("msg", "")} for e in error.errors()
    ]


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


def create_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app._request_validation_middleware = _JsonBodiesOnly()  # the one Powertools puts first in every route

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        logger.info("request refused", extra={"code": error.code, "status": error.status})
        return domain_problem(error)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "validation_error",
            "The request is not valid",
            "One or more fields are missing or wrong; see `errors`.",
            {"errors": _field_errors(error)},
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response:
        return problem(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The body is not JSON",
            "Send the request body as JSON, with the header Content-Type: application/json.",
        )

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def _in_progress(_: IdempotencyAlreadyInProgressError) -> Response:
        return domain_problem(RequestInProgress("A request with this Idempotency-Key is still running."))

    @app.exception_handler(IdempotencyValidationError)
    def _key_reused(_: IdempotencyValidationError) -> Response:
        return domain_problem(IdempotencyKeyReused("Use a new Idempotency-Key for a different request."))

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return problem(HTTPStatus.NOT_FOUND, "route_not_found", "No such route", "Check the method and path.")

    return app


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque `?cursor=` for a list: where the next page starts."""
    return base64.urlsafe_b64encode(canonical_json(position).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise InvalidCursor("The cursor is not one this API gave out.") from error
    if not isinstance(decoded, dict):
        raise InvalidCursor("The cursor is not one this API gave out.")
    return decoded


class Caller:
    """The caller of the current request: the sub API Gateway (or the local gateway) verified, looked
    up in the directory. `directory` is a factory, so the table is read only by routes that ask."""

    def __init__(self, app: APIGatewayHttpResolver, directory: Callable[[], Directory]) -> None:
        self._app = app
        self._directory = directory

    def __call__(self) -> Principal:
        return self._directory().principal(self._app.current_event.request_context.authorizer.jwt_claim)


def idempotency_key(app: APIGatewayHttpResolver) -> str | None:
    key = app.current_event.headers.get("idempotency-key") or app.current_event.headers.get("Idempotency-Key")
    return key.strip()[:128] if key and key.strip() else None


PROBLEM_SCHEMA = {  # components/schemas/Problem of the merged document (infra/openapi.py)
    "title": "Problem",
    "description": "An RFC 9457 problem: `code` is stable for clients; `detail` says what to do next.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
}
_PROBLEM_MEANINGS = {
    401: "Not signed in",
    403: "Not allowed: wrong role, someone else's record, or a closed window",
    404: "No such record",
    409: "Conflict: stale version, duplicate, or a state that does not allow this",
    415: "The request body is not JSON",
    422: "Invalid request body or record",
    429: "Limit reached; the problem says when to try again",
    503: "Temporarily unavailable; retry",
}


def problem_responses(*statuses: int, success: int = 200, description: str = "Done") -> dict[int, Any]:
    """OpenAPI entries of a route: its success (Powertools fills in the route's return model, since
    the entry names no content) and the problem+json answers it can give."""
    documented: dict[int, Any] = {success: {"description": description}}
    if success == HTTPStatus.NO_CONTENT:
        documented[success]["content"] = {}  # nothing to describe: no body
    for status in statuses:
        documented[status] = problem_response(status)
    return documented


def problem_response(status: int) -> dict[str, Any]:
    """The OpenAPI entry of one problem+json answer."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": _PROBLEM_MEANINGS[status], "content": {PROBLEM_JSON: {"schema": schema}}}
