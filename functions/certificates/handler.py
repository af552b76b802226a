"""HTTP routes of the certificates function: the verifiable service certificate.

Its own Lambda so that the QR code and PDF libraries load nowhere else; even here they load only
for `?format=png` (certificates.qr) or `pdf` (certificates.pdf), never for the JSON answer or the public routes.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    import base64
    from datetime import timedelta
    from functools import cached_property
    from typing import Annotated, Any

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.openapi.params import Body, Query
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from certificates.models import (
        CertificateFormat,
        CertificateResponse,
        RevokeBody,
        StatusResponse,
        VerifyBody,
        VerifyResponse,
        verify_response,
    )
    from certificates.service import CertificateService, RevokeRequest
    from certificates.settings import CertificatesSettings, get_settings
    from core.clock import current_clock
    from core.errors import (
        Busy,
        CertificateNotValid,
        CertificatePending,
        CertificateRevoked,
        Forbidden,
        InvalidRequest,
        InvalidState,
        NotFound,
        NotVerified,
        VersionConflict,
    )
    from core.http import Caller, contract, create_resolver
    from core.kms_key import KmsSigningKey
    from core.observability import logger, observed
    from core.recorder import ChangeRecorder
    from core.store.certificates import CertificateStore
    from core.store.counters import CounterStore
    from core.store.events import EventStore
    from core.store.registrations import RegistrationStore
    from core.wiring import HttpWiring

app = create_resolver()


class CertificatesWiring(HttpWiring[CertificatesSettings]):
    @cached_property
    def service(self) -> CertificateService:
        settings = self.settings
        dynamodb = self.aws.dynamodb
        registrations = RegistrationStore(dynamodb, settings.registrations_table)
        events = EventStore(dynamodb, settings.events_table)
        return CertificateService(
            programme_id=settings.programme_id,
            registrations=registrations,
            events=events,
            certificates=CertificateStore(dynamodb, settings.certificates_table),
            recorder=ChangeRecorder(registrations, events, CounterStore(dynamodb, settings.counters_table)),
            signer=KmsSigningKey(lambda: self.aws.client("kms"), settings.signing_key_id),
            clock=current_clock(),
            sequencer_period=timedelta(seconds=settings.sequencer_period_seconds),
        )


wiring = CertificatesWiring(get_settings)
caller = Caller(app, lambda: wiring.directory)


def _binary(body: bytes, content_type: str, filename: str) -> Response[CertificateResponse | str]:
    """A binary body the way API Gateway wants it from Lambda: base64 text with isBase64Encoded."""
    response: Response[CertificateResponse | str] = Response(
        status_code=200,
        content_type=content_type,
        body=base64.b64encode(body).decode("ascii"),
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"},
    )
    response.base64_encoded = True
    return response


_CERTIFICATE = contract(
    Forbidden,
    NotFound,
    NotVerified,
    CertificatePending,
    CertificateRevoked,
    VersionConflict,
    InvalidState,
    InvalidRequest,
    Busy,
    callers="`employee` who owns the registration, the record's `ddo`, a `hod` of its department, `admin`.",
    changes="issues the certificate the first time a VERIFIED registration's certificate is asked for, once "
    "its VERIFIED event is in the transparency log (`certificate_pending` until then, with `ready_by` and "
    "Retry-After); a changed record supersedes it with a new one.",
)
_CERTIFICATE["responses"][200] = {
    "description": "The certificate: JSON (default), its QR code as PNG, or a one-page bilingual PDF",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/CertificateResponse"}},
        "image/png": {"schema": {"type": "string", "format": "binary"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    },
}


@app.get(
    "/v1/registrations/<id>/certificate",
    tags=["certificates"],
    summary="The signed service certificate of a VERIFIED registration (JSON, QR code PNG or PDF)",
    **_CERTIFICATE,
)
def get_certificate(
    id: str, format: Annotated[CertificateFormat, Query()] = CertificateFormat.JSON
) -> Response[CertificateResponse | str]:
    certificate = wiring.service.certificate(caller(), id)
    if format == CertificateFormat.JSON:
        return Response(status_code=200, content_type="application/json", body=CertificateResponse.of(certificate))
    # The QR and PDF libraries load only for the pictures, each only for its own.
    if format == CertificateFormat.PNG:
        from certificates.qr import qr_code  # noqa: PLC0415

        qr = qr_code(certificate.credential)
        logger.debug("certificate qr", extra={"qr_version": qr.version, "qr_modules": qr.modules, "bytes": len(qr.png)})
        return _binary(qr.png, "image/png", f"{certificate.serial}.png")
    from certificates.pdf import certificate_pdf  # noqa: PLC0415

    return _binary(certificate_pdf(certificate), "application/pdf", f"{certificate.serial}.pdf")


@app.get(
    "/v1/certificates/<serial>/status",
    tags=["certificates"],
    summary="Whether a certificate is valid, revoked (when, why) or superseded (by which)",
    **contract(
        NotFound,
        VersionConflict,
        InvalidState,
        Busy,
        public=True,
        callers="anyone.",
        changes="a VALID certificate whose record changed becomes SUPERSEDED by a new one.",
    ),
)
def get_status(serial: str) -> StatusResponse:
    return StatusResponse.of(wiring.service.status(serial), current_clock().now())


@app.post(
    "/v1/certificates/verify",
    tags=["certificates"],
    summary="Verify a certificate's credential: signature, validity and status, with the attested fields",
    **contract(
        VersionConflict,
        InvalidState,
        InvalidRequest,
        Busy,
        public=True,
        callers="anyone.",
        changes="as GET /v1/certificates/{serial}/status: a certificate whose record changed is superseded.",
        notes="An unknown serial, a bad signature or an expired certificate is a `verdict` of the 200 answer, "
        "not a problem.",
    ),
)
def verify(request: Annotated[VerifyBody, Body()]) -> VerifyResponse:
    outcome = wiring.service.verify(request.credential)
    status = StatusResponse.of(outcome.certificate, current_clock().now()) if outcome.certificate else None
    check = outcome.check
    return verify_response(outcome.verdict, check.detail, check.key_id, check.claims, status)


@app.post(
    "/v1/certificates/<serial>/revoke",
    tags=["certificates"],
    summary="Revoke a certificate issued in error (admin), with the order that directs it",
    **contract(
        Forbidden,
        NotFound,
        CertificateNotValid,
        VersionConflict,
        InvalidRequest,
        Busy,
        callers="`admin`.",
        changes="the certificate VALID -> REVOKED, with the reason and the order that directs it.",
    ),
)
def revoke(serial: str, request: Annotated[RevokeBody, Body()]) -> StatusResponse:
    revoked = wiring.service.revoke(caller(), serial, RevokeRequest(reason=request.reason, order_ref=request.order_ref))
    return StatusResponse.of(revoked, current_clock().now())


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
