"""Records a change to a registration, a grievance or a mobile-correction request: one transaction with
the new image (conditioned on the version that was read), the next link of its audit chain, its
counters and its notification requests."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from core.audit import GENESIS_HASH, Actor, AuditEvent
from core.corrections import CORRECTIONS, Correction
from core.errors import InvalidState, VersionConflict
from core.grievance import Grievance, GrievanceChange
from core.outcomes import GRIEVANCE_OUTCOMES, grievance_outcome_labels, stats_scopes
from core.registration import Document, Registration, RegistrationStatus
from core.store.corrections import CorrectionStore
from core.store.counters import CounterStore
from core.store.dynamo import ConditionFailed, TxItem, transact_write
from core.store.events import EventStore
from core.store.grievances import GrievanceStore
from core.store.notifications import NotificationStore
from core.store.registrations import RegistrationStore


class ChangeRecorder:
    def __init__(
        self, client: Any, registrations: RegistrationStore, events: EventStore, counters: CounterStore
    ) -> None:
        self._client = client
        self._registrations = registrations
        self._events = events
        self._counters = counters

    def record(
        self,
        *,
        before: Registration | None,
        after: Registration,
        event_type: str,
        actor: Actor,
        at: datetime,
        data: dict[str, Any] | None = None,
        reason: str | None = None,
        documents: Sequence[Document] = (),
        extra: Sequence[TxItem] = (),
        seal: Callable[[AuditEvent, Registration], Registration] | None = None,
    ) -> Registration:
        """Returns the stored image. Raises VersionConflict if anyone changed it meanwhile;
        a failed condition on one of `extra` raises the refusal its store gave it (else ConditionFailed).

        `seal` sees the new event before anything is written and returns the image to store: what
        names the event by its hash (a signed receipt) goes on the record, in the same transaction."""
        version = before.version + 1 if before else 1
        event = AuditEvent.create(
            entity=after.entity,
            seq=version,
            type=event_type,
            at=at,
            actor=actor,
            prev_hash=before.event_head if before else GENESIS_HASH,
            data={**(data or {}), "status": after.status.value},
            reason=reason,
        )
        stored = after.model_copy(update={"version": version, "event_head": event.hash, "updated_at": at})
        if seal is not None:
            stored = seal(event, stored)
        items = [
            self._registrations.create(stored)
            if before is None
            else self._registrations.replace(stored, expected_version=before.version),
            self._events.append(event),
            *self._registrations.put_documents(stored.registration_id, documents),
            *self._counter_moves(before, stored),
            *extra,
        ]
        commit(self._client, items, record_name="registration", what="registration")
        updated_documents = {d.document_id: d for d in (*stored.documents, *documents)}
        return stored.model_copy(update={"documents": list(updated_documents.values())})

    def transition(
        self,
        registration: Registration,
        *,
        expected: RegistrationStatus,
        to: RegistrationStatus,
        event_type: str,
        actor: Actor,
        at: datetime,
        reason: str,
        extra: Sequence[TxItem] = (),
    ) -> Registration:
        """A deadline's change of state, made only from `expected`; the event names the DDO and department.
        `extra` joins the transaction (the outbox request telling the employee)."""
        if registration.status != expected:
            raise InvalidState("transition", expected=expected, to=to, current_status=registration.status)
        return self.record(
            before=registration,
            after=registration.model_copy(update={"status": to}),
            event_type=event_type,
            actor=actor,
            at=at,
            reason=reason,
            data={"ddo_code": registration.ddo_code, "department": registration.department},
            extra=extra,
        )

    def _counter_moves(self, before: Registration | None, after: Registration) -> list[TxItem]:
        return self._counters.transition(
            kind="registrations",
            programme_id=after.programme_id,
            shard_key=after.registration_id,
            before=(before.counter_scopes(), before.counter_labels()) if before else None,
            after=(after.counter_scopes(), after.counter_labels()),
        )


def commit(client: Any, items: Sequence[TxItem], *, record_name: str, what: str, also: Collection[str] = ()) -> None:
    """Writes a change; a failed condition on the record, its next event (or the items named in `also`)
    means someone else won."""
    try:
        transact_write(client, items)
    except ConditionFailed as failed:
        if failed.name in (record_name, "event", *also):
            raise VersionConflict(record=what, current_version=(failed.current or {}).get("version")) from failed
        raise


class GrievanceRecorder:
    def __init__(
        self,
        client: Any,
        grievances: GrievanceStore,
        events: EventStore,
        counters: CounterStore,
        notifications: NotificationStore,
    ) -> None:
        self._client = client
        self._grievances = grievances
        self._events = events
        self._counters = counters
        self._notifications = notifications

    def record(
        self,
        *,
        before: Grievance | None,
        change: GrievanceChange,
        actor: Actor,
        at: datetime,
        extra: Sequence[TxItem] = (),
        seal: Callable[[AuditEvent, Grievance], Grievance] | None = None,
    ) -> Grievance:
        """Returns the stored image; VersionConflict if anyone changed it since `before` was read.
        `seal` as for a registration (ChangeRecorder.record)."""
        after = change.after
        version = before.version + 1 if before else 1
        event = AuditEvent.create(
            entity=after.entity,
            seq=version,
            type=change.event_type,
            at=at,
            actor=actor,
            prev_hash=before.event_head if before else GENESIS_HASH,
            data={**change.data, "status": after.status.value, "level": after.level.value, "unit": after.unit},
            reason=change.reason,
        )
        stored = after.model_copy(update={"version": version, "event_head": event.hash, "updated_at": at})
        if seal is not None:
            stored = seal(event, stored)
        notifications = [
            self._notifications.request(
                entity=stored.entity,
                seq=version,
                index=n,
                recipient=recipient.address,
                template=recipient.template,
                data={"grievance_id": stored.grievance_id, "number": stored.number, "status": stored.status.value},
                at=at,
            )
            for n, recipient in enumerate(change.notify)
        ]
        items = [
            self._grievances.create(stored)
            if before is None
            else self._grievances.replace(stored, expected_version=before.version),
            self._events.append(event),
            *self._counters.transition(
                kind="grievances",
                programme_id=stored.programme_id,
                shard_key=stored.grievance_id,
                before=(before.counter_scopes(), before.counter_labels()) if before else None,
                after=(stored.counter_scopes(), stored.counter_labels()),
            ),
            # Resolutions (days from filing) and escalations, for the public statistics: written only
            # when one of them changes.
            *self._counters.transition(
                kind=GRIEVANCE_OUTCOMES,
                programme_id=stored.programme_id,
                shard_key=stored.grievance_id,
                before=(stats_scopes(before.counter_scopes()), grievance_outcome_labels(before)) if before else None,
                after=(stats_scopes(stored.counter_scopes()), grievance_outcome_labels(stored)),
            ),
            *notifications,
            *extra,
        ]
        commit(self._client, items, record_name="grievance", what="grievance")
        return stored


class CorrectionRecorder:
    def __init__(self, client: Any, corrections: CorrectionStore, events: EventStore, counters: CounterStore) -> None:
        self._client = client
        self._corrections = corrections
        self._events = events
        self._counters = counters

    def record(
        self,
        *,
        before: Correction | None,
        after: Correction,
        event_type: str,
        actor: Actor,
        at: datetime,
        data: dict[str, Any] | None = None,
        reason: str | None = None,
        extra: Sequence[TxItem] = (),
    ) -> Correction:
        """Returns the stored image. VersionConflict if anyone changed the request meanwhile, if another
        request of the employee became pending first (opening), or if a roll entry in `extra` moved."""
        version = before.version + 1 if before else 1
        event = AuditEvent.create(
            entity=after.entity,
            seq=version,
            type=event_type,
            at=at,
            actor=actor,
            prev_hash=before.event_head if before else GENESIS_HASH,
            data={**(data or {}), "status": after.status.value},
            reason=reason,
        )
        stored = after.model_copy(update={"version": version, "event_head": event.hash})
        items = [
            *(
                self._corrections.open(stored)
                if before is None
                else self._corrections.replace(stored, expected_version=before.version)
            ),
            self._events.append(event),
            *self._counters.transition(
                kind=CORRECTIONS,
                programme_id=stored.programme_id,
                shard_key=stored.correction_id,
                before=(before.office.counter_scopes(), before.counter_labels()) if before else None,
                after=(stored.office.counter_scopes(), stored.counter_labels()),
            ),
            *extra,
        ]
        what = "mobile-correction request or the roll entry"
        commit(self._client, items, record_name="correction", what=what, also=("pending", "roll"))
        return stored
