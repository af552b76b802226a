"""Domain exceptions. Each carries a stable `code`; core.http maps them to problem+json in one place.

The HTTP status lives here, beside the code, so the mapping is a table and never a guess from
message text.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "The request cannot be carried out"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidRequest(DomainError):
    """Raised by no domain code: core.http answers a request its route's models refuse with this code."""

    code = "validation_error"
    status = 422
    title = "The request is not valid"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    title = "Sign in first"


class SessionRevoked(DomainError):
    code = "session_revoked"
    status = 401
    title = "Your session has ended"


class AccountDisabled(DomainError):
    code = "account_disabled"
    status = 403
    title = "This account is disabled"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "You may not do this"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "No such record"


class NotOnRoll(DomainError):
    code = "not_on_roll"
    status = 403
    title = "You are not on the programme's roll"


class RegistrationExists(DomainError):
    code = "registration_exists"
    status = 409
    title = "You have already registered"


class VersionConflict(DomainError):
    code = "version_conflict"
    status = 409
    title = "The record changed since you read it"


class InvalidState(DomainError):
    code = "invalid_state"
    status = 409
    title = "Not allowed in the record's current state"


class RegistrationNotOpen(DomainError):
    code = "registration_not_open"
    status = 403
    title = "Registration has not opened yet"


class RegistrationClosed(DomainError):
    code = "registration_closed"
    status = 403
    title = "The registration window has closed"


class VerificationClosed(DomainError):
    code = "verification_closed"
    status = 403
    title = "The verification window has closed"


class Incomplete(DomainError):
    code = "registration_incomplete"
    status = 422
    title = "The registration is not complete"


class InvalidRecord(DomainError):
    code = "invalid_record"
    status = 422
    title = "The service record is not valid"


class UploadNotAccepted(DomainError):
    code = "upload_not_accepted"
    status = 422
    title = "This file cannot be uploaded"


class DocumentNotUploaded(DomainError):
    code = "document_not_uploaded"
    status = 409
    title = "The document has not been uploaded yet"


class DocumentNotRetained(DomainError):
    """S3 would not lock the accepted version; nothing is recorded, so a retry does the whole check again."""

    code = "document_not_retained"
    status = 503
    title = "The document could not be locked against deletion; try again"


class RequestInProgress(DomainError):
    code = "request_in_progress"
    status = 409
    title = "The same request is still being processed"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
    title = "This Idempotency-Key was used for a different request"


class RemarksRequired(DomainError):
    code = "remarks_required"
    status = 422
    title = "Give reasons in the remarks"


class InvalidReasonCode(DomainError):
    code = "invalid_reason_code"
    status = 422
    title = "A rejection needs one of the programme's reason codes"


class MismatchUncertified(DomainError):
    code = "mismatch_uncertified"
    status = 422
    title = "Certify the roll mismatches before verifying"


class DocumentNotOk(DomainError):
    code = "document_not_ok"
    status = 422
    title = "A required document was marked not ok"


class UnknownDocument(DomainError):
    code = "unknown_document"
    status = 422
    title = "A document check names a document this registration does not have"


class DecisionNotAllowed(DomainError):
    code = "decision_not_allowed"
    status = 422
    title = "This decision cannot be taken here"


class NoDecision(DomainError):
    code = "no_decision"
    status = 404
    title = "No decision has been recorded yet"


class NoReceipt(DomainError):
    code = "no_receipt"
    status = 404
    title = "There is no receipt for this record yet"


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    status = 422
    title = "The cursor is not valid"


class ProgrammeUnavailable(DomainError):
    code = "programme_unavailable"
    status = 503
    title = "The programme's settings cannot be read right now"


class Busy(DomainError):
    """Contention the client may simply retry (e.g. a transaction conflict that persisted)."""

    code = "busy"
    status = 503
    title = "Busy, try again"


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    title = "This action is not allowed in the grievance's current state"


class ReassignLimit(DomainError):
    code = "reassign_limit"
    status = 409
    title = "The grievance has been reassigned as often as allowed"


class UnknownUnit(DomainError):
    code = "unknown_unit"
    status = 422
    title = "No such grievance unit"


class UnknownCategory(DomainError):
    code = "unknown_category"
    status = 422
    title = "No such grievance category"


class NoGrievanceUnit(DomainError):
    """Programme data names no unit for this employee: an operator must fix the routing table."""

    code = "no_grievance_unit"
    status = 503
    title = "No office is set up to receive this grievance yet"


class GrievanceLimit(DomainError):
    code = "grievance_limit"
    status = 429
    title = "You have filed as many grievances this month as allowed"


class AttachmentNotReady(DomainError):
    code = "attachment_not_ready"
    status = 409
    title = "An attachment has not been uploaded and checked yet"


class InvalidWindow(DomainError):
    code = "invalid_window"
    status = 422
    title = "This window change is not allowed"


class OtpInvalid(DomainError):
    code = "otp_invalid"
    status = 401
    title = "The OTP is not correct"


class OtpLocked(DomainError):
    code = "otp_locked"
    status = 401
    title = "Too many wrong OTPs for this request"


class OtpExpired(DomainError):
    code = "otp_expired"
    status = 401
    title = "The OTP has expired"


class OtpUsed(DomainError):
    code = "otp_used"
    status = 401
    title = "This OTP has already been used"


class TooManyRequests(DomainError):
    """Carries `retry_after_seconds`, which core.http also sends as a Retry-After header."""

    code = "too_many_requests"
    status = 429
    title = "Too many requests"


class RefreshRefused(DomainError):
    code = "refresh_invalid"
    status = 401
    title = "The session cannot be renewed"


class SignInUnavailable(DomainError):
    code = "sign_in_unavailable"
    status = 503
    title = "Sign-in is not available right now"


class AlreadyDecided(DomainError):
    code = "already_decided"
    status = 409
    title = "This request has already been decided"


class CorrectionPending(DomainError):
    code = "correction_pending"
    status = 409
    title = "A mobile-correction request of this employee is pending"


class MobileUnchanged(DomainError):
    code = "mobile_unchanged"
    status = 422
    title = "The roll already has this mobile number"


class NotVerified(DomainError):
    code = "not_verified"
    status = 409
    title = "A certificate is issued only for a VERIFIED registration"


class CertificatePending(DomainError):
    """Carries `ready_by` and `retry_after_seconds` (core.http also sends Retry-After)."""

    code = "certificate_pending"
    status = 409
    title = "The certificate is not ready yet"


class CertificateRevoked(DomainError):
    code = "certificate_revoked"
    status = 409
    title = "The certificate was revoked"


class CertificateNotValid(DomainError):
    code = "certificate_not_valid"
    status = 409
    title = "Only a valid certificate can be revoked"


class CheckpointNotFound(DomainError):
    code = "checkpoint_not_found"
    status = 404
    title = "No such checkpoint"


class InvalidProofRange(DomainError):
    code = "invalid_proof_range"
    status = 422
    title = "No proof between these tree sizes"
