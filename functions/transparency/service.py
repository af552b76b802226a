"""The transparency log: the single sequencer, the signed checkpoints, and what the public reads.

Sequencing: the oldest unsequenced events (the sparse index, in `sequence_key` order) get the next
leaf indexes. The nodes they complete are written first; then one transaction marks every event
with its index and moves the log's state, conditioned on the state's version. A crash leaves only
unreferenced nodes beyond the committed size, which the next attempt overwrites; a second
sequencer running at once loses the condition and starts again from the new state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core import merkle
from core.clock import Clock
from core.errors import CheckpointNotFound, InvalidProofRange, VersionConflict
from core.kms_key import KmsSigningKey
from core.observability import logger
from core.store.checkpoint_archive import archive_key
from core.transparency import (
    SEQUENCE_BATCH,
    Checkpoint,
    LogState,
    SignedCheckpoint,
    Unsequenced,
    log_id_of,
    sequence,
)

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CheckpointArchiving, LogStore, SequencedEvents

# A sweep stops after this many events, so one invocation stays well inside its timeout; the
# next run (a minute later) carries on where it stopped.
MAX_EVENTS_PER_SWEEP = 50_000


class SequenceReport(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    appended: int
    tree_size: int
    batches: int
    retries: int


class ConsistencyProof(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    old: SignedCheckpoint
    new: SignedCheckpoint
    proof: list[str]


class TransparencyLog:
    def __init__(
        self,
        *,
        events: SequencedEvents,
        store: LogStore,
        archive: CheckpointArchiving,
        key: KmsSigningKey,
        clock: Clock,
    ) -> None:
        self._events = events
        self._store = store
        self._archive = archive
        self._key = key
        self._clock = clock

    # ------------------------------------------------------------------ the sequencer
    def sequence(self, max_events: int = MAX_EVENTS_PER_SWEEP) -> SequenceReport:
        state = self._store.state()
        appended = batches = retries = 0
        while appended < max_events:
            pending = self._events.unsequenced(min(SEQUENCE_BATCH, max_events - appended))
            if not pending:
                break
            state, committed, conflicts = self._append(state, pending)
            appended += committed
            batches += 1
            retries += conflicts
            if not committed:  # the index still lists events already logged: the next sweep sees it settled
                break
        return SequenceReport(appended=appended, tree_size=state.tree_size, batches=batches, retries=retries)

    def _append(self, state: LogState, pending: list[Unsequenced]) -> tuple[LogState, int, int]:
        """Commits one batch; returns the new state, how many were appended, and how many retries."""
        retries = 0
        while pending:
            batch = sequence(state, pending)
            self._store.put_nodes(batch.nodes)
            try:
                logged = self._store.append(state, batch.state, batch.leaves, events=self._events)
            except VersionConflict:  # another sequencer moved the log: start from its state
                retries += 1
                logger.warning("log state moved under the sequencer", extra={"tree_size": state.tree_size})
                state = self._store.state()
                continue
            if logged is not None:  # the index lags: this event is already in the log (or was changed); leave it out
                retries += 1
                pending = [e for e in pending if (e.entity, e.seq) != (logged.entity, logged.seq)]
                continue
            return batch.state, len(batch.leaves), retries
        return state, 0, retries

    def pending_sample(self) -> list[Unsequenced]:
        """What the next sequencer batch would append (a dry run's answer)."""
        return self._events.unsequenced(SEQUENCE_BATCH)

    # ------------------------------------------------------------------ checkpoints
    def checkpoint(self) -> tuple[SignedCheckpoint, SequenceReport]:
        """Sequences what is pending, then signs the tree head and archives it under Object Lock."""
        report = self.sequence()
        state = self._store.state()
        unserved = self._unserved(state.tree_size)
        if unserved is not None:
            self._store.put_checkpoint(unserved)
            return unserved, report
        checkpoint = Checkpoint(
            log_id=log_id_of(self._key.public_key()),
            tree_size=state.tree_size,
            root_hash=state.root_hash(),
            issued_at=self._clock.now(),
        )
        signed = SignedCheckpoint(
            checkpoint=checkpoint, key_id=self._key.key_id, signature=self._key.sign(checkpoint.signed_bytes())
        )
        self._archive.put(signed)  # the locked copy first: a checkpoint the public sees is always archived
        self._store.put_checkpoint(signed)
        return signed, report

    def _unserved(self, tree_size: int) -> SignedCheckpoint | None:
        """The checkpoint of this tree size that a run archived but failed to serve: the next run serves
        it rather than signing the same tree again (the archive is written first, and is for ever)."""
        archived = self._archive.newest_key_at(tree_size)
        if archived is None:
            return None
        served = self._store.checkpoint(tree_size)
        if served is not None and archive_key(served) >= archived:
            return None
        return self._archive.get(archived)

    def latest(self) -> SignedCheckpoint:
        signed = self._store.latest_checkpoint()
        if signed is None:
            raise CheckpointNotFound("none_yet")
        return signed

    def at(self, tree_size: int) -> SignedCheckpoint:
        signed = self._store.checkpoint(tree_size)
        if signed is None:
            raise CheckpointNotFound(tree_size=tree_size)
        return signed

    def consistency(self, old_size: int, new_size: int) -> ConsistencyProof:
        if not 0 < old_size <= new_size:
            raise InvalidProofRange(
                from_size=old_size,
                to_size=new_size,
            )
        old, new = self.at(old_size), self.at(new_size)
        ranges = merkle.consistency_ranges(old_size, new_size)
        nodes = self._store.nodes(merkle.nodes_of(ranges))
        return ConsistencyProof(old=old, new=new, proof=[merkle.range_hash(r, nodes).hex() for r in ranges])

    def keys(self) -> dict[str, Any]:
        return self._key.jwks()
