"""What a client checks without trusting the server: a record's proof and the log's growth.

Pure: it takes the JSON the public routes answer and a JWKS the checker already holds, and says
what, if anything, does not add up. The CLI (`anubandh verify`) and the tests use it; so can anyone
with this package, offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from core import merkle
from core.audit import GENESIS_HASH, sha256_hex
from core.kms_key import key_from_jwks
from core.transparency import SignedCheckpoint, event_leaf


class Finding(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    seq: int | None = None
    problem: str


class RecordVerdict(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    entity: str
    events: int
    covered: int
    tree_size: int | None
    issued_at: str | None
    pending_until: str | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """Nothing wrong, and a signed checkpoint vouches for at least one event."""
        return not self.findings and self.covered > 0


def _hex32(value: Any) -> bytes:
    if not isinstance(value, str) or len(value) != 64:
        raise ValueError("not a 64-digit hex SHA-256")
    return bytes.fromhex(value)


def checkpoint_problems(
    signed: Mapping[str, Any] | None, jwks: Mapping[str, Any]
) -> tuple[SignedCheckpoint | None, list[str]]:
    """The checkpoint, if its shape is right and its signature verifies with a key of the JWKS."""
    if signed is None:
        return None, ["no signed checkpoint covers this record yet"]
    try:
        checkpoint = SignedCheckpoint.model_validate(signed)
        key = key_from_jwks(jwks, checkpoint.key_id)
    except (ValidationError, ValueError) as error:
        return None, [f"the checkpoint is malformed: {error.__class__.__name__}"]
    if key is None:
        return None, [f"the checkpoint is signed by key {checkpoint.key_id}, which the published keys do not hold"]
    if not checkpoint.verifies(key):
        return None, ["the checkpoint's signature does not verify with the published key"]
    return checkpoint, []


def check_record(proof: Mapping[str, Any], jwks: Mapping[str, Any], *, record_id: str | None = None) -> RecordVerdict:
    entity = str(proof.get("entity", ""))
    findings: list[Finding] = []
    if record_id is not None and entity.rsplit("#", 1)[-1] != record_id:
        findings.append(Finding(problem=f"the proof is for {entity!r}, not for {record_id}"))
    checkpoint: SignedCheckpoint | None = None
    if proof.get("checkpoint") is not None:  # none yet: every event is pending, which is no finding
        checkpoint, problems = checkpoint_problems(proof["checkpoint"], jwks)
        findings.extend(Finding(problem=p) for p in problems)
    events: Sequence[Mapping[str, Any]] = proof.get("events") or []
    previous, covered, pending_until = GENESIS_HASH, 0, None
    for position, event in enumerate(events, start=1):
        try:
            body = json.loads(str(event["body"]))
            seq = int(body["seq"])
        except (KeyError, TypeError, ValueError):
            findings.append(Finding(seq=position, problem="the event is malformed"))
            continue
        if seq != position:
            findings.append(Finding(seq=seq, problem=f"expected event {position} here"))
        if body.get("entity") != entity:
            findings.append(Finding(seq=seq, problem="the event belongs to another record"))
        if sha256_hex(str(event["body"])) != event.get("hash"):
            findings.append(Finding(seq=seq, problem="the event's content does not match its hash"))
        if body.get("prev_hash") != previous:
            findings.append(Finding(seq=seq, problem="the link to the previous event does not match"))
        previous = str(event.get("hash"))
        path = event.get("inclusion_proof")
        if path is None:
            pending_until = pending_until or event.get("pending_until")
            continue
        if checkpoint is None:
            continue
        try:
            included = merkle.verify_inclusion(
                event_leaf(str(event["hash"])),
                int(event["leaf_index"]),
                checkpoint.checkpoint.tree_size,
                [_hex32(h) for h in path],
                bytes.fromhex(checkpoint.checkpoint.root_hash),
            )
        except (KeyError, TypeError, ValueError):
            included = False
        if included:
            covered += 1
        else:
            findings.append(Finding(seq=seq, problem="the event is not in the log the checkpoint signs"))
    return RecordVerdict(
        entity=entity,
        events=len(events),
        covered=covered,
        tree_size=checkpoint.checkpoint.tree_size if checkpoint else None,
        issued_at=checkpoint.checkpoint.issued_at.isoformat() if checkpoint else None,
        pending_until=pending_until,
        findings=findings,
    )


def check_growth(
    old: Mapping[str, Any], new: Mapping[str, Any], proof: Sequence[str], jwks: Mapping[str, Any]
) -> list[str]:
    """Problems with the claim that `new` extends `old` append-only (empty: it does)."""
    earlier, problems = checkpoint_problems(old, jwks)
    later, more = checkpoint_problems(new, jwks)
    problems = [f"saved checkpoint: {p}" for p in problems] + [f"current checkpoint: {p}" for p in more]
    if earlier is None or later is None:
        return problems
    a, b = earlier.checkpoint, later.checkpoint
    if a.log_id != b.log_id:
        return [f"the checkpoints are of different logs ({a.log_id[:12]}… and {b.log_id[:12]}…)"]
    if b.tree_size < a.tree_size:
        return [f"the log shrank from {a.tree_size} to {b.tree_size} leaves"]
    try:
        hashes = [_hex32(h) for h in proof]
    except ValueError:
        return ["the consistency proof is malformed"]
    if a.tree_size == 0:
        return []  # every log extends the empty one
    if not merkle.verify_consistency(
        a.tree_size, b.tree_size, bytes.fromhex(a.root_hash), bytes.fromhex(b.root_hash), hashes
    ):
        return [f"the log at {b.tree_size} leaves does not contain the log at {a.tree_size} unchanged"]
    return []
