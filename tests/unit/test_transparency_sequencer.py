"""The sequencer's retries (transparency.service.TransparencyLog.sequence), against small in-memory fakes of
the stores it is typed with (core.store.protocols.LogStore, SequencedEvents): another sequencer moving the
log, and a sparse index that still lists an event already in the log. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.clock import SettableClock
from core.errors import VersionConflict
from core.merkle import Node
from core.store.protocols import LogStore, SequencedEvents
from core.transparency import LogState, SignedCheckpoint, Unsequenced, sequence
from transparency.service import TransparencyLog


def event(n: int) -> Unsequenced:
    return Unsequenced(entity=f"registration#R{n}", seq=1, hash=f"{n:064x}")


class FakeEvents(SequencedEvents):
    """The sparse index: every event not marked in this run, oldest first (one logged before it
    started stays listed: the index lags)."""

    def __init__(self, listed: list[Unsequenced], log: FakeLog) -> None:
        self._listed = listed
        self._log = log

    def unsequenced(self, limit: int) -> list[Unsequenced]:
        return [e for e in self._listed if (e.entity, e.seq) not in self._log.marked][:limit]

    def mark_sequenced(self, event: Unsequenced, leaf_index: int) -> Any:
        raise AssertionError("the fake log marks events itself")


class FakeLog(LogStore):
    """The log's state, conditioned on its version as the table's is; `interloper` is appended by another
    sequencer just before our first commit."""

    def __init__(self, *, logged_before: Iterable[Unsequenced] = (), interloper: Unsequenced | None = None) -> None:
        self._state = LogState()
        self.logged_before = {(e.entity, e.seq) for e in logged_before}
        self.marked: set[tuple[str, int]] = set()
        self.leaves: list[Unsequenced] = []
        self._interloper = interloper
        self.state_reads = 0

    def state(self) -> LogState:
        self.state_reads += 1
        return self._state

    def put_nodes(self, nodes: Mapping[tuple[int, int], str]) -> int:
        return len(nodes)

    def append(
        self, before: LogState, after: LogState, leaves: Sequence[tuple[Unsequenced, int]], *, events: SequencedEvents
    ) -> Unsequenced | None:
        if self._interloper is not None:
            self._commit(sequence(self._state, [self._interloper]).state, [self._interloper])
            self._interloper = None
        if before.version != self._state.version:
            raise VersionConflict(record="transparency log state", current_version=self._state.version)
        for leaf, _ in leaves:
            if (leaf.entity, leaf.seq) in self.logged_before | self.marked:
                return leaf
        self._commit(after, [leaf for leaf, _ in leaves])
        return None

    def _commit(self, after: LogState, appended: list[Unsequenced]) -> None:
        self._state = after
        self.leaves.extend(appended)
        self.marked |= {(e.entity, e.seq) for e in appended}

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        return {}

    def put_checkpoint(self, signed: SignedCheckpoint) -> None:
        raise AssertionError("not in these tests")

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        return None

    def checkpoint(self, tree_size: int) -> SignedCheckpoint | None:
        return None


def sequencer(log: FakeLog, listed: list[Unsequenced]) -> TransparencyLog:
    unused: Any = None  # the archive and the key sign checkpoints, which these tests do not
    return TransparencyLog(events=FakeEvents(listed, log), store=log, archive=unused, key=unused, clock=SettableClock())


def test_pending_events_are_appended_in_one_batch_in_the_order_listed() -> None:
    # Given three events waiting and nobody else sequencing
    log, listed = FakeLog(), [event(1), event(2), event(3)]
    # When the sequencer runs
    report = sequencer(log, listed).sequence()
    # Then all three are in the log in that order, in one commit, and the state is the tree of those leaves
    assert (report.appended, report.tree_size, report.batches, report.retries) == (3, 3, 1, 0)
    assert log.leaves == listed
    assert log.state().root_hash() == sequence(LogState(), listed).state.root_hash()


def test_a_log_moved_by_another_sequencer_is_read_again_and_the_batch_appended_after_it() -> None:
    # Given another sequencer that appends an event just before our commit
    other = event(9)
    log, listed = FakeLog(interloper=other), [event(1), event(2)]
    # When the sequencer runs
    report = sequencer(log, listed).sequence()
    # Then its commit is refused once (VersionConflict), it reads the state again and appends after the other's
    assert (report.appended, report.tree_size, report.retries) == (2, 3, 1)
    assert log.leaves == [other, *listed]
    assert log.state_reads == 2  # at the start, and again after the refusal


def test_an_event_the_index_still_lists_but_the_log_holds_is_left_out() -> None:
    # Given an index that still lists an event already in the log, between two new ones
    lagging = event(2)
    log, listed = FakeLog(logged_before=[lagging]), [event(1), lagging, event(3)]
    # When the sequencer runs
    report = sequencer(log, listed).sequence()
    # Then the two new ones are appended without it, and the next batch (only it) appends nothing and stops
    assert log.leaves == [event(1), event(3)]
    assert (report.appended, report.tree_size, report.batches, report.retries) == (2, 2, 2, 2)
