"""The auditor's pure checks: the walk down the signed tree names exactly the rewritten leaves (and
refuses to name any when the stored tree was rewritten too), in O(log n) batches of reads; chains and
heads; the rolling sample's cursor; checkpoints signed by another key."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from core.audit import GENESIS_HASH, RecordHead
from core.merkle import CompactRange, Node
from core.store.dynamo import record_head
from core.transparency import Checkpoint, SignedCheckpoint, event_leaf, log_id_of
from core.transparency_audit import (
    Finding,
    FindingKind,
    Link,
    chain_findings,
    checkpoint_findings,
    next_sample,
    served_checkpoint_findings,
    tree_findings,
)

NOW = datetime(2026, 1, 20, 11, 30, tzinfo=UTC)


def h(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def log_of(hashes: list[str]) -> tuple[dict[Node, bytes], bytes]:
    """Every node the sequencer stores for these event hashes, and the root."""
    tree = CompactRange()
    nodes: dict[Node, bytes] = {}
    for event_hash in hashes:
        nodes.update(tree.append(event_leaf(event_hash)))
    return nodes, tree.root()


class Reader:
    """The stored tree, counting the batches of reads the walk makes."""

    def __init__(self, nodes: Mapping[Node, bytes]) -> None:
        self.nodes = nodes
        self.batches = 0

    def __call__(self, wanted: Collection[Node]) -> dict[Node, bytes]:
        self.batches += 1
        return {n: self.nodes[n] for n in wanted if n in self.nodes}


def checkpoint(size: int, root: bytes) -> Checkpoint:
    return Checkpoint(log_id="x", tree_size=size, root_hash=root.hex(), issued_at=NOW)


def leaves_of(hashes: list[str]) -> dict[int, tuple[str, int, str]]:
    return {i: (f"registration#REG-{i}", 1, value) for i, value in enumerate(hashes)}


# ---------------------------------------------------------------- the walk down the signed tree
def test_the_walk_names_each_rewritten_leaf_reading_one_batch_per_level() -> None:
    # Given a signed tree of 1,000 events, and two events rewritten since
    hashes = [h(n) for n in range(1000)]
    stored, root = log_of(hashes)
    now_held = leaves_of(hashes)
    for index in (17, 640):
        now_held[index] = (f"registration#REG-{index}", 1, h(-index))
    reader = Reader(stored)
    # When the tree the events make is checked against the checkpoint
    findings, roots = tree_findings(now_held, [checkpoint(1000, root)], reader)
    # Then both are named, with the leaf the checkpoint committed to, in about log2(n) batches of reads
    assert roots[1000] != root
    assert [(f.kind, f.entity, f.leaf_index) for f in findings] == [
        (FindingKind.LEAF_DIFFERS, "registration#REG-17", 17),
        (FindingKind.LEAF_DIFFERS, "registration#REG-640", 640),
    ]
    assert findings[0].expected == event_leaf(h(17)).hex() and findings[0].found == event_leaf(h(-17)).hex()
    assert reader.batches <= 10  # ceil(log2(1000)): one batch per level, both paths together


def test_a_stored_tree_rewritten_to_match_is_not_believed() -> None:
    # Given the events rewritten and the stored tree rebuilt to match them: only the signed root disagrees
    hashes = [h(n) for n in range(11)]
    _, root = log_of(hashes)
    hashes[6] = h(-6)
    forged, _ = log_of(hashes)
    findings, _ = tree_findings(leaves_of(hashes), [checkpoint(11, root)], Reader(forged))
    # Then no leaf is named (the forged nodes do not hash to the signed root), but the difference is found
    assert [(f.kind, f.leaf_index, f.entity) for f in findings] == [(FindingKind.TREE_DIFFERS, 0, None)]
    assert "stored tree was changed" in findings[0].detail


def test_missing_leaves_are_named_once_and_the_walk_stops_at_its_limit() -> None:
    hashes = [h(n) for n in range(64)]
    stored, root = log_of(hashes)
    held = leaves_of(hashes)
    del held[5], held[6]  # two events deleted
    for index in range(40, 50):
        held[index] = (f"registration#REG-{index}", 1, h(-index))
    findings, _ = tree_findings(held, [checkpoint(64, root)], Reader(stored), limit=4)
    kinds = [f.kind for f in findings]
    assert kinds[0] == FindingKind.LEAF_MISSING and findings[0].found == "leaf 5 to 6 has no event"
    assert kinds.count(FindingKind.LEAF_MISSING) == 1
    assert kinds[-1] == FindingKind.TREE_DIFFERS and "more leaves differ" in findings[-1].detail


def test_an_equal_tree_reads_no_stored_node() -> None:
    hashes = [h(n) for n in range(37)]
    stored, root = log_of(hashes)
    _, previous_root = log_of(hashes[:20])
    reader = Reader(stored)
    findings, roots = tree_findings(leaves_of(hashes), [checkpoint(37, root), checkpoint(20, previous_root)], reader)
    assert findings == [] and reader.batches == 0 and roots == {37: root, 20: previous_root}


# ---------------------------------------------------------------- chains and heads
def chain(count: int, at: datetime) -> dict[int, Link]:
    links, prev = {}, GENESIS_HASH
    for seq in range(1, count + 1):
        links[seq] = Link(hash=h(seq), prev_hash=prev, at=at.isoformat(), leaf_index=None)
        prev = h(seq)
    return links


def test_a_chain_that_grew_while_the_audit_ran_is_not_a_moved_head() -> None:
    links = chain(3, at=NOW - timedelta(seconds=10))
    behind = RecordHead(entity="grievance#G", version=2, event_head=h(2))
    assert chain_findings({"grievance#G": links}, [behind], NOW) == []
    # but a last event from before the audit that the head does not name is a moved head
    old = chain(3, at=NOW - timedelta(hours=1))
    [moved] = chain_findings({"grievance#G": old}, [behind], NOW)
    assert (moved.kind, moved.entity, moved.seq) == (FindingKind.HEAD_MOVED, "grievance#G", 3)


def test_links_gaps_and_orphans() -> None:
    links = chain(4, at=NOW - timedelta(hours=1))
    links[3] = Link(hash=h(3), prev_hash=h(99), at=None, leaf_index=7)  # relinked
    heads = [
        RecordHead(entity="registration#R", version=4, event_head=h(4)),
        RecordHead(entity="programme#HR-2026"),  # seeded: no trail, no chain
    ]
    orphan = {1: Link(hash=h(1), prev_hash=GENESIS_HASH, at=None, leaf_index=None)}
    findings = chain_findings({"registration#R": links, "roll#EMP-9": orphan}, heads, NOW)
    assert [(f.kind, f.entity, f.seq, f.leaf_index) for f in findings] == [
        (FindingKind.CHAIN_BROKEN, "registration#R", 3, 7),
        (FindingKind.RECORD_MISSING, "roll#EMP-9", 1, None),
    ]
    del links[2]
    [gap] = chain_findings({"registration#R": links}, heads[:1], NOW)
    assert (gap.kind, gap.seq) == (FindingKind.EVENT_MISSING, 2)


# ---------------------------------------------------------------- the rolling sample
def test_the_sample_moves_on_from_its_cursor_and_wraps_round() -> None:
    records = ["e", "a", "d", "b", "c", "a"]
    assert next_sample(records, None, 2) == ["a", "b"]
    assert next_sample(records, "b", 2) == ["c", "d"]
    assert next_sample(records, "d", 2) == ["e", "a"]
    assert next_sample(records, "zz", 2) == ["a", "b"]  # the cursor's record is gone: start again
    assert next_sample(records, "c", 50) == ["d", "e", "a", "b", "c"]  # each once
    assert next_sample([], None, 5) == [] and next_sample(records, None, 0) == []


# ---------------------------------------------------------------- checkpoints
def signed_by(key: ec.EllipticCurvePrivateKey, checkpoint: Checkpoint, key_id: str = "k1") -> SignedCheckpoint:
    signature = key.sign(checkpoint.signed_bytes(), ec.ECDSA(hashes.SHA256()))
    return SignedCheckpoint(checkpoint=checkpoint, key_id=key_id, signature=base64.b64encode(signature).decode())


def test_only_checkpoints_signed_by_the_logs_key_are_trusted() -> None:
    log_key, other_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    log_id = log_id_of(log_key.public_key())
    genuine = signed_by(log_key, Checkpoint(log_id=log_id, tree_size=9, root_hash=h(9), issued_at=NOW))
    forged = signed_by(other_key, Checkpoint(log_id=log_id, tree_size=5, root_hash=h(5), issued_at=NOW))
    trusted, findings = checkpoint_findings([genuine, forged], log_key.public_key(), "k1")
    assert trusted == [genuine]
    assert [(f.kind, f.entity) for f in findings] == [(FindingKind.CHECKPOINT_INVALID, "checkpoint#5")]
    # The routes may serve the archived one, or an older one; not another root for the same checkpoint
    assert served_checkpoint_findings(genuine, [genuine]) == []
    older = genuine.model_copy(update={"checkpoint": genuine.checkpoint.model_copy(update={"tree_size": 3})})
    assert served_checkpoint_findings(older, [genuine]) == []
    changed = genuine.checkpoint.model_copy(update={"root_hash": h(0)})
    [served] = served_checkpoint_findings(genuine.model_copy(update={"checkpoint": changed}), [genuine])
    assert isinstance(served, Finding) and served.kind == FindingKind.CHECKPOINT_SERVED_DIFFERS


def test_a_head_edited_into_nonsense_is_compared_not_crashed_on() -> None:
    # A fractional version or a head that is not text matches no chain; an absent one is "no trail"
    assert record_head("r", {"version": {"N": "1.5"}, "event_head": {"N": "7"}}) == RecordHead(entity="r", version=-1)
    assert record_head("r", {}) == RecordHead(entity="r")
    assert record_head("r", {"version": {"N": "-2"}}).version == -2
    [moved] = chain_findings({"r": chain(1, at=NOW - timedelta(hours=1))}, [RecordHead(entity="r", version=-1)], NOW)
    assert (moved.kind, moved.seq) == (FindingKind.HEAD_MOVED, 1)
