"""The verification journey as domain operations. Nothing here knows about HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core.access import require_read
from core.audit import Actor, AuditEvent, ChainVerdict, verify_chain
from core.auth import Principal, Role
from core.clock import Clock
from core.errors import Forbidden, NoDecision, NotFound
from core.fairness import DECISION_SCOPE, DECISIONS, decision_amounts
from core.outcomes import REGISTRATION_OUTCOMES, decision_outcome, stats_scopes
from core.receipt_event import ReceiptEvent, receipt_event
from core.registration import DECISION_OUTCOME, Decision, Document, Receipt, Registration, Review, SignedReceipt
from core.signing import ReceiptSigner
from core.store.dynamo import TxItem
from core.store.registrations import DDO_QUEUE, HOD_QUEUE, QueueFilter
from verify.rules import DecisionRequest, check_decision

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import (
        Counters,
        FileLinks,
        Histories,
        NotificationRequests,
        Programmes,
        RegistrationChanges,
        RegistrationQueues,
    )


class QueueView(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    items: list[Registration]
    last_key: dict[str, Any] | None
    items_read: int
    counts: dict[str, int] | None
    closes_at: datetime
    seconds_left: int
    now: datetime


class DocumentView(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    document: Document
    url: str
    url_expires_at: datetime


class CaseFile(BaseModel):
    """Everything a DDO needs to decide one record, on one screen."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    registration: Registration
    documents: list[DocumentView]
    events: list[AuditEvent]
    verdict: ChainVerdict


class ReceiptCheck(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    signed_receipt: SignedReceipt
    verified: bool
    event: ReceiptEvent


class VerificationService:
    def __init__(
        self,
        *,
        programme_id: str,
        programmes: Programmes,
        registrations: RegistrationQueues,
        events: Histories,
        recorder: RegistrationChanges,
        counters: Counters,
        notifications: NotificationRequests,
        objects: FileLinks,
        signer: ReceiptSigner,
        clock: Clock,
    ) -> None:
        self._programme_id = programme_id
        self._programmes = programmes
        self._registrations = registrations
        self._events = events
        self._recorder = recorder
        self._counters = counters
        self._notifications = notifications
        self._objects = objects
        self._signer = signer
        self._clock = clock

    def queue(self, principal: Principal, where: QueueFilter, limit: int, start: dict[str, Any] | None) -> QueueView:
        """A DDO's records (pending first, oldest first), or a HoD's escalated ones: one Query a page."""
        if principal.has(Role.DDO) and principal.ddo_code:
            index, partition, scope = DDO_QUEUE, principal.ddo_code, "ddo"
        elif principal.has(Role.HOD) and principal.department:
            index, partition, scope = HOD_QUEUE, principal.department, "department"
        else:
            raise Forbidden("verification_queue")
        page = self._registrations.queue(index=index, partition=partition, where=where, limit=limit, start=start)
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        counts = None
        if start is None:  # totals come with the first page only
            counts = self._counters.totals(
                kind="registrations", programme_id=self._programme_id, scope=scope, value=partition
            )
        return QueueView(
            items=page.items,
            last_key=page.last_key,
            items_read=page.items_read,
            counts=counts,
            closes_at=programme.verification_closes_at,
            seconds_left=programme.verification.seconds_left(now),
            now=now,
        )

    def case_file(self, principal: Principal, registration_id: str) -> CaseFile:
        principal.require(Role.DDO, Role.HOD)
        registration = self._load(registration_id)
        require_read(principal, registration)
        now = self._clock.now()
        documents = []
        for document in registration.current_documents().values():
            url, expires = self._objects.download_url_of(document, now=now)
            documents.append(DocumentView(document=document, url=url, url_expires_at=expires))
        events = self._events.history(registration.entity)
        return CaseFile(
            registration=registration,
            documents=documents,
            events=events,
            verdict=verify_chain(events, expected_head=registration.event_head),
        )

    def decide(self, principal: Principal, registration_id: str, request: DecisionRequest) -> Registration:
        registration = self._load(registration_id)
        programme = self._programmes.get(self._programme_id)
        now = self._clock.now()
        role = check_decision(principal, registration, programme, now, request)
        outcome = DECISION_OUTCOME[request.decision]
        version = registration.version + 1
        receipt = Receipt(
            registration_id=registration.registration_id,
            employee_code=registration.employee_code,
            decision=request.decision,
            status=outcome,
            decided_by=principal.actor_id,
            decided_role=role.value,
            decided_at=now,
            version=version,
            remarks=request.remarks.strip(),
            reason_code=request.reason_code,
            document_hashes={d.type.value: d.sha256 or "" for d in registration.current_documents().values()},
            key_id=self._signer.key_id,
        )
        signed = self._signer.sign(receipt, into=SignedReceipt)
        review = Review(
            decision=request.decision,
            remarks=receipt.remarks,
            reason_code=request.reason_code,
            document_checks=request.document_checks,
            mismatches_certified=request.certify_mismatches,
            decided_by=principal.actor_id,
            decided_role=role.value,
            decided_at=now,
            signed_receipt=signed,
        )
        return self._recorder.record(
            before=registration,
            after=registration.model_copy(update={"status": outcome, "review": review}),
            event_type=f"verification.{request.decision.value}",
            actor=Actor(id=principal.actor_id, role=role.value),
            at=now,
            reason=receipt.remarks or None,
            data={
                "decision": request.decision.value,
                "reason_code": request.reason_code,
                "certified_mismatches": [m.field for m in registration.roll_mismatches]
                if request.certify_mismatches
                else [],
                "document_checks": [c.model_dump() for c in request.document_checks],
                "signed_receipt": signed.model_dump(mode="json"),
            },
            extra=[
                self._notifications.request(
                    entity=registration.entity,
                    seq=version,
                    recipient=f"employee:{registration.employee_code}",
                    template=f"verification_{request.decision.value}",
                    data={
                        "registration_id": registration.registration_id,
                        "status": outcome.value,
                        "remarks": receipt.remarks,
                    },
                    at=now,
                ),
                *self._decision_counters(registration, request.decision, role, now),
            ],
        )

    def _decision_counters(
        self, registration: Registration, decision: Decision, role: Role, at: datetime
    ) -> list[TxItem]:
        """Every decision counts in the public statistics' outcomes (core.outcomes); the fairness report's
        tally compares DDOs, so a HoD's decision on an escalated record is not counted there."""
        if registration.submitted_at is None:
            return []
        outcome = decision_outcome(decision, submitted_at=registration.submitted_at, decided_at=at)
        items = [
            self._counters.add(
                kind=REGISTRATION_OUTCOMES,
                programme_id=registration.programme_id,
                shard_key=registration.registration_id,
                scope=scope,
                value=value,
                amounts=outcome,
            )
            for scope, value in stats_scopes(registration.counter_scopes()).items()
        ]
        if role == Role.DDO:
            items.append(
                self._counters.add(
                    kind=DECISIONS,
                    programme_id=registration.programme_id,
                    shard_key=registration.registration_id,
                    scope=DECISION_SCOPE,
                    value=registration.counter_scopes()[DECISION_SCOPE],
                    amounts=decision_amounts(decision, submitted_at=registration.submitted_at, decided_at=at),
                )
            )
        return [item for item in items if item is not None]

    def receipt(self, principal: Principal, registration_id: str) -> ReceiptCheck:
        registration = self._load(registration_id)
        require_read(principal, registration)
        if registration.review is None:
            raise NoDecision()
        signed = registration.review.signed_receipt
        return ReceiptCheck(
            signed_receipt=signed,
            verified=self._signer.verifies(signed),
            event=receipt_event(self._events.logged_history(registration.entity), signed),
        )

    def keys(self) -> dict[str, Any]:
        return self._signer.jwks()

    def _load(self, registration_id: str) -> Registration:
        registration = self._registrations.get(registration_id)
        if registration is None:
            raise NotFound("registration", registration_id=registration_id)
        return registration
