"""The hash-chained audit trail: every change to a record is an event linked to the previous one.

`hash = SHA-256(canonical JSON of the event body)`, and the body carries `prev_hash`, so
altering, removing or reordering any event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same data always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Actor(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str  # "user:<username>" or "system:<job>"
    role: str


class AuditEvent(BaseModel):
    """One link of a record's chain. `body` is exactly what was hashed."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    entity: str
    seq: int = Field(ge=1)
    type: str
    at: AwareDatetime
    actor: Actor
    reason: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str

    @classmethod
    def create(
        cls,
        *,
        entity: str,
        seq: int,
        type: str,
        at: datetime,
        actor: Actor,
        prev_hash: str,
        data: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> AuditEvent:
        fields: dict[str, Any] = {
            "entity": entity,
            "seq": seq,
            "type": type,
            "at": at,
            "actor": actor,
            "reason": reason,
            "data": data or {},
            "prev_hash": prev_hash,
        }
        body = canonical_json(cls._body(fields))
        return cls(**fields, hash=sha256_hex(body))

    @staticmethod
    def _body(fields: dict[str, Any]) -> dict[str, Any]:
        actor = fields["actor"]
        return {
            "entity": fields["entity"],
            "seq": fields["seq"],
            "type": fields["type"],
            "at": fields["at"].isoformat(),
            "actor": actor.model_dump() if isinstance(actor, Actor) else actor,
            "reason": fields["reason"],
            "data": fields["data"],
            "prev_hash": fields["prev_hash"],
        }

    def body_json(self) -> str:
        return canonical_json(self._body(dict(self)))

    def computed_hash(self) -> str:
        return sha256_hex(self.body_json())


class LoggedEvent(BaseModel):
    """An event with its place in the transparency log: `leaf_index` is None until the sequencer
    has appended it, and never changes after."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    event: AuditEvent
    leaf_index: int | None = Field(default=None, ge=0)


class ChainVerdict(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    valid: bool
    length: int
    head_hash: str
    broken_at_seq: int | None = None
    problem: str | None = None


def verify_chain(events: Sequence[AuditEvent], *, expected_head: str | None = None) -> ChainVerdict:
    """Check sequence, links and hashes; `expected_head` (kept on the record) catches a cut tail."""
    prev = GENESIS_HASH
    for position, event in enumerate(events, start=1):
        problem = None
        if event.seq != position:
            problem = f"expected event {position}, found {event.seq}"
        elif event.prev_hash != prev:
            problem = "the link to the previous event does not match"
        elif event.computed_hash() != event.hash:
            problem = "the event's content does not match its hash"
        if problem:
            return ChainVerdict(
                valid=False, length=len(events), head_hash=prev, broken_at_seq=position, problem=problem
            )
        prev = event.hash
    if expected_head is not None and expected_head != prev:
        return ChainVerdict(
            valid=False,
            length=len(events),
            head_hash=prev,
            broken_at_seq=len(events) + 1,
            problem="the record's latest event is missing from the history",
        )
    return ChainVerdict(valid=True, length=len(events), head_hash=prev)


class RecordHead(BaseModel):
    """What a record keeps of its chain: `version` is the seq of its last event and `event_head` that
    event's hash (version 0 and no head: a record written without an audit trail, such as a seeded one)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    entity: str
    version: int = 0  # as found: an edited record may hold any number
    event_head: str | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event item as the events table holds it, not yet believed."""

    entity: str
    seq: int
    body: str | None
    hash: str | None
    leaf_index: int | None
