"""Domain exceptions. Each carries a stable `code`; core.http maps them to problem+json in one place.

An exception knows nothing of HTTP: its status is core.http's table (STATUS_OF), and the mapping is
never a guess from message text. An exception carries no prose: a `reason` (which situation of its code, a key into
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


class BodyTooLarge(DomainError):
    code = "body_too_large"


class InvalidEncoding(DomainError):
    code = "invalid_encoding"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class SessionRevoked(DomainError):
    code = "session_revoked"


class AccountDisabled(DomainError):
    code = "account_disabled"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class NotOnRoll(DomainError):
    code = "not_on_roll"


class RegistrationExists(DomainError):
    code = "registration_exists"


class VersionConflict(DomainError):
    code = "version_conflict"


class InvalidState(DomainError):
    code = "invalid_state"


class RegistrationNotOpen(DomainError):
    code = "registration_not_open"


class RegistrationClosed(DomainError):
    code = "registration_closed"


class VerificationClosed(DomainError):
    code = "verification_closed"


class Incomplete(DomainError):
    code = "registration_incomplete"


class InvalidRecord(DomainError):
    code = "invalid_record"


class UploadNotAccepted(DomainError):
    code = "upload_not_accepted"


class DocumentNotUploaded(DomainError):
    code = "document_not_uploaded"


class DocumentNotRetained(DomainError):
    """S3 would not lock the accepted version; nothing is recorded, so a retry does the whole check again."""

    code = "document_not_retained"
    retry_after_seconds = 60  # its text: "in a minute"


class RequestInProgress(DomainError):
    code = "request_in_progress"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


class RemarksRequired(DomainError):
    code = "remarks_required"


class InvalidReasonCode(DomainError):
    code = "invalid_reason_code"


class MismatchUncertified(DomainError):
    code = "mismatch_uncertified"


class DocumentNotOk(DomainError):
    code = "document_not_ok"


class UnknownDocument(DomainError):
    code = "unknown_document"


class DecisionNotAllowed(DomainError):
    code = "decision_not_allowed"


class NoDecision(DomainError):
    code = "no_decision"


class NoReceipt(DomainError):
    code = "no_receipt"


class InvalidCursor(DomainError):
    code = "invalid_cursor"


class ProgrammeUnavailable(DomainError):
    code = "programme_unavailable"
    retry_after_seconds = 60  # its text: "in a minute"


class Busy(DomainError):
    """Contention the client may simply retry (e.g. a transaction conflict that persisted)."""

    code = "busy"
    retry_after_seconds = 2  # its text: "in a few seconds"


class ServiceUnavailable(DomainError):
    """An AWS service stayed throttled or unavailable through botocore's retries (core.aws_faults says
    which errors are such); reason `throttled` or `unavailable`."""

    code = "service_unavailable"
    retry_after_seconds = 5


class InvalidTransition(DomainError):
    code = "invalid_transition"


class ReassignLimit(DomainError):
    code = "reassign_limit"


class UnknownUnit(DomainError):
    code = "unknown_unit"


class UnknownCategory(DomainError):
    code = "unknown_category"


class NoGrievanceUnit(DomainError):
    """Programme data names no unit for this employee: an operator must fix the routing table."""

    code = "no_grievance_unit"


class GrievanceLimit(DomainError):
    code = "grievance_limit"


class AttachmentNotReady(DomainError):
    code = "attachment_not_ready"


class InvalidWindow(DomainError):
    code = "invalid_window"


class OtpInvalid(DomainError):
    code = "otp_invalid"


class OtpLocked(DomainError):
    code = "otp_locked"


class OtpExpired(DomainError):
    code = "otp_expired"


class OtpUsed(DomainError):
    code = "otp_used"


class TooManyRequests(DomainError):
    """Carries `retry_after_seconds`, which core.http also sends as a Retry-After header."""

    code = "too_many_requests"


class RefreshRefused(DomainError):
    code = "refresh_invalid"


class SignInUnavailable(DomainError):
    code = "sign_in_unavailable"
    retry_after_seconds = 5  # the same OTP may be sent again while it lives (core.otp.Challenge.resumable)


class AlreadyDecided(DomainError):
    code = "already_decided"


class CorrectionPending(DomainError):
    code = "correction_pending"


class MobileUnchanged(DomainError):
    code = "mobile_unchanged"


class NotVerified(DomainError):
    code = "not_verified"


class CertificatePending(DomainError):
    """Carries `ready_by` and `retry_after_seconds` (core.http also sends Retry-After)."""

    code = "certificate_pending"


class CertificateRevoked(DomainError):
    code = "certificate_revoked"


class CertificateNotValid(DomainError):
    code = "certificate_not_valid"


class CheckpointNotFound(DomainError):
    code = "checkpoint_not_found"


class InvalidProofRange(DomainError):
    code = "invalid_proof_range"
