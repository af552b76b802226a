"""A record's proof: its whole chain, each event with its leaf index and audit path to the newest
checkpoint, read with one batch of tree nodes. Whoever may read the record may read its proof."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.clock import Clock
from core.transparency import RecordProof, inclusion_nodes, record_proof

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import LoggedHistories, LogReads


class RecordProver:
    def __init__(self, events: LoggedHistories, log: LogReads, clock: Clock) -> None:
        self._events = events
        self._log = log
        self._clock = clock

    def prove(self, entity: str) -> RecordProof:
        logged = self._events.logged_history(entity)
        checkpoint = self._log.latest_checkpoint()
        size = checkpoint.checkpoint.tree_size if checkpoint else 0
        nodes = self._log.nodes(inclusion_nodes(logged, size))
        return record_proof(entity, logged, checkpoint, nodes, self._clock.now())
