"""The employee's registration journey as domain operations. Nothing here knows about HTTP."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from core.access import require_may_open_files, require_owner, require_read
from core.audit import GENESIS_HASH, Actor, AuditEvent, ChainVerdict, verify_chain
from core.auth import Principal, Role
from core.clock import Clock
from core.eligibility import assess_eligibility
from core.errors import (
    DocumentNotUploaded,
    Forbidden,
    Incomplete,
    InvalidRecord,
    InvalidState,
    NoReceipt,
    NotFound,
    NotOnRoll,
    RegistrationClosed,
    RegistrationExists,
    RegistrationNotOpen,
    VerificationClosed,
    VersionConflict,
)
from core.ids import new_acknowledgement_number, new_document_id, new_registration_id
from core.programme import DocumentType, Programme
from core.receipt_event import ReceiptEvent, receipt_event
from core.record_proofs import RecordProver
from core.registration import (
    EDITABLE,
    ContentType,
    Document,
    DocumentStatus,
    Registration,
    RegistrationStatus,
    SignedSubmissionReceipt,
    SubmissionReceipt,
)
from core.service_record import RecordChanges, apply_changes, changed_fields, roll_mismatches
from core.signing import ReceiptSigner
from core.store.registrations import SlotRefused
from core.store.roll import RollEntry
from core.transparency import RecordProof
from core.uploads import UploadGrant, UploadSlots, require_within_limit, upload_expiry

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import (
        Histories,
        Programmes,
        RegistrationChanges,
        RegistrationSlots,
        RollLinks,
    )

UPLOAD_CHECK_ACTOR = Actor(id="system:upload-check", role="system")
_OBJECT_KEY = re.compile(r"^registrations/(REG-[0-9A-Z]{26})/(DOC-[0-9A-Z]{26})$")
# A check that loses a race with another writer re-reads and tries again this many times.
CHECK_ATTEMPTS = 3


class ProgrammeStatus(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    programme: Programme
    now: datetime
    registration_open: bool
    verification_open: bool


class WhoAmI(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    principal: Principal
    roll: RollEntry | None = None


class History(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    registration: Registration
    events: list[AuditEvent]
    verdict: ChainVerdict


class SubmissionReceiptCheck(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    signed_receipt: SignedSubmissionReceipt
    verified: bool
    event: ReceiptEvent


def actor_of(principal: Principal, role: Role) -> Actor:
    return Actor(id=principal.actor_id, role=role.value)


def _invalid_record(error: ValidationError) -> InvalidRecord:
    errors = [{"loc": [str(p) for p in e["loc"]], "type": e["type"], "msg": e["msg"]} for e in error.errors()]
    return InvalidRecord(errors=errors)


class RegistrationService:
    def __init__(
        self,
        *,
        programme_id: str,
        programmes: Programmes,
        roll: RollLinks,
        registrations: RegistrationSlots,
        events: Histories,
        recorder: RegistrationChanges,
        uploads: UploadSlots,
        signer: ReceiptSigner,
        clock: Clock,
        prover: RecordProver,
    ) -> None:
        self._prover = prover
        self._programme_id = programme_id
        self._programmes = programmes
        self._roll = roll
        self._registrations = registrations
        self._events = events
        self._recorder = recorder
        self._uploads = uploads
        self._signer = signer
        self._clock = clock

    # ------------------------------------------------------------------ reads
    def programme(self) -> ProgrammeStatus:
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        return ProgrammeStatus(
            programme=programme,
            now=now,
            registration_open=programme.registration.is_open(now),
            verification_open=programme.verification.is_open(now),
        )

    def who_am_i(self, principal: Principal) -> WhoAmI:
        roll = None
        if principal.has(Role.EMPLOYEE) and principal.employee_code:
            roll = self._roll.get(principal.employee_code, self._programme_id)
        return WhoAmI(principal=principal, roll=roll)

    def get(self, principal: Principal, registration_id: str) -> Registration:
        registration = self._load(registration_id)
        require_read(principal, registration)
        return registration

    def history(self, principal: Principal, registration_id: str) -> History:
        registration = self.get(principal, registration_id)
        events = self._events.history(registration.entity)
        verdict = verify_chain(events, expected_head=registration.event_head)
        return History(registration=registration, events=events, verdict=verdict)

    def proof(self, principal: Principal, registration_id: str) -> RecordProof:
        return self._prover.prove(self.get(principal, registration_id).entity)

    def submission_receipt(self, principal: Principal, registration_id: str) -> SubmissionReceiptCheck:
        """The latest submission's signed receipt, whether it verifies, and its event's place in the log."""
        registration = self.get(principal, registration_id)
        signed = registration.submission_receipt
        if signed is None:
            raise NoReceipt()
        return SubmissionReceiptCheck(
            signed_receipt=signed,
            verified=self._signer.verifies(signed),
            event=receipt_event(self._events.logged_history(registration.entity), signed),
        )

    def document_download(
        self, principal: Principal, registration_id: str, document_id: str
    ) -> tuple[Document, str, datetime]:
        require_may_open_files(principal)
        registration = self.get(principal, registration_id)
        document = self._document(registration, document_id)
        if document.status not in (DocumentStatus.UPLOADED, DocumentStatus.SUPERSEDED):
            raise DocumentNotUploaded("no_file", document_id=document_id, document_status=document.status)
        url, expires_at = self._uploads.download_url(document, now=self._clock.now())
        return document, url, expires_at

    # ------------------------------------------------------------------ writes
    def create(self, principal: Principal, changes: RecordChanges) -> Registration:
        employee_code = principal.require_employee_code()
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        self._require_registration_open(programme, now)
        roll = self._roll.get(employee_code, self._programme_id)
        if roll is None:
            raise NotOnRoll(employee_code=employee_code)
        if roll.registration_id:
            raise RegistrationExists(registration_id=roll.registration_id)
        try:
            record = apply_changes(roll.record, changes)
        except ValidationError as error:
            raise _invalid_record(error) from error
        draft = Registration(
            registration_id=new_registration_id(),
            programme_id=self._programme_id,
            employee_code=roll.employee_code,
            owner_sub=principal.sub,
            ddo_code=roll.record.engagement.ddo_code,
            department=roll.record.engagement.department,
            district=roll.record.engagement.district,
            status=RegistrationStatus.DRAFT,
            version=1,
            event_head=GENESIS_HASH,
            roll_record=roll.record,
            record=record,
            roll_mismatches=roll_mismatches(roll.record, record),
            eligibility=assess_eligibility(record, programme.eligibility, now.date()),
            created_at=now,
            updated_at=now,
        )
        # Another request (a double tap) registering first makes this RegistrationExists, as a duplicate.
        return self._recorder.record(
            before=None,
            after=draft,
            event_type="registration.created",
            actor=actor_of(principal, Role.EMPLOYEE),
            at=now,
            data={"prefilled_from_roll": True, "changes": changed_fields(roll.record, record)},
            extra=[self._roll.link_registration(roll.employee_code, self._programme_id, draft.registration_id)],
        )

    def update(self, principal: Principal, registration_id: str, changes: RecordChanges, version: int) -> Registration:
        registration = self._load(registration_id)
        require_owner(principal, registration)
        self._require_version(registration, version)
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        self._require_editable(programme, registration, now)
        try:
            record = apply_changes(registration.record, changes)
        except ValidationError as error:
            raise _invalid_record(error) from error
        changes_made = changed_fields(registration.record, record)
        if not changes_made:
            return registration
        updated = registration.model_copy(
            update={
                "record": record,
                "roll_mismatches": roll_mismatches(registration.roll_record, record),
                "eligibility": assess_eligibility(record, programme.eligibility, now.date()),
            }
        )
        return self._recorder.record(
            before=registration,
            after=updated,
            event_type="registration.edited",
            actor=actor_of(principal, Role.EMPLOYEE),
            at=now,
            data={"changes": changes_made},
        )

    def request_upload(
        self,
        principal: Principal,
        registration_id: str,
        document_type: DocumentType,
        content_type: ContentType,
        size_bytes: int,
    ) -> tuple[Document, UploadGrant]:
        """One round trip: the slot is written only if the caller owns a record that is open for edits."""
        principal.require(Role.EMPLOYEE)
        programme = self._programmes.get(self._programme_id)
        require_within_limit(size_bytes, programme.max_upload_bytes)
        now = self._clock.now()
        # During registration a draft may upload (its URL ends with that window); after it, only
        # a sent-back record may, until verification closes. A shorter URL is always safe.
        if programme.registration.is_open(now):
            allowed, window = list(EDITABLE), programme.registration
        elif programme.verification.is_open(now) and now >= programme.registration.opens_at:
            allowed, window = [RegistrationStatus.SENT_BACK], programme.verification
        elif not programme.registration.has_opened(now):
            raise RegistrationNotOpen(opens_at=programme.registration.opens_at)
        else:
            raise VerificationClosed("uploads", closed_at=programme.verification_closes_at)
        expires_at = upload_expiry(now, window.ends_before)
        assert expires_at is not None  # the window is open, checked above
        document_id = new_document_id()
        document = Document(
            document_id=document_id,
            type=document_type,
            content_type=content_type,
            declared_size=size_bytes,
            object_key=f"registrations/{registration_id}/{document_id}",
            status=DocumentStatus.PENDING_UPLOAD,
            requested_at=now,
        )
        refused = self._registrations.add_pending_document(
            registration_id, document, owner_sub=principal.sub, allowed_statuses=allowed
        )
        if refused is not None:
            raise self._why_not_uploadable(refused, principal, programme)
        return document, self._uploads.grant(document, now=now, expires_at=expires_at)

    def confirm_document(self, principal: Principal, registration_id: str, document_id: str) -> Registration:
        registration = self._load(registration_id)
        require_owner(principal, registration)
        document = self._document(registration, document_id)
        if document.status != DocumentStatus.PENDING_UPLOAD:
            return registration  # already checked: confirming again changes nothing
        checked = self._check(registration_id, document_id, actor_of(principal, Role.EMPLOYEE), loaded=registration)
        if checked is None:
            raise DocumentNotUploaded()
        return checked

    def check_uploaded_object(self, object_key: str) -> Registration | None:
        """The S3 event path. Unknown keys and already-checked documents are ignored."""
        match = _OBJECT_KEY.match(object_key)
        if not match:
            return None
        return self._check(match.group(1), match.group(2), UPLOAD_CHECK_ACTOR)

    def submit(self, principal: Principal, registration_id: str, version: int) -> Registration:
        registration = self._load(registration_id)
        require_owner(principal, registration)
        self._require_version(registration, version)
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        self._require_editable(programme, registration, now)
        missing_documents = registration.missing_documents(programme)
        missing_fields = registration.record.missing_for_submission()
        if missing_documents or missing_fields:
            raise Incomplete(
                missing_documents=[d.value for d in missing_documents],
                missing_fields=missing_fields,
            )
        eligibility = assess_eligibility(registration.record, programme.eligibility, now.date())
        resubmission = registration.status == RegistrationStatus.SENT_BACK
        submitted = registration.model_copy(
            update={
                "status": RegistrationStatus.SUBMITTED,
                "submitted_at": now,
                "eligibility": eligibility,
                "acknowledgement_number": registration.acknowledgement_number
                or new_acknowledgement_number(programme.acknowledgement_prefix),
            }
        )
        return self._recorder.record(
            before=registration,
            after=submitted,
            event_type="registration.resubmitted" if resubmission else "registration.submitted",
            actor=actor_of(principal, Role.EMPLOYEE),
            at=now,
            data={
                "acknowledgement_number": submitted.acknowledgement_number,
                "eligible": eligibility.eligible,
                "documents": {d.type.value: d.sha256 for d in submitted.current_documents().values()},
            },
            seal=self._sign_submission,
        )

    def _sign_submission(self, event: AuditEvent, submitted: Registration) -> Registration:
        """The acknowledgement, signed at the time of the act, naming its event; kept on the record."""
        assert submitted.acknowledgement_number is not None and submitted.submitted_at is not None  # set by submit
        receipt = SubmissionReceipt(
            registration_id=submitted.registration_id,
            programme_id=submitted.programme_id,
            employee_code=submitted.employee_code,
            acknowledgement_number=submitted.acknowledgement_number,
            submitted_at=submitted.submitted_at,
            resubmission=event.type == "registration.resubmitted",
            version=event.seq,
            event_type=event.type,
            event_hash=event.hash,
            document_hashes={d.type.value: d.sha256 or "" for d in submitted.current_documents().values()},
            key_id=self._signer.key_id,
        )
        signed = self._signer.sign(receipt, into=SignedSubmissionReceipt)
        return submitted.model_copy(update={"submission_receipt": signed})

    # ------------------------------------------------------------------ helpers
    def _load(self, registration_id: str) -> Registration:
        registration = self._registrations.get(registration_id)
        if registration is None:
            raise NotFound("registration", registration_id=registration_id)
        return registration

    @staticmethod
    def _document(registration: Registration, document_id: str) -> Document:
        document = registration.document(document_id)
        if document is None:
            raise NotFound("document", registration_id=registration.registration_id, document_id=document_id)
        return document

    @staticmethod
    def _require_version(registration: Registration, version: int) -> None:
        if version != registration.version:
            raise VersionConflict("stale", sent_version=version, current_version=registration.version)

    @staticmethod
    def _require_registration_open(programme: Programme, now: datetime) -> None:
        window = programme.registration
        if not window.has_opened(now):
            raise RegistrationNotOpen(opens_at=window.opens_at)
        if window.has_closed(now):
            raise RegistrationClosed(closed_at=window.closes_at)

    @staticmethod
    def _require_corrections_open(programme: Programme, now: datetime) -> None:
        """A sent-back record may be corrected and resubmitted until verification closes."""
        if programme.verification.has_closed(now):
            raise VerificationClosed("corrections", closed_at=programme.verification_closes_at)

    def _require_editable(self, programme: Programme, registration: Registration, now: datetime) -> None:
        if registration.status == RegistrationStatus.LAPSED:
            # It lapsed because the window closed: the same answer as a draft touched after the deadline.
            raise RegistrationClosed("draft_lapsed", closed_at=programme.registration.closes_at)
        if registration.status not in EDITABLE:
            raise InvalidState("not_editable", current_status=registration.status)
        if registration.status == RegistrationStatus.DRAFT:
            self._require_registration_open(programme, now)
        else:
            self._require_corrections_open(programme, now)

    def _why_not_uploadable(self, refused: SlotRefused, principal: Principal, programme: Programme) -> Exception:
        if not refused.found:
            return NotFound()
        if refused.owner_sub != principal.sub:
            return Forbidden("not_owner_upload")
        status = RegistrationStatus(refused.status or "")  # an own record always has one
        if status == RegistrationStatus.DRAFT:
            return RegistrationClosed(closed_at=programme.registration.closes_at)
        if status == RegistrationStatus.SENT_BACK:
            return VerificationClosed("corrections", closed_at=programme.verification_closes_at)
        return InvalidState("not_editable", current_status=status)

    def _check(
        self, registration_id: str, document_id: str, actor: Actor, loaded: Registration | None = None
    ) -> Registration | None:
        """Inspect the object and record the outcome; None if no file has arrived yet.

        `loaded` saves the first read when the caller has just read the record.
        """
        for attempt in range(1, CHECK_ATTEMPTS + 1):
            registration = loaded if attempt == 1 and loaded else self._registrations.get(registration_id)
            if registration is None:
                return None
            document = registration.document(document_id)
            if document is None or document.status != DocumentStatus.PENDING_UPLOAD:
                return registration
            programme = self._programmes.get(self._programme_id)
            now = self._clock.now()
            # No check of the upload time against the window: the POST policy expires with the window
            # and S3 enforces it, so a file that exists arrived in time, however late it is confirmed.
            late = None
            if registration.status not in EDITABLE:
                late = f"The file arrived after the registration became {registration.status.value}."
            checked = self._uploads.check(document, max_bytes=programme.max_upload_bytes, now=now, refused=late)
            if checked is None:
                return None
            try:
                return self._record_check(registration, checked, actor, now)
            except VersionConflict:
                if attempt == CHECK_ATTEMPTS:
                    raise
        return None

    def _record_check(self, registration: Registration, checked: Document, actor: Actor, now: datetime) -> Registration:
        """The check's outcome in the record (an accepted file is already locked: core.uploads). If this
        write fails (a lost race, a crash), the retry inspects and locks again."""
        accepted = checked.status == DocumentStatus.UPLOADED
        reason = checked.reject_reason
        superseded = [
            d.model_copy(update={"status": DocumentStatus.SUPERSEDED, "superseded_by": checked.document_id})
            for d in registration.documents
            if accepted and d.type == checked.type and d.status == DocumentStatus.UPLOADED
        ]
        changed = {d.document_id: d for d in (*registration.documents, checked, *superseded)}
        return self._recorder.record(
            before=registration,
            after=registration.model_copy(update={"documents": list(changed.values())}),
            event_type="document.accepted" if accepted else "document.rejected",
            actor=actor,
            at=now,
            reason=reason,
            data={
                "document_id": checked.document_id,
                "document_type": checked.type.value,
                "size_bytes": checked.size_bytes,
                "sha256": checked.sha256,
                "superseded": [d.document_id for d in superseded],
            },
            documents=[checked, *superseded],
        )
