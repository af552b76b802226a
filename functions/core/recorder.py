"""Records a change to a registration: one transaction with the new image (conditioned on the
version that was read), the next link of its audit chain, its documents and its counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.audit import GENESIS_HASH, Actor, AuditEvent
from core.errors import VersionConflict
from core.registration import Document, Registration
from core.store.counters import CounterStore
from core.store.dynamo import ConditionFailed, TxItem, transact_write
from core.store.events import EventStore
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
    ) -> Registration:
        """Returns the stored image. Raises VersionConflict if anyone changed it meanwhile;
        a failed condition on one of `extra` propagates as ConditionFailed for the caller."""
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
        items = [
            self._registrations.create(stored)
            if before is None
            else self._registrations.replace(stored, expected_version=before.version),
            self._events.append(event),
            *self._registrations.put_documents(stored.registration_id, documents),
            *self._counter_moves(before, stored),
            *extra,
        ]
        try:
            transact_write(self._client, items)
        except ConditionFailed as failed:
            if failed.name in ("registration", "event"):
                raise VersionConflict(
                    "The registration was changed by someone else; read it again and retry.",
                    current_version=(failed.current or {}).get("version"),
                ) from failed
            raise
        updated_documents = {d.document_id: d for d in (*stored.documents, *documents)}
        return stored.model_copy(update={"documents": list(updated_documents.values())})

    def _counter_moves(self, before: Registration | None, after: Registration) -> list[TxItem]:
        if before is not None and before.status == after.status:
            return []
        deltas = {after.status.value: 1}
        if before is not None:
            deltas[before.status.value] = -1
        return self._counters.move(
            kind="registrations",
            scopes=after.counter_scopes(),
            programme_id=after.programme_id,
            shard_key=after.registration_id,
            deltas=deltas,
        )
