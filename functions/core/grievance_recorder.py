"""Records a change to a grievance: one transaction with the new image (conditioned on the version that
was read), the next link of its audit chain, its counters and its notification requests, run by the
events store (EventStore.commit)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from core.audit import GENESIS_HASH, Actor, AuditEvent
from core.grievance import Grievance, GrievanceChange
from core.outcomes import GRIEVANCE_OUTCOMES, grievance_outcome_labels, stats_scopes
from core.store.dynamo import TxItem
from core.store.grievances import RECORD

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CounterTransitions, EventCommits, GrievanceImages, NotificationRequests


class GrievanceRecorder:
    def __init__(
        self,
        grievances: GrievanceImages,
        events: EventCommits,
        counters: CounterTransitions,
        notifications: NotificationRequests,
    ) -> None:
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
            self._events.append(event, record=RECORD),
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
        self._events.commit(items)
        return stored
