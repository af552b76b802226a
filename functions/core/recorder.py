"""Records a change to a registration: one transaction with the new image (conditioned on the version
that was read), the next link of its audit chain and its counters, run by the events store
(EventStore.commit). A grievance's recorder is core/grievance_recorder.py and a mobile-correction
request's core/correction_recorder.py: each function loads only the models it records.

A recorder holds no client and never looks at which item failed: the stores that build the record's
write and its next link refuse them as VersionConflict, and an `extra` carries its own store's refusal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.audit import GENESIS_HASH, Actor, AuditEvent
from core.errors import InvalidState
from core.registration import Document, Registration, RegistrationStatus
from core.store.dynamo import TxItem
from core.store.registrations import RECORD

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CounterTransitions, EventCommits, RegistrationImages


class ChangeRecorder:
    def __init__(self, registrations: RegistrationImages, events: EventCommits, counters: CounterTransitions) -> None:
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
            self._events.append(event, record=RECORD),
            *self._registrations.put_documents(stored.registration_id, documents),
            *self._counter_moves(before, stored),
            *extra,
        ]
        self._events.commit(items)
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
