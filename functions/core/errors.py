"""Domain exceptions. Each carries a stable `code`; core.http maps them to problem+json in one place.

The HTTP status lives here, beside the code, so the mapping is a table and never a guess from
message text. An exception carries no prose: a `reason` (which situation of its code, a key into
core.problem_texts) and `params`, which fill the text's placeholders in the reader's language and
travel as machine members of the problem (datetimes as ISO 8601).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar


def machine_value(value: Any) -> Any:
    """How a parameter travels as a problem member: ISO dates, enum values, plain JSON otherwise."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [machine_value(v) for v in value]
    return value


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 400
    # Set on an error the client may simply send again later: it then carries `retry_after_seconds`
    # (this, unless the raise site gives one), which core.http also sends as a Retry-After header.
    retry_after_seconds: ClassVar[int | None] = None

    def __init__(self, reason: str = "", /, **params: Any) -> None:
        if self.retry_after_seconds is not None:
            params.setdefault("retry_after_seconds", self.retry_after_seconds)
        super().__init__(self.code if not reason else f"{self.code}.{reason}")
        self.reason = reason
        self.params = params

    @property
    def key(self) -> str:
        """Where core.problem_texts keeps this situation's words."""
        return f"{self.code}.{self.reason}" if self.reason else self.code

    @property
    def extra(self) -> dict[str, Any]:
        """The problem's extension members: every parameter, machine-readable."""
        return {name: machine_value(value) for name, value in self.params.items()}


class InvalidRequest(DomainError):
    """Raised by no domain code: core.http answers a request its route's models refuse with this code."""

    code = "validation_error"
    status = 422


class BodyTooLarge(DomainError):
    code = "body_too_large"
    status = 413


class InvalidEncoding(DomainError):
    code = "invalid_encoding"
    status = 400


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401


class SessionRevoked(DomainError):
    code = "session_revoked"
    status = 401


class AccountDisabled(DomainError):
    code = "account_disabled"
    status = 403


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class NotOnRoll(DomainError):
    code = "not_on_roll"
    status = 403


class RegistrationExists(DomainError):
    code = "registration_exists"
    status = 409


class VersionConflict(DomainError):
    code = "version_conflict"
    status = 409


class InvalidState(DomainError):
    code = "invalid_state"
    status = 409


class RegistrationNotOpen(DomainError):
    code = "registration_not_open"
    status = 403


class RegistrationClosed(DomainError):
    code = "registration_closed"
    status = 403


class VerificationClosed(DomainError):
    code = "verification_closed"
    status = 403


class Incomplete(DomainError):
    code = "registration_incomplete"
    status = 422


class InvalidRecord(DomainError):
    code = "invalid_record"
    status = 422


class UploadNotAccepted(DomainError):
    code = "upload_not_accepted"
    status = 422


class DocumentNotUploaded(DomainError):
    code = "document_not_uploaded"
    status = 409


class DocumentNotRetained(DomainError):
    """S3 would not lock the accepted version; nothing is recorded, so a retry does the whole check again."""

    code = "document_not_retained"
    status = 503
    retry_after_seconds = 60  # its text: "in a minute"


class RequestInProgress(DomainError):
    code = "request_in_progress"
    status = 409


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


class RemarksRequired(DomainError):
    code = "remarks_required"
    status = 422


class InvalidReasonCode(DomainError):
    code = "invalid_reason_code"
    status = 422


class MismatchUncertified(DomainError):
    code = "mismatch_uncertified"
    status = 422


class DocumentNotOk(DomainError):
    code = "document_not_ok"
    status = 422


class UnknownDocument(DomainError):
    code = "unknown_document"
    status = 422


class DecisionNotAllowed(DomainError):
    code = "decision_not_allowed"
    status = 422


class NoDecision(DomainError):
    code = "no_decision"
    status = 404


class NoReceipt(DomainError):
    code = "no_receipt"
    status = 404


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    status = 400


class ProgrammeUnavailable(DomainError):
    code = "programme_unavailable"
    status = 503
    retry_after_seconds = 60  # its text: "in a minute"


class Busy(DomainError):
    """Contention the client may simply retry (e.g. a transaction conflict that persisted)."""

    code = "busy"
    status = 503
    retry_after_seconds = 2  # its text: "in a few seconds"


class ServiceUnavailable(DomainError):
    """An AWS service stayed throttled or unavailable through botocore's retries (core.aws_faults says
    which errors are such); reason `throttled` or `unavailable`."""

    code = "service_unavailable"
    status = 503
    retry_after_seconds = 5


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class ReassignLimit(DomainError):
    code = "reassign_limit"
    status = 409


class UnknownUnit(DomainError):
    code = "unknown_unit"
    status = 422


class UnknownCategory(DomainError):
    code = "unknown_category"
    status = 422


class NoGrievanceUnit(DomainError):
    """Programme data names no unit for this employee: an operator must fix the routing table."""

    code = "no_grievance_unit"
    status = 503


class GrievanceLimit(DomainError):
    code = "grievance_limit"
    status = 429


class AttachmentNotReady(DomainError):
    code = "attachment_not_ready"
    status = 409


class InvalidWindow(DomainError):
    code = "invalid_window"
    status = 422


class OtpInvalid(DomainError):
    code = "otp_invalid"
    status = 401


class OtpLocked(DomainError):
    code = "otp_locked"
    status = 401


class OtpExpired(DomainError):
    code = "otp_expired"
    status = 401


class OtpUsed(DomainError):
    code = "otp_used"
    status = 401


class TooManyRequests(DomainError):
    """Carries `retry_after_seconds`, which core.http also sends as a Retry-After header."""

    code = "too_many_requests"
    status = 429


class RefreshRefused(DomainError):
    code = "refresh_invalid"
    status = 401


class SignInUnavailable(DomainError):
    code = "sign_in_unavailable"
    status = 503
    retry_after_seconds = 5  # the same OTP may be sent again while it lives (core.otp.Challenge.resumable)


class AlreadyDecided(DomainError):
    code = "already_decided"
    status = 409


class CorrectionPending(DomainError):
    code = "correction_pending"
    status = 409


class MobileUnchanged(DomainError):
    code = "mobile_unchanged"
    status = 422


class NotVerified(DomainError):
    code = "not_verified"
    status = 409


class CertificatePending(DomainError):
    """Carries `ready_by` and `retry_after_seconds` (core.http also sends Retry-After)."""

    code = "certificate_pending"
    status = 409


class CertificateRevoked(DomainError):
    code = "certificate_revoked"
    status = 409


class CertificateNotValid(DomainError):
    code = "certificate_not_valid"
    status = 409


class CheckpointNotFound(DomainError):
    code = "checkpoint_not_found"
    status = 404


class InvalidProofRange(DomainError):
    code = "invalid_proof_range"
    status = 422
