"""How every function shows an audit event to clients (registration history, case file, grievance
timeline): one response model, so the three never drift apart."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from core.audit import AuditEvent


class HistoryEvent(BaseModel):
    model_config = ConfigDict(defer_build=True)

    seq: int
    type: str
    at: AwareDatetime
    actor: str
    actor_role: str
    reason: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, event: AuditEvent) -> HistoryEvent:
        return cls(
            seq=event.seq,
            type=event.type,
            at=event.at,
            actor=event.actor.id,
            actor_role=event.actor.role,
            reason=event.reason,
            data=event.data,
            prev_hash=event.prev_hash,
            hash=event.hash,
        )
