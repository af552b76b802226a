"""The transparency log's domain: signed checkpoints, the sequencer's batch, and a record's proof.

Every audit event becomes a leaf, `SHA-256(0x00 || event hash)`, of one append-only RFC 9162 tree.
A checkpoint `{log_id, tree_size, root_hash, issued_at}` is signed by a KMS key whose public half
is published, and a copy sits in an Object Lock (COMPLIANCE) bucket, so neither the log's tree nor
the events under it can be rewritten without the next check against a checkpoint failing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core import merkle
from core.audit import AuditEvent, LoggedEvent, canonical_json
from core.kms_key import ALGORITHM, signature_verifies
from core.merkle import CompactRange, Node

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# A sequencer batch: one DynamoDB transaction marks the events and moves the log's state (100 items).
SEQUENCE_BATCH = 99


def event_leaf(event_hash: str) -> bytes:
    """The leaf of an event: its 32-byte SHA-256, hashed as RFC 9162 hashes leaf data."""
    return merkle.leaf_hash(bytes.fromhex(event_hash))


def log_id_of(public_key: ec.EllipticCurvePublicKey) -> str:
    """As in Certificate Transparency, a log is named by the SHA-256 of its public key (DER SPKI)."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def next_checkpoint_at(now: datetime) -> datetime:
    """Checkpoints are issued at the top of every hour; an event logged now is covered by the next."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    return hour + timedelta(hours=1)


class Checkpoint(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    log_id: str
    tree_size: int = Field(ge=0)
    root_hash: str = Field(pattern="^[0-9a-f]{64}$")
    issued_at: AwareDatetime

    def signed_bytes(self) -> bytes:
        """What the key signs: the canonical JSON of the four fields, as a client recomputes it."""
        return canonical_json(self.model_dump(mode="json")).encode("utf-8")


class SignedCheckpoint(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    checkpoint: Checkpoint
    algorithm: str = ALGORITHM
    key_id: str
    signature: str  # base64 of the DER ECDSA signature of `checkpoint.signed_bytes()`

    def verifies(self, public_key: ec.EllipticCurvePublicKey) -> bool:
        return self.algorithm == ALGORITHM and signature_verifies(
            public_key, self.checkpoint.signed_bytes(), self.signature
        )


class LogState(BaseModel):
    """The sequencer's state: the tree's size and right border (one hash per set bit of the size)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    tree_size: int = Field(default=0, ge=0)
    border: list[str] = Field(default_factory=list)
    version: int = Field(default=0, ge=0)

    def compact_range(self) -> CompactRange:
        return CompactRange(self.tree_size, [bytes.fromhex(h) for h in self.border])

    def root_hash(self) -> str:
        return self.compact_range().root().hex()


class Unsequenced(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    entity: str
    seq: int
    hash: str


class SequencedBatch(BaseModel):
    """The leaves a batch appends, the tree nodes they complete, and the state after them."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    leaves: list[tuple[Unsequenced, int]]
    nodes: dict[tuple[int, int], str]
    state: LogState


def sequence(state: LogState, events: Sequence[Unsequenced]) -> SequencedBatch:
    tree = state.compact_range()
    leaves: list[tuple[Unsequenced, int]] = []
    nodes: dict[tuple[int, int], str] = {}
    for event in events:
        leaves.append((event, tree.size))
        for node, value in tree.append(event_leaf(event.hash)):
            nodes[(node.level, node.offset)] = value.hex()
    after = LogState(tree_size=tree.size, border=[h.hex() for h in tree.hashes], version=state.version + 1)
    return SequencedBatch(leaves=leaves, nodes=nodes, state=after)


# ------------------------------------------------------------------ a record's proof
class ProvenEvent(BaseModel):
    """One event of a record: `body` is exactly the text its `hash` is the SHA-256 of."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    seq: int
    type: str
    at: AwareDatetime
    body: str
    hash: str
    leaf_index: int | None = None
    inclusion_proof: list[str] | None = Field(
        default=None, description="Audit path (hex, leaf side first) to the checkpoint's root; null while pending"
    )
    pending_until: AwareDatetime | None = Field(
        default=None, description="When a checkpoint will cover this event, if none does yet"
    )


class RecordProof(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    entity: str
    checkpoint: SignedCheckpoint | None
    events: list[ProvenEvent]


def inclusion_nodes(logged: Sequence[LoggedEvent], tree_size: int) -> set[Node]:
    """Every stored node the covered events' audit paths are folded from (one batch read)."""
    needed: set[Node] = set()
    for item in logged:
        if item.leaf_index is not None and item.leaf_index < tree_size:
            needed |= merkle.nodes_of(merkle.inclusion_ranges(item.leaf_index, tree_size))
    return needed


def record_proof(
    entity: str,
    logged: Sequence[LoggedEvent],
    checkpoint: SignedCheckpoint | None,
    nodes: Mapping[Node, bytes],
    now: datetime,
) -> RecordProof:
    size = checkpoint.checkpoint.tree_size if checkpoint else 0
    events: list[ProvenEvent] = []
    for item in logged:
        event: AuditEvent = item.event
        covered = item.leaf_index is not None and item.leaf_index < size
        proof = None
        if covered:
            assert item.leaf_index is not None
            ranges = merkle.inclusion_ranges(item.leaf_index, size)
            proof = [merkle.range_hash(r, nodes).hex() for r in ranges]
        events.append(
            ProvenEvent(
                seq=event.seq,
                type=event.type,
                at=event.at,
                body=event.body_json(),
                hash=event.hash,
                leaf_index=item.leaf_index,
                inclusion_proof=proof,
                pending_until=None if covered else next_checkpoint_at(now),
            )
        )
    return RecordProof(entity=entity, checkpoint=checkpoint, events=events)
