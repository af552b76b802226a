"""The roll function's domain: a DDO's or HoD's queue of mobile-correction requests, their decisions,
direct corrections, and a roll entry as they see it. Nothing here knows about HTTP.

A mobile change (an approval or a direct correction) is one transaction: the roll entry's certified
mobile (conditioned on the entry's version), the next event of its own chain (`roll#<employee_code>`,
both numbers masked, the actor and the remarks as the reason), the counters, and two SMS requests in
the outbox: one to the old number (explicitly, it is no longer the roll's), one to the new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core.audit import Actor, AuditEvent, ChainVerdict, verify_chain
from core.auth import Principal, Role
from core.certified_mobile import CertifiedMobile
from core.clock import IST, Clock
from core.corrections import (
    CORRECTIONS,
    DIRECT,
    Correction,
    CorrectionDecision,
    CorrectionStatus,
    Office,
    Ruling,
    acting_role,
    check_decision,
    checked_remarks,
    decided,
    mobile_change,
    ten_digits,
)
from core.errors import Forbidden, MobileUnchanged, NotFound, VersionConflict
from core.masking import mask_mobile
from core.notices import Contact
from core.store.corrections import DDO_QUEUE, HOD_QUEUE
from core.store.dynamo import TxItem
from core.store.roll import RECORD as ROLL_ENTRY
from core.store.roll import RollEntry

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import (
        ChainLinks,
        CorrectionChanges,
        CorrectionCounters,
        Corrections,
        NotificationRequests,
        RollCertifications,
    )


class QueueItem(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    correction: Correction
    roll: RollEntry | None  # as it stands now (None: no longer on the roll)


class QueueView(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    items: list[QueueItem]
    last_key: dict[str, Any] | None
    pending: int | None  # the queue's total, with the first page only


class DecisionOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    correction: Correction
    roll_version: int | None  # the roll entry's new version after an approval


class EntryView(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    entry: RollEntry
    events: list[AuditEvent]
    verdict: ChainVerdict
    pending_correction_id: str | None


class RollService:
    def __init__(
        self,
        *,
        programme_id: str,
        roll: RollCertifications,
        corrections: Corrections,
        events: ChainLinks,
        counters: CorrectionCounters,
        notifications: NotificationRequests,
        recorder: CorrectionChanges,
        clock: Clock,
    ) -> None:
        self._programme_id = programme_id
        self._roll = roll
        self._corrections = corrections
        self._events = events
        self._counters = counters
        self._notifications = notifications
        self._recorder = recorder
        self._clock = clock

    # ------------------------------------------------------------------ reads
    def queue(self, principal: Principal, limit: int, start: dict[str, Any] | None) -> QueueView:
        """A DDO's pending requests, or a HoD's department's, oldest first: one Query a page and one
        BatchGetItem of the roll entries beside them."""
        if principal.has(Role.DDO) and principal.ddo_code:
            index, partition, scope = DDO_QUEUE, principal.ddo_code, "ddo"
        elif principal.has(Role.HOD) and principal.department:
            index, partition, scope = HOD_QUEUE, principal.department, "department"
        else:
            raise Forbidden("correction_queue")
        page = self._corrections.queue(index=index, partition=partition, limit=limit, start=start)
        entries = self._roll.entries([c.employee_code for c in page.items], self._programme_id)
        pending = None
        if start is None:
            totals = self._counters.totals(
                kind=CORRECTIONS, programme_id=self._programme_id, scope=scope, value=partition
            )
            pending = totals.get(CorrectionStatus.PENDING.value, 0)
        return QueueView(
            items=[QueueItem(correction=c, roll=entries.get(c.employee_code)) for c in page.items],
            last_key=page.last_key,
            pending=pending,
        )

    def view(self, principal: Principal, employee_code: str) -> EntryView:
        """The roll entry with its version (what a correction must send) and its chain's verdict."""
        entry = self._entry(employee_code)
        _acting_on(principal, entry)
        events = self._events.history(entry.entity)
        return EntryView(
            entry=entry,
            events=events,
            verdict=verify_chain(events, expected_head=entry.event_head if entry.version else None),
            pending_correction_id=self._corrections.pending_id(self._programme_id, employee_code),
        )

    # ------------------------------------------------------------------ changes
    def decide(
        self, principal: Principal, correction_id: str, *, decision: CorrectionDecision, remarks: str, version: int
    ) -> DecisionOutcome:
        """Approve (the roll's mobile changes, both numbers told) or reject (the roll's number told)."""
        correction = self._corrections.get(correction_id)
        if correction is None:
            raise NotFound("correction", correction_id=correction_id)
        role = check_decision(principal, correction, version=version)
        reason = checked_remarks(remarks)
        now = self._clock.now()
        actor = Actor(id=principal.actor_id, role=role.value)
        ruling = Ruling(decision=decision, remarks=reason, decided_by=actor.id, decided_role=role, decided_at=now)
        roll_version = None
        if decision == CorrectionDecision.APPROVE:
            entry = self._entry(correction.employee_code)
            roll_version = entry.version + 1
            extra = self._mobile_change(
                entry, correction.claim.mobile, actor=actor, role=role, at=now, reason=reason, correction=correction
            ).items
        else:
            extra = [
                self._notifications.request(
                    entity=correction.entity,
                    seq=correction.version + 1,
                    recipient=f"employee:{correction.employee_code}",
                    template="mobile_correction_rejected",
                    data={
                        "employee_code": correction.employee_code,
                        "new_mobile": mask_mobile(correction.claim.mobile),
                        "remarks": reason,
                    },
                    at=now,
                )
            ]
        after = decided(correction, ruling)
        stored = self._recorder.record(
            before=correction,
            after=after,
            event_type=f"correction.{after.status.value.lower()}",
            actor=actor,
            at=now,
            data={"decision": decision.value, "roll_version": roll_version},
            reason=reason,
            extra=extra,
        )
        return DecisionOutcome(correction=stored, roll_version=roll_version)

    def correct(
        self, principal: Principal, employee_code: str, *, mobile: str, remarks: str, version: int
    ) -> EntryView:
        """A DDO or HoD corrects the mobile directly; refused while a help request of the employee is pending."""
        entry = self._entry(employee_code)
        role = _acting_on(principal, entry)
        if version != entry.version:
            raise VersionConflict("stale", sent_version=version, current_version=entry.version)
        reason = checked_remarks(remarks)
        if ten_digits(mobile) == ten_digits(entry.record.personal.mobile):
            raise MobileUnchanged()
        # Read before the change, not after: a read that failed after it would answer 503 for a change
        # that was made, and the caller's retry would then find its version stale.
        history = self._events.history(entry.entity)
        now = self._clock.now()
        actor = Actor(id=principal.actor_id, role=role.value)
        change = self._mobile_change(entry, ten_digits(mobile), actor=actor, role=role, at=now, reason=reason)
        self._corrections.commit_direct(  # refused while a request is pending: CorrectionPending
            self._programme_id,
            employee_code,
            [
                *change.items,
                *self._counters.transition(
                    kind=CORRECTIONS,
                    programme_id=self._programme_id,
                    shard_key=employee_code,
                    before=None,
                    after=(Office.of(self._programme_id, entry.record).counter_scopes(), (DIRECT,)),
                ),
            ],
        )
        events = [*history, change.event]
        return EntryView(
            entry=change.entry,
            events=events,
            verdict=verify_chain(events, expected_head=change.entry.event_head),
            pending_correction_id=None,  # the change was made only if none was pending
        )

    def _mobile_change(
        self,
        entry: RollEntry,
        new: str,
        *,
        actor: Actor,
        role: Role,
        at: datetime,
        reason: str,
        correction: Correction | None = None,
    ) -> MobileChange:
        """The roll entry's new certified mobile, its chain's next event and the SMS to both numbers."""
        old = ten_digits(entry.record.personal.mobile)
        correction_id = correction.correction_id if correction else None
        version = entry.version + 1
        event = AuditEvent.create(
            entity=entry.entity,
            seq=version,
            type="roll.mobile_corrected",
            at=at,
            actor=actor,
            prev_hash=entry.event_head,
            data=mobile_change(old, new, correction_id=correction_id),
            reason=reason,
        )
        certified = CertifiedMobile(
            mobile=new, certified_by=actor.id, certified_role=role, certified_at=at, correction_id=correction_id
        )
        told = {
            "employee_code": entry.employee_code,
            "old_mobile": mask_mobile(old),
            "new_mobile": mask_mobile(new),
            "day": at.astimezone(IST).strftime("%d-%m-%Y"),
        }
        notices = [
            self._notifications.request(
                entity=entry.entity,
                seq=version,
                index=index,
                recipient=f"employee:{entry.employee_code}",
                template=template,
                data=told,
                at=at,
                contact=Contact(mobile=number),
            )
            for index, (template, number) in enumerate((("mobile_changed_old", old), ("mobile_changed_new", new)))
        ]
        return MobileChange(
            items=[
                self._roll.certify_mobile(entry, certified, event_head=event.hash),
                self._events.append(event, record=ROLL_ENTRY),
                *notices,
            ],
            entry=entry.with_certified(certified, event_head=event.hash),
            event=event,
        )

    def _entry(self, employee_code: str) -> RollEntry:
        entry = self._roll.get(employee_code, self._programme_id)
        if entry is None:
            raise NotFound("roll_entry", employee_code=employee_code)
        return entry


@dataclass(frozen=True)
class MobileChange:
    """A mobile correction's writes, and the roll entry and event they make."""

    items: list[TxItem]
    entry: RollEntry
    event: AuditEvent


def _acting_on(principal: Principal, entry: RollEntry) -> Role:
    """The role in which the caller may see or correct this roll entry: its DDO's, or its HoD's."""
    engagement = entry.record.engagement
    return acting_role(principal, ddo_code=engagement.ddo_code, department=engagement.department)
