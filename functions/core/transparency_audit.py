"""The transparency auditor's checks. Pure: the caller reads, these decide what differs.

Nothing read from DynamoDB is trusted. What is trusted is a checkpoint whose signature verifies
against the log's key (the copies in the Object Lock bucket, which nobody can rewrite). Against it:

1. **Events and the tree.** Every event's body must hash to its `hash`; the leaf indexes below the
   checkpoint's size must be exactly 0..n-1; the root recomputed from the events' leaves, streamed
   in leaf order with `merkle.CompactRange`, must be the checkpoint's (the latest and the previous).
   Where it is not, the difference is narrowed to leaves by walking down the stored tree: a stored
   node pair is believed only if it hashes to its parent's hash, which the signature vouches for, so
   the walk names the leaf the checkpoint committed to and the event that no longer matches it.
2. **Record chains.** Each chain's seqs are 1..k with every `prev_hash` linking to the event before,
   and the record's `version` and `event_head` name the chain's last event.
3. **A rolling sample of records** (a cursor kept between runs): each covered event's stored leaf
   (`node#0#<leaf_index>`) is `SHA-256(0x00 || event hash)`, and its inclusion proof, made as the
   proof routes make it, verifies against the checkpoint.

A mismatch is a `Finding` naming the record, the event's seq (and leaf index) and what differs.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core import merkle
from core.audit import GENESIS_HASH, AuditEvent, LoggedEvent, RecordHead, StoredEvent
from core.merkle import CompactRange, Node, Range
from core.transparency import Checkpoint, SignedCheckpoint, event_leaf, log_id_of, record_proof

# Stands for a leaf no event carries: the root is still computed (and differs from the checkpoint's).
ABSENT = b"\x00" * 32
# How many differing leaves one checkpoint's walk names before it stops (each costs O(log n) reads).
LOCATE_LIMIT = 20
# A run keeps this many findings (with the total); a rewrite of thousands of events is still one alarm.
KEPT_FINDINGS = 100
# An event written this shortly before the audit began may be committed after its record's head was
# read (a request's transaction runs for at most its 29 s timeout): such a tail is not a moved head.
IN_FLIGHT = timedelta(seconds=60)

NodeReader = Callable[[Collection[Node]], Mapping[Node, bytes]]


class FindingKind(StrEnum):
    EVENT_ALTERED = "event_altered"  # the body no longer hashes to the event's hash
    EVENT_MISPLACED = "event_misplaced"  # the body names another record or seq than the item's key
    EVENT_MISSING = "event_missing"  # a seq of the chain is gone
    CHAIN_BROKEN = "chain_broken"  # prev_hash is not the hash of the event before
    HEAD_MOVED = "head_moved"  # the record's version / event_head is not its chain's last event
    RECORD_MISSING = "record_missing"  # a chain whose record is gone (or keeps no head)
    LEAF_MISSING = "leaf_missing"  # no event carries a leaf index the checkpoint covers
    LEAF_DUPLICATED = "leaf_duplicated"  # two events carry one leaf index
    LEAF_DIFFERS = "leaf_differs"  # the event's leaf is not the one the checkpoint committed to
    TREE_DIFFERS = "tree_differs"  # leaves differ from the checkpoint, and the stored tree too
    STORED_LEAF_DIFFERS = "stored_leaf_differs"  # node#0#<leaf_index> is not the event's leaf
    PROOF_FAILS = "proof_fails"  # the inclusion proof, as served, does not verify
    CHECKPOINT_INVALID = "checkpoint_invalid"  # an archived checkpoint's signature or log id fails
    CHECKPOINT_SERVED_DIFFERS = "checkpoint_served_differs"  # the table serves what the archive does not hold


class Finding(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: FindingKind
    entity: str | None = Field(
        default=None, description='The record ("registration#REG-...") or the checkpoint ("checkpoint#<size>")'
    )
    seq: int | None = Field(default=None, description="The event's place in the record's chain")
    leaf_index: int | None = None
    detail: str = Field(description="What differs, in words")
    expected: str | None = Field(default=None, description="What the checkpoint or the chain says")
    found: str | None = Field(default=None, description="What the tables hold")

    @property
    def key(self) -> str:
        """Names the finding across runs: the same tampering found again has the same key."""
        parts = (self.kind.value, self.entity or "", "" if self.seq is None else str(self.seq))
        return "|".join((*parts, "" if self.leaf_index is None else str(self.leaf_index)))


class AuditVerdict(StrEnum):
    CLEAN = "clean"
    MISMATCH = "mismatch"


class CheckpointRef(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    tree_size: int
    root_hash: str
    issued_at: AwareDatetime

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointRef:
        return cls(tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash, issued_at=checkpoint.issued_at)


class AuditRun(BaseModel):
    """One run of the auditor: what it checked against which checkpoints, its verdict and findings."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    run_id: str
    started_at: AwareDatetime
    finished_at: AwareDatetime
    verdict: AuditVerdict
    checkpoint: CheckpointRef | None = Field(description="The latest archived checkpoint whose signature verified")
    previous_checkpoint: CheckpointRef | None
    events_checked: int
    records_checked: int
    sampled_records: int = Field(description="Records whose stored leaves and inclusion proofs were checked")
    findings_total: int
    findings: list[Finding] = Field(description=f"The first {KEPT_FINDINGS} findings")
    notified: list[str] = Field(default_factory=list, description="The admins told of new findings by this run")


# ------------------------------------------------------------------ what the tables hold
@dataclass(frozen=True, slots=True)
class Link:
    hash: str
    prev_hash: str | None  # None: the body could not be read
    at: str | None
    leaf_index: int | None


def _body_fields(body: str | None) -> dict[str, Any] | None:
    try:
        parsed = json.loads(body or "")
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


class EventLedger:
    """The events, streamed once: each one's content against its hash; the chains and leaves they make."""

    def __init__(self, keep_bodies_of: Collection[str] = ()) -> None:
        self.chains: dict[str, dict[int, Link]] = defaultdict(dict)
        self.leaves: dict[int, tuple[str, int, str]] = {}  # leaf index -> (entity, seq, event hash)
        self.findings: list[Finding] = []
        self.count = 0
        self._keep = set(keep_bodies_of)
        self.kept: dict[str, list[StoredEvent]] = defaultdict(list)  # the sampled records' events

    def add(self, event: StoredEvent) -> None:
        self.count += 1
        stored_hash = event.hash or ""
        computed = hashlib.sha256((event.body or "").encode("utf-8")).hexdigest()
        fields = _body_fields(event.body)
        if computed != stored_hash:
            self.findings.append(
                Finding(
                    kind=FindingKind.EVENT_ALTERED,
                    entity=event.entity,
                    seq=event.seq,
                    leaf_index=event.leaf_index,
                    detail="The event's text was changed: it no longer hashes to the hash it was recorded with.",
                    expected=stored_hash or None,
                    found=computed,
                )
            )
        elif fields is None or fields.get("entity") != event.entity or fields.get("seq") != event.seq:
            named = f"{fields.get('entity')} #{fields.get('seq')}" if fields else "no event"
            self.findings.append(
                Finding(
                    kind=FindingKind.EVENT_MISPLACED,
                    entity=event.entity,
                    seq=event.seq,
                    leaf_index=event.leaf_index,
                    detail="The event stored under this record and seq is another record's (or none).",
                    expected=f"{event.entity} #{event.seq}",
                    found=named,
                )
            )
        prev = fields.get("prev_hash") if fields else None
        at = fields.get("at") if fields and computed == stored_hash else None  # an altered time is not believed
        self.chains[event.entity][event.seq] = Link(
            hash=stored_hash,
            prev_hash=prev if isinstance(prev, str) else None,
            at=at if isinstance(at, str) else None,
            leaf_index=event.leaf_index,
        )
        if event.entity in self._keep:
            self.kept[event.entity].append(event)
        if event.leaf_index is None:
            return
        holder = self.leaves.get(event.leaf_index)
        if holder is not None:
            self.findings.append(
                Finding(
                    kind=FindingKind.LEAF_DUPLICATED,
                    entity=event.entity,
                    seq=event.seq,
                    leaf_index=event.leaf_index,
                    detail="Two events carry the same leaf index; each event has its own leaf.",
                    expected=f"{holder[0]} #{holder[1]}",
                    found=f"{event.entity} #{event.seq}",
                )
            )
            return
        self.leaves[event.leaf_index] = (event.entity, event.seq, stored_hash)


# ------------------------------------------------------------------ 2. record chains
def _recent(at: str | None, started_at: datetime) -> bool:
    if at is None:
        return False
    try:
        written = datetime.fromisoformat(at)
    except ValueError:
        return False
    return written.tzinfo is not None and written >= started_at - IN_FLIGHT


def chain_findings(
    chains: Mapping[str, Mapping[int, Link]], heads: Iterable[RecordHead], started_at: datetime
) -> list[Finding]:
    """Each chain's seqs and links, and each record's head against its chain's last event.

    Heads are read before the events, so a chain may have grown since its head was read: events
    written within `IN_FLIGHT` of the audit's start are left out of the head check.
    """
    records: dict[str, list[RecordHead]] = defaultdict(list)
    for head in heads:
        records[head.entity].append(head)
    findings: list[Finding] = []
    for entity in sorted(set(chains) | set(records)):
        links = chains.get(entity, {})
        findings.extend(_link_findings(entity, links))
        last = max(links, default=0)
        kept = records.get(entity, [])
        if not kept:
            findings.append(
                Finding(
                    kind=FindingKind.RECORD_MISSING,
                    entity=entity,
                    seq=last,
                    detail="The record's chain has events, but no record keeps its head: the record was "
                    "deleted, or its version and head removed.",
                    expected=f"a record at version {last}",
                    found="none",
                )
            )
            continue
        top = max(kept, key=lambda h: h.version)
        findings.extend(_head_findings(entity, links, top, started_at))
        for other in kept:  # an entity kept by several items (a roll entry in two programmes)
            if other is not top and other.version and (links.get(other.version) or _NO_LINK).hash != other.event_head:
                findings.append(_moved(entity, links, other, seq=other.version))
    return findings


_NO_LINK = Link(hash="", prev_hash=None, at=None, leaf_index=None)


def _link_findings(entity: str, links: Mapping[int, Link]) -> list[Finding]:
    findings: list[Finding] = []
    expected, prev = 1, GENESIS_HASH
    for seq in sorted(links):
        link = links[seq]
        if seq != expected:
            gone = str(expected) if seq - 1 == expected else f"{expected} to {seq - 1}"
            findings.append(
                Finding(
                    kind=FindingKind.EVENT_MISSING,
                    entity=entity,
                    seq=expected,
                    detail=f"Event {gone} of the record's chain is missing: deleted from the events table.",
                    expected=f"events 1 to {max(links)}",
                    found=f"the chain jumps from {expected - 1} to {seq}",
                )
            )
        elif link.prev_hash is not None and link.prev_hash != prev:
            findings.append(
                Finding(
                    kind=FindingKind.CHAIN_BROKEN,
                    entity=entity,
                    seq=seq,
                    leaf_index=link.leaf_index,
                    detail="The event does not link to the event before it.",
                    expected=prev,
                    found=link.prev_hash,
                )
            )
        expected, prev = seq + 1, link.hash
    return findings


def _head_findings(entity: str, links: Mapping[int, Link], head: RecordHead, started_at: datetime) -> list[Finding]:
    last = max(links, default=0)
    settled = last
    while settled > head.version and settled in links and _recent(links[settled].at, started_at):
        settled -= 1  # written while the audit ran: the head read earlier may not show it yet
    if settled in links and settled == head.version and links[settled].hash == head.event_head:
        return []
    if settled == 0 and head.version == 0 and head.event_head in (None, GENESIS_HASH):
        return []  # a record with no trail (a seeded programme, a roll entry never corrected)
    return [_moved(entity, links, head, seq=max(last, head.version))]


def _moved(entity: str, links: Mapping[int, Link], head: RecordHead, *, seq: int) -> Finding:
    last = max(links, default=0)
    last_hash = links[last].hash if last else None
    return Finding(
        kind=FindingKind.HEAD_MOVED,
        entity=entity,
        seq=seq,
        detail="The record's version and head do not name its chain's last event: the record was edited "
        "outside the audited path, or events were cut from its chain.",
        expected=f"version {last}, head {last_hash}",
        found=f"version {head.version}, head {head.event_head}",
    )


# ------------------------------------------------------------------ 1. the tree against checkpoints
class _Recomputed:
    """The tree the events make, node by node, computed only where the walk looks."""

    def __init__(self, leaves: Mapping[int, tuple[str, int, str]]) -> None:
        self._leaves = leaves
        self._memo: dict[Node, bytes] = {}

    def leaf(self, index: int) -> bytes:
        held = self._leaves.get(index)
        if held is None:
            return ABSENT
        try:
            return event_leaf(held[2])
        except ValueError:  # not a hash at all
            return ABSENT

    def node(self, node: Node) -> bytes:
        found = self._memo.get(node)
        if found is None:
            if node.level == 0:
                found = self.leaf(node.offset)
            else:
                below = node.level - 1
                found = merkle.node_hash(
                    self.node(Node(below, 2 * node.offset)), self.node(Node(below, 2 * node.offset + 1))
                )
            self._memo[node] = found
        return found

    def range(self, span: Range) -> bytes:
        return merkle.range_hash(span, self.node)


def recompute_roots(leaves: Mapping[int, tuple[str, int, str]], sizes: Collection[int]) -> dict[int, bytes]:
    """The root at each size, in one streaming pass over the leaves in index order (O(log n) state)."""
    wanted = set(sizes)
    roots = {0: merkle.EMPTY_ROOT} if 0 in wanted else {}
    tree = CompactRange()
    recomputed = _Recomputed(leaves)
    for index in range(max(wanted, default=0)):
        tree.append(recomputed.leaf(index))
        if tree.size in wanted:
            roots[tree.size] = tree.root()
    return roots


def leaf_findings(leaves: Mapping[int, tuple[str, int, str]], size: int) -> list[Finding]:
    """Leaf indexes below the checkpoint's size that no event carries, as runs of indexes."""
    findings: list[Finding] = []
    index = 0
    while index < size:
        if index in leaves:
            index += 1
            continue
        end = index
        while end < size and end not in leaves:
            end += 1
        span = str(index) if end - index == 1 else f"{index} to {end - 1}"
        findings.append(
            Finding(
                kind=FindingKind.LEAF_MISSING,
                leaf_index=index,
                detail=f"No event carries leaf {span}, which the signed checkpoint covers: the event was deleted, "
                "or its leaf index removed or changed.",
                expected=f"leaves 0 to {size - 1}",
                found=f"leaf {span} has no event",
            )
        )
        index = end
    return findings


def tree_findings(
    leaves: Mapping[int, tuple[str, int, str]],
    checkpoints: Sequence[Checkpoint],
    stored: NodeReader,
    *,
    limit: int = LOCATE_LIMIT,
) -> tuple[list[Finding], dict[int, bytes]]:
    """The tree the events make against each trusted checkpoint; returns the findings and the roots."""
    roots = recompute_roots(leaves, {c.tree_size for c in checkpoints})
    findings: list[Finding] = []
    if checkpoints:
        findings.extend(leaf_findings(leaves, max(c.tree_size for c in checkpoints)))
    recomputed = _Recomputed(leaves)
    for checkpoint in checkpoints:
        trusted = bytes.fromhex(checkpoint.root_hash)
        if checkpoint.tree_size == 0 or roots[checkpoint.tree_size] == trusted:
            continue
        findings.extend(_locate(checkpoint, trusted, leaves, recomputed, stored, limit))
    return findings, roots


def _locate(
    checkpoint: Checkpoint,
    root: bytes,
    leaves: Mapping[int, tuple[str, int, str]],
    recomputed: _Recomputed,
    stored: NodeReader,
    limit: int,
) -> list[Finding]:
    """Walks down from the signed root, one level (one batch of node reads) at a time, into the halves
    whose recomputed hash differs from the stored one; a stored pair counts only if it hashes to the
    already-trusted parent, so every leaf it names is one the checkpoint committed to."""
    size = checkpoint.tree_size
    findings: list[Finding] = []
    frontier: list[tuple[Range, bytes]] = [(Range(0, size), root)]
    left_out: Range | None = None  # the first differing range beyond the limit
    while frontier:
        room = limit - len(findings)
        if len(frontier) > room:  # at most `limit` paths are followed: the reads stay O(limit * log n)
            left_out = left_out or frontier[room][0]
            frontier = frontier[:room]
        splits = []
        for span, trusted in frontier:
            if span.end - span.start > 1:
                k = 1 << ((span.end - span.start - 1).bit_length() - 1)
                splits.append((span, trusted, Range(span.start, span.start + k), Range(span.start + k, span.end)))
                continue
            held = leaves.get(span.start)
            if held is not None:  # a leaf no event carries is a leaf_missing finding already
                findings.append(
                    Finding(
                        kind=FindingKind.LEAF_DIFFERS,
                        entity=held[0],
                        seq=held[1],
                        leaf_index=span.start,
                        detail=f"The event is not the one checkpoint {size} committed to at this leaf: it was "
                        "rewritten after it was logged.",
                        expected=trusted.hex(),
                        found=recomputed.leaf(span.start).hex(),
                    )
                )
        if not splits:
            break
        nodes = stored(merkle.nodes_of(r for _, _, left, right in splits for r in (left, right)))
        frontier = []
        for span, trusted, left, right in splits:
            try:
                left_hash, right_hash = merkle.range_hash(left, nodes), merkle.range_hash(right, nodes)
            except KeyError:
                findings.append(_unlocated(size, span, "nodes of the stored tree are missing"))
                continue
            if merkle.node_hash(left_hash, right_hash) != trusted:
                findings.append(_unlocated(size, span, "the stored tree was changed as well"))
                continue
            frontier.extend(
                (half, stored_hash)
                for half, stored_hash in ((left, left_hash), (right, right_hash))
                if recomputed.range(half) != stored_hash
            )
    if left_out is not None:
        findings.append(_unlocated(size, left_out, f"more leaves differ than one run names ({limit})"))
    return findings


def _unlocated(size: int, span: Range, why: str) -> Finding:
    return Finding(
        kind=FindingKind.TREE_DIFFERS,
        leaf_index=span.start,
        detail=f"Leaves {span.start} to {span.end - 1} differ from checkpoint {size}, and the events cannot be "
        f"named: {why}.",
        expected=f"the tree of checkpoint {size}",
        found=f"leaves {span.start} to {span.end - 1} differ",
    )


# ------------------------------------------------------------------ the trusted checkpoints
def checkpoint_findings(
    archived: Sequence[SignedCheckpoint], public_key: Any, key_id: str
) -> tuple[list[SignedCheckpoint], list[Finding]]:
    """The archived checkpoints whose signature verifies against the log's key: the trusted ones."""
    trusted: list[SignedCheckpoint] = []
    findings: list[Finding] = []
    log_id = log_id_of(public_key)
    for signed in archived:
        checkpoint = signed.checkpoint
        if signed.key_id == key_id and checkpoint.log_id == log_id and signed.verifies(public_key):
            trusted.append(signed)
            continue
        findings.append(
            Finding(
                kind=FindingKind.CHECKPOINT_INVALID,
                entity=f"checkpoint#{checkpoint.tree_size}",
                detail=f"The archived checkpoint at tree size {checkpoint.tree_size} is not signed by the log's key; "
                "it is not used.",
                expected=f"log {log_id}, key {key_id}",
                found=f"log {checkpoint.log_id}, key {signed.key_id}",
            )
        )
    return trusted, findings


def served_checkpoint_findings(served: SignedCheckpoint | None, archived: Sequence[SignedCheckpoint]) -> list[Finding]:
    """The table's latest checkpoint (what the routes serve) must be one the archive holds.

    The table is read before the archive and the checkpoint job archives first, so a checkpoint issued
    meanwhile is in the archive, never only in the table.
    """
    if served is None or not archived:
        return []
    newest = archived[0].checkpoint
    mine = served.checkpoint
    same = next(
        (a for a in archived if a.checkpoint.tree_size == mine.tree_size and a.checkpoint.issued_at == mine.issued_at),
        None,
    )
    if same == served:
        return []
    if same is None and (mine.tree_size, mine.issued_at) < (newest.tree_size, newest.issued_at):
        return []  # older than the archive's newest two: the routes lag behind, nothing is rewritten
    return [
        Finding(
            kind=FindingKind.CHECKPOINT_SERVED_DIFFERS,
            entity=f"checkpoint#{mine.tree_size}",
            detail="The checkpoint the public routes serve is not the archived one; the table's copy was changed.",
            expected=same.checkpoint.root_hash if same else "no such checkpoint in the archive",
            found=mine.root_hash,
        )
    ]


# ------------------------------------------------------------------ 3. the rolling sample
def next_sample(entities: Sequence[str], after: str | None, count: int) -> list[str]:
    """The `count` records after the cursor in name order, wrapping round; each at most once."""
    ordered = sorted(set(entities))
    if count <= 0 or not ordered:
        return []
    start = 0 if after is None else next((i for i, e in enumerate(ordered) if e > after), 0)
    return [ordered[(start + i) % len(ordered)] for i in range(min(count, len(ordered)))]


class _Stored(dict[Node, bytes]):
    def __missing__(self, node: Node) -> bytes:
        return ABSENT  # a node gone from the table makes the served proof fail, as it would for a client


def sample_nodes(sampled: Mapping[str, Sequence[StoredEvent]], tree_size: int) -> set[Node]:
    """Every stored node the sample's checks read: each covered event's leaf and audit path."""
    needed: set[Node] = set()
    for events in sampled.values():
        for event in events:
            if event.leaf_index is not None and event.leaf_index < tree_size:
                needed.add(Node(0, event.leaf_index))
                needed |= merkle.nodes_of(merkle.inclusion_ranges(event.leaf_index, tree_size))
    return needed


def sample_findings(
    sampled: Mapping[str, Sequence[StoredEvent]],
    checkpoint: SignedCheckpoint,
    nodes: Mapping[Node, bytes],
    now: datetime,
    already: Collection[tuple[str | None, int | None]] = (),
) -> list[Finding]:
    """Each sampled record's proof, as `core.transparency.record_proof` serves it, checked as a client
    would, and each covered event's stored leaf; events already named by another finding are left out."""
    size = checkpoint.checkpoint.tree_size
    root = bytes.fromhex(checkpoint.checkpoint.root_hash)
    stored = _Stored(nodes)
    findings: list[Finding] = []
    for entity in sorted(sampled):
        logged = []
        for event in sorted(sampled[entity], key=lambda e: e.seq):
            fields = _body_fields(event.body)
            if fields is None or not event.hash or (entity, event.seq) in already:
                continue
            try:
                logged.append(
                    LoggedEvent(event=AuditEvent(**{**fields, "hash": event.hash}), leaf_index=event.leaf_index)
                )
            except ValueError:
                continue  # not an event body: an event_altered or event_misplaced finding says so
        proof = record_proof(entity, logged, checkpoint, stored, now)
        for served in proof.events:
            if served.leaf_index is None or served.inclusion_proof is None:
                continue
            leaf = event_leaf(served.hash)
            if stored[Node(0, served.leaf_index)] != leaf:
                findings.append(
                    Finding(
                        kind=FindingKind.STORED_LEAF_DIFFERS,
                        entity=entity,
                        seq=served.seq,
                        leaf_index=served.leaf_index,
                        detail="The stored tree's leaf for this event is not SHA-256(0x00 || event hash).",
                        expected=leaf.hex(),
                        found=stored[Node(0, served.leaf_index)].hex(),
                    )
                )
            path = [bytes.fromhex(h) for h in served.inclusion_proof]
            if not merkle.verify_inclusion(leaf, served.leaf_index, size, path, root):
                findings.append(
                    Finding(
                        kind=FindingKind.PROOF_FAILS,
                        entity=entity,
                        seq=served.seq,
                        leaf_index=served.leaf_index,
                        detail=f"The inclusion proof the proof route serves for this event does not verify against "
                        f"checkpoint {size}.",
                        expected=checkpoint.checkpoint.root_hash,
                        found="a proof to another root",
                    )
                )
    return findings


# ------------------------------------------------------------------ the verdict
def distinct(findings: Iterable[Finding]) -> list[Finding]:
    """Each finding once (two checkpoints' walks may name the same leaf), in the order found."""
    seen: dict[str, Finding] = {}
    for finding in findings:
        seen.setdefault(finding.key, finding)
    return list(seen.values())


def findings_digest(keys: Iterable[str]) -> str:
    """Names a set of findings: the same set found again has the same name."""
    return hashlib.sha256("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:32]
