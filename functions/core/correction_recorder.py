"""Records a change to a mobile-correction request: one transaction with the new image (conditioned on
the version that was read), the next link of its audit chain and its counters, run by the events store
(EventStore.commit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.audit import GENESIS_HASH, Actor, AuditEvent
from core.corrections import CORRECTIONS, Correction
from core.store.corrections import RECORD
from core.store.dynamo import TxItem

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CorrectionImages, CounterTransitions, EventCommits


class CorrectionRecorder:
    def __init__(self, corrections: CorrectionImages, events: EventCommits, counters: CounterTransitions) -> None:
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
            self._events.append(event, record=RECORD),
            *self._counters.transition(
                kind=CORRECTIONS,
                programme_id=stored.programme_id,
                shard_key=stored.correction_id,
                before=(before.office.counter_scopes(), before.counter_labels()) if before else None,
                after=(stored.office.counter_scopes(), stored.counter_labels()),
            ),
            *extra,
        ]
        self._events.commit(items)
        return stored
