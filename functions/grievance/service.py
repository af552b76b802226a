"""Grievances as domain operations: file, list, read with the timeline, act, reply, feedback and
attachments. Nothing here knows about HTTP; the state machine itself is core.grievance."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core.access import (
    may_act_on_grievance,
    require_grievance_owner,
    require_grievance_read,
    require_may_open_files,
)
from core.audit import Actor, AuditEvent, ChainVerdict, verify_chain
from core.auth import Principal, Role
from core.clock import Clock
from core.errors import (
    AttachmentNotReady,
    DocumentNotUploaded,
    Forbidden,
    InvalidTransition,
    NoGrievanceUnit,
    NoReceipt,
    NotFound,
    NotOnRoll,
    UnknownCategory,
    UploadNotAccepted,
    VersionConflict,
)
from core.grievance import (
    FINAL,
    Action,
    Attachment,
    FilingReceipt,
    Grievance,
    GrievanceChange,
    GrievanceStatus,
    Level,
    Recipient,
    SignedFilingReceipt,
    apply_action,
    due_after,
    give_feedback,
    reply,
    utc_key,
)
from core.ids import new_attachment_id, new_grievance_id, new_grievance_number
from core.observability import logger
from core.receipt_event import ReceiptEvent, receipt_event
from core.record_proofs import RecordProver
from core.registration import ContentType, DocumentStatus, RegistrationStatus
from core.signing import ReceiptSigner
from core.store.grievances import BY_EMPLOYEE, L2_QUEUE, UNIT_QUEUE, ActivityNotNoted, GrievancePage, ListFilter
from core.transparency import RecordProof
from core.uploads import PRESIGN_TTL, UploadGrant, UploadSlots, require_within_limit

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import GrievanceChanges, Grievances, Histories, Programmes, Registrations, RollEntries

MAX_ATTACHMENTS = 10


class GrievanceDetail(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    grievance: Grievance
    events: list[AuditEvent]
    verdict: ChainVerdict


class FilingReceiptCheck(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    signed_receipt: SignedFilingReceipt
    verified: bool
    event: ReceiptEvent


class FileRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    category: str
    subject: str
    description: str
    registration_id: str | None = None


class ActionCommand(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    action: Action
    remarks: str
    version: int
    reason_code: str | None = None
    to_unit: str | None = None


class GrievanceService:
    def __init__(
        self,
        *,
        programme_id: str,
        programmes: Programmes,
        grievances: Grievances,
        registrations: Registrations,
        roll: RollEntries,
        events: Histories,
        recorder: GrievanceChanges,
        uploads: UploadSlots,
        signer: ReceiptSigner,
        clock: Clock,
        prover: RecordProver,
    ) -> None:
        self._prover = prover
        self._programme_id = programme_id
        self._programmes = programmes
        self._grievances = grievances
        self._registrations = registrations
        self._roll = roll
        self._events = events
        self._recorder = recorder
        self._uploads = uploads
        self._signer = signer
        self._clock = clock
        # Officers whose visit this warm container already recorded, by hour: saves a write a request.
        self._seen: dict[str, str] = {}

    # ------------------------------------------------------------------ officer activity
    def note_activity(self, principal: Principal) -> None:
        """`last_seen` of officers and HoDs, for the daily digest: at most one write an hour each. A failed
        note never fails the request: it is logged, and the next request tries again."""
        if principal.has(Role.OFFICER):
            role, scope = Role.OFFICER, principal.unit or ""
        elif principal.has(Role.HOD):
            role, scope = Role.HOD, principal.department or ""
        else:
            return
        now = self._clock.now()
        hour = utc_key(now)[:13]
        if self._seen.get(principal.username) == hour:
            return
        try:
            self._grievances.touch_activity(username=principal.username, role=role.value, scope=scope, now=now)
        except ActivityNotNoted as failed:
            logger.warning("officer activity not recorded", extra={"error_code": failed.error_code})
            return
        self._seen[principal.username] = hour

    # ------------------------------------------------------------------ filing
    def file(self, principal: Principal, request: FileRequest) -> Grievance:
        employee_code = principal.require_employee_code()
        programme = self._programmes.get(self._programme_id)
        policy = programme.grievances
        category = policy.category(request.category)
        if category is None:
            raise UnknownCategory(
                category=request.category,
                categories=[c.code for c in policy.categories],
            )
        entry = self._roll.get(employee_code, self._programme_id)
        if entry is None:
            raise NotOnRoll("grievance")
        engagement = entry.record.engagement
        department, appeal = engagement.department, False
        if request.registration_id is not None:
            registration = self._registrations.get(request.registration_id)
            if registration is None:
                raise NotFound("registration", registration_id=request.registration_id)
            if registration.owner_sub != principal.sub:
                raise Forbidden("grievance_own_registration")
            # A grievance about a rejection is an appeal: it goes straight to the HoD of that department.
            appeal = registration.status == RegistrationStatus.REJECTED
            department = registration.department
        now = self._clock.now()
        unit = None if appeal else policy.l1_unit_for(ddo_code=engagement.ddo_code, department=department)
        if not appeal and unit is None:
            raise NoGrievanceUnit()
        grievance = Grievance(
            grievance_id=new_grievance_id(),
            number=new_grievance_number(programme.acknowledgement_prefix),
            programme_id=self._programme_id,
            owner_sub=principal.sub,
            employee_code=entry.employee_code,
            ddo_code=engagement.ddo_code,
            department=department,
            district=engagement.district,
            category=category.code,
            subject=request.subject,
            description=request.description,
            registration_id=request.registration_id,
            appeal=appeal,
            level=Level.L2 if appeal else Level.L1,
            unit=unit,
            status=GrievanceStatus.OPEN,
            version=1,
            event_head="",
            filed_at=now,
            updated_at=now,
            due_at=due_after(now, category.l2_days if appeal else category.l1_days),
        )
        assignee = f"hod:{department}" if appeal else f"unit:{unit}"
        change = GrievanceChange(
            after=grievance,
            event_type="grievance.appealed" if appeal else "grievance.filed",
            reason=request.subject,
            data={"category": category.code, "due_at": grievance.due_at.isoformat(), "appeal": appeal},
            notify=(
                Recipient(address=f"employee:{grievance.employee_code}", template="grievance_filed"),
                Recipient(address=assignee, template="grievance_assigned"),
            ),
        )
        counted = self._grievances.count_filing(
            employee_code=grievance.employee_code, limit=policy.monthly_limit, now=now
        )  # over the month's limit, the transaction raises GrievanceLimit
        return self._recorder.record(
            before=None,
            change=change,
            actor=_actor(principal, Role.EMPLOYEE),
            at=now,
            extra=[counted],
            seal=lambda event, filed: self._sign_filing(event, filed, assigned_to=assignee),
        )

    def _sign_filing(self, event: AuditEvent, filed: Grievance, *, assigned_to: str) -> Grievance:
        """The filing, signed at the time of the act, naming its event; kept on the record."""
        receipt = FilingReceipt(
            grievance_id=filed.grievance_id,
            number=filed.number,
            programme_id=filed.programme_id,
            employee_code=filed.employee_code,
            category=filed.category,
            subject=filed.subject,
            description_sha256=hashlib.sha256(filed.description.encode("utf-8")).hexdigest(),
            registration_id=filed.registration_id,
            appeal=filed.appeal,
            level=filed.level,
            assigned_to=assigned_to,
            filed_at=filed.filed_at,
            due_at=filed.due_at,
            version=event.seq,
            event_type=event.type,
            event_hash=event.hash,
            key_id=self._signer.key_id,
        )
        return filed.model_copy(update={"filing_receipt": self._signer.sign(receipt, into=SignedFilingReceipt)})

    # ------------------------------------------------------------------ reading
    def filing_receipt(self, principal: Principal, grievance_id: str) -> FilingReceiptCheck:
        """The filing's signed receipt, whether it verifies, and its event's place in the log."""
        grievance = self._load(grievance_id)
        require_grievance_read(principal, grievance)
        signed = grievance.filing_receipt
        if signed is None:
            raise NoReceipt("grievance_before_receipts")
        return FilingReceiptCheck(
            signed_receipt=signed,
            verified=self._signer.verifies(signed),
            event=receipt_event(self._events.logged_history(grievance.entity), signed),
        )

    def page(self, principal: Principal, where: ListFilter, limit: int, start: dict[str, Any] | None) -> GrievancePage:
        """An employee's own, an officer's unit queue, or a HoD's L2 items: one Query a page."""
        if principal.has(Role.EMPLOYEE) and principal.employee_code:
            index, partition = BY_EMPLOYEE, principal.employee_code
        elif principal.has(Role.OFFICER) and principal.unit:
            index, partition = UNIT_QUEUE, principal.unit
        elif principal.has(Role.HOD) and principal.department:
            index, partition = L2_QUEUE, principal.department
        else:
            raise Forbidden("grievance_lists")
        return self._grievances.page(index=index, partition=partition, where=where, limit=limit, start=start)

    def detail(self, principal: Principal, grievance_id: str) -> GrievanceDetail:
        grievance = self._load(grievance_id)
        require_grievance_read(principal, grievance)
        events = self._events.history(grievance.entity)
        return GrievanceDetail(
            grievance=grievance, events=events, verdict=verify_chain(events, expected_head=grievance.event_head)
        )

    def proof(self, principal: Principal, grievance_id: str) -> RecordProof:
        grievance = self._load(grievance_id)
        require_grievance_read(principal, grievance)
        return self._prover.prove(grievance.entity)

    # ------------------------------------------------------------------ changes
    def act(self, principal: Principal, grievance_id: str, command: ActionCommand) -> Grievance:
        grievance = self._load(grievance_id)
        role = may_act_on_grievance(principal, grievance)
        if role is None:
            raise Forbidden("grievance_act")
        _require_version(grievance, command.version)
        policy = self._programmes.get(self._programme_id).grievances
        now = self._clock.now()
        change = apply_action(
            grievance,
            action=command.action,
            remarks=command.remarks,
            policy=policy,
            category=policy.sla_of(grievance.category),
            now=now,
            reason_code=command.reason_code,
            to_unit=command.to_unit,
        )
        return self._recorder.record(before=grievance, change=change, actor=_actor(principal, role), at=now)

    def reply(
        self, principal: Principal, grievance_id: str, *, message: str, attachment_ids: list[str], version: int
    ) -> Grievance:
        grievance = self._load(grievance_id)
        require_grievance_owner(principal, grievance)
        _require_version(grievance, version)
        attachments: list[Attachment] = []
        for attachment_id in dict.fromkeys(attachment_ids):
            attachment = grievance.attachment(attachment_id)
            if attachment is None or attachment.status != DocumentStatus.UPLOADED:
                raise AttachmentNotReady(attachment_id=attachment_id)
            attachments.append(attachment)
        now = self._clock.now()
        change = reply(grievance, message=message, attachments=attachments, now=now)
        return self._recorder.record(before=grievance, change=change, actor=_actor(principal, Role.EMPLOYEE), at=now)

    def feedback(
        self,
        principal: Principal,
        grievance_id: str,
        *,
        satisfied: bool,
        rating: int,
        comment: str | None,
        version: int,
    ) -> Grievance:
        grievance = self._load(grievance_id)
        require_grievance_owner(principal, grievance)
        _require_version(grievance, version)
        policy = self._programmes.get(self._programme_id).grievances
        now = self._clock.now()
        change = give_feedback(
            grievance,
            satisfied=satisfied,
            rating=rating,
            comment=comment,
            category=policy.sla_of(grievance.category),
            now=now,
        )
        return self._recorder.record(before=grievance, change=change, actor=_actor(principal, Role.EMPLOYEE), at=now)

    # ------------------------------------------------------------------ attachments
    def request_attachment(
        self, principal: Principal, grievance_id: str, *, filename: str, content_type: ContentType, size_bytes: int
    ) -> tuple[Attachment, UploadGrant]:
        """The same pre-signed POST and checks as registration documents, under grievances/<id>/."""
        grievance = self._load(grievance_id)
        require_grievance_owner(principal, grievance)
        if grievance.status in FINAL:
            raise InvalidTransition("no_more_attachments", current_status=grievance.status, level=grievance.level)
        if len(grievance.attachments) >= MAX_ATTACHMENTS:
            raise UploadNotAccepted("too_many_attachments", max_attachments=MAX_ATTACHMENTS)
        programme = self._programmes.get(self._programme_id)
        require_within_limit(size_bytes, programme.max_upload_bytes)
        now = self._clock.now()
        attachment_id = new_attachment_id()
        attachment = Attachment(
            attachment_id=attachment_id,
            filename=filename,
            content_type=content_type,
            declared_size=size_bytes,
            object_key=f"grievances/{grievance_id}/{attachment_id}",
            status=DocumentStatus.PENDING_UPLOAD,
            requested_at=now,
        )
        # Closed between our read and this write: InvalidTransition.
        self._grievances.add_attachment(grievance, attachment, owner_sub=principal.sub)
        return attachment, self._uploads.grant(attachment, now=now, expires_at=now + PRESIGN_TTL)

    def confirm_attachment(self, principal: Principal, grievance_id: str, attachment_id: str) -> Attachment:
        """Checks the uploaded file (size, magic bytes, SHA-256); confirming again changes nothing."""
        grievance = self._load(grievance_id)
        require_grievance_owner(principal, grievance)
        attachment = _attachment(grievance, attachment_id)
        if attachment.status != DocumentStatus.PENDING_UPLOAD:
            return attachment
        programme = self._programmes.get(self._programme_id)
        checked = self._uploads.check(attachment, max_bytes=programme.max_upload_bytes, now=self._clock.now())
        if checked is None:
            raise DocumentNotUploaded()
        if not self._grievances.record_attachment_check(grievance_id, checked):
            return _attachment(self._load(grievance_id), attachment_id)  # a concurrent confirm won
        return checked

    def attachment_download(
        self, principal: Principal, grievance_id: str, attachment_id: str
    ) -> tuple[Attachment, str, datetime]:
        require_may_open_files(principal)
        grievance = self._load(grievance_id)
        require_grievance_read(principal, grievance)
        attachment = _attachment(grievance, attachment_id)
        if attachment.status != DocumentStatus.UPLOADED:
            raise DocumentNotUploaded("attachment")
        url, expires = self._uploads.download_url(attachment, now=self._clock.now())
        return attachment, url, expires

    def now(self) -> datetime:
        return self._clock.now()

    def _load(self, grievance_id: str) -> Grievance:
        grievance = self._grievances.get(grievance_id)
        if grievance is None:
            raise NotFound("grievance", grievance_id=grievance_id)
        return grievance


def _actor(principal: Principal, role: Role) -> Actor:
    return Actor(id=principal.actor_id, role=role.value)


def _require_version(grievance: Grievance, version: int) -> None:
    if version != grievance.version:
        raise VersionConflict("stale", sent_version=version, current_version=grievance.version)


def _attachment(grievance: Grievance, attachment_id: str) -> Attachment:
    attachment = grievance.attachment(attachment_id)
    if attachment is None:
        raise NotFound("attachment", grievance_id=grievance.grievance_id, attachment_id=attachment_id)
    return attachment
