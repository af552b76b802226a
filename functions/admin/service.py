"""Admin operations as domain logic: the programme's windows and their audited changes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from admin.rules import WindowChange, change_windows
from core.audit import Actor, AuditEvent, ChainVerdict, verify_chain
from core.auth import Principal, Role
from core.clock import Clock
from core.errors import VersionConflict
from core.store.programmes import StoredProgramme

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import EventChain, ProgrammeChanges


class WindowsView(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    stored: StoredProgramme
    events: list[AuditEvent]
    verdict: ChainVerdict
    now: datetime


class AdminService:
    def __init__(self, *, programme_id: str, programmes: ProgrammeChanges, events: EventChain, clock: Clock) -> None:
        self._programme_id = programme_id
        self._programmes = programmes
        self._events = events
        self._clock = clock

    def windows(self, principal: Principal) -> WindowsView:
        principal.require(Role.ADMIN)
        return self._view(self._programmes.read(self._programme_id))

    def change_windows(self, principal: Principal, change: WindowChange, version: int | None) -> WindowsView:
        """One transaction: the programme (conditioned on its version) and the next link of its chain.

        Every function reads the programme through a cache of `settings_cache_seconds` (60 s), so
        the change reaches them all within a minute.
        """
        principal.require(Role.ADMIN)
        stored = self._programmes.read(self._programme_id)
        if version is not None and version != stored.version:
            raise VersionConflict("stale", sent_version=version, current_version=stored.version)
        # Read before the change, not after: a read that failed after it would answer 503 for a change
        # that was made, and the client's retry would then find its version stale.
        history = self._events.history(stored.entity)
        now = self._clock.now()
        updated, changes = change_windows(stored.programme, change, now)
        event = AuditEvent.create(
            entity=stored.entity,
            seq=stored.version + 1,
            type="programme.windows_changed",
            at=now,
            actor=Actor(id=principal.actor_id, role=Role.ADMIN.value),
            prev_hash=stored.event_head,
            data={"order_ref": change.order_ref, "changes": changes},
            reason=change.reason,
        )
        changed = self._programmes.change(stored, updated, event, events=self._events)
        return self._view(changed, [*history, event])

    def _view(self, stored: StoredProgramme, events: list[AuditEvent] | None = None) -> WindowsView:
        events = self._events.history(stored.entity) if events is None else events
        return WindowsView(
            stored=stored,
            events=events,
            verdict=verify_chain(events, expected_head=stored.event_head if stored.version else None),
            now=self._clock.now(),
        )
