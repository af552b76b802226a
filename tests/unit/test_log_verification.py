"""The client's checks (`anubandh verify`), with a local P-256 key standing in for KMS."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from core.audit import GENESIS_HASH, Actor, AuditEvent, LoggedEvent
from core.clock import IST
from core.kms_key import jwk_of
from core.log_verification import check_growth, check_record
from core.merkle import CompactRange, Node
from core.transparency import Checkpoint, SignedCheckpoint, event_leaf, log_id_of, record_proof

AT = datetime(2026, 1, 20, 11, 0, tzinfo=IST)
KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
JWKS = {"keys": [jwk_of(KEY.public_key(), "log-key")]}


def chain(entity: str, length: int, reason: str | None = None) -> list[AuditEvent]:
    events, prev = [], GENESIS_HASH
    for seq in range(1, length + 1):
        event = AuditEvent.create(
            entity=entity, seq=seq, type="registration.updated", at=AT + timedelta(minutes=seq),
            actor=Actor(id="user:emp-0001", role="employee"), prev_hash=prev, data={"n": seq}, reason=reason,
        )  # fmt: skip
        events.append(event)
        prev = event.hash
    return events


class Log:
    """A log as the sequencer keeps it: every complete subtree, and checkpoints signed by a key."""

    def __init__(self) -> None:
        self.tree = CompactRange()
        self.nodes: dict[Node, bytes] = {}

    def append(self, events: list[AuditEvent]) -> list[LoggedEvent]:
        logged = []
        for event in events:
            logged.append(LoggedEvent(event=event, leaf_index=self.tree.size))
            self.nodes.update(self.tree.append(event_leaf(event.hash)))
        return logged

    def checkpoint(self, key: ec.EllipticCurvePrivateKey = KEY, kid: str = "log-key") -> SignedCheckpoint:
        checkpoint = Checkpoint(
            log_id=log_id_of(KEY.public_key()), tree_size=self.tree.size, root_hash=self.tree.root().hex(), issued_at=AT
        )
        signature = key.sign(checkpoint.signed_bytes(), ec.ECDSA(hashes.SHA256()))
        return SignedCheckpoint(checkpoint=checkpoint, key_id=kid, signature=base64.b64encode(signature).decode())


def proof_of(entity: str = "registration#REG-1", length: int = 5) -> tuple[dict[str, Any], Log]:
    log = Log()
    log.append(chain("grievance#GRV-0", 3))  # others' events around it
    logged = log.append(chain(entity, length))
    log.append(chain("grievance#GRV-9", 2))
    proof = record_proof(entity, logged, log.checkpoint(), log.nodes, AT).model_dump(mode="json")
    return json.loads(json.dumps(proof)), log  # exactly what crosses the wire


def test_an_untouched_record_verifies() -> None:
    proof, _ = proof_of()
    verdict = check_record(proof, JWKS, record_id="REG-1")
    assert verdict.ok and verdict.covered == verdict.events == 5 and not verdict.findings


def _findings(proof: dict[str, Any], jwks: dict[str, Any] = JWKS) -> list[tuple[int | None, str]]:
    return [(f.seq, f.problem) for f in check_record(proof, jwks, record_id="REG-1").findings]


def test_an_altered_event_text_is_found() -> None:
    proof, _ = proof_of()
    proof["events"][2]["body"] = proof["events"][2]["body"].replace('"n":3', '"n":4')
    assert (3, "the event's content does not match its hash") in _findings(proof)


def test_a_rewritten_chain_with_fresh_hashes_is_not_in_the_signed_log() -> None:
    # Given the record's whole chain rewritten, every hash and link recomputed (it verifies on its own)
    proof, _ = proof_of()
    for event, forged in zip(proof["events"], chain("registration#REG-1", 5, reason="rewritten"), strict=True):
        event["body"], event["hash"] = forged.body_json(), forged.hash
    # Then no event of it is what the checkpoint signed
    assert _findings(proof) == [(seq, "the event is not in the log the checkpoint signs") for seq in range(1, 6)]


def test_a_removed_event_breaks_the_chain() -> None:
    proof, _ = proof_of()
    del proof["events"][1]
    problems = _findings(proof)
    assert (3, "expected event 2 here") in problems
    assert (3, "the link to the previous event does not match") in problems


def test_a_checkpoint_signed_by_another_key_or_altered_is_refused() -> None:
    proof, log = proof_of()
    proof["checkpoint"] = log.checkpoint(OTHER_KEY).model_dump(mode="json")
    assert _findings(proof) == [(None, "the checkpoint's signature does not verify with the published key")]
    proof["checkpoint"] = log.checkpoint(kid="unknown").model_dump(mode="json")
    assert "which the published keys do not hold" in _findings(proof)[0][1]
    proof, _ = proof_of()
    proof["checkpoint"]["checkpoint"]["tree_size"] += 1
    assert _findings(proof)[0][1] == "the checkpoint's signature does not verify with the published key"


def test_a_proof_for_another_record_or_a_damaged_path_is_refused() -> None:
    proof, _ = proof_of("registration#REG-2")
    assert (None, "the proof is for 'registration#REG-2', not for REG-1") in _findings(proof)
    proof, _ = proof_of()
    proof["events"][0]["inclusion_proof"][0] = "00" * 32
    proof["events"][1]["inclusion_proof"] = ["not hex"]
    assert [seq for seq, _ in _findings(proof)] == [1, 2]


def test_pending_events_are_no_finding_but_nothing_covered_is_not_verified() -> None:
    proof, _ = proof_of()
    for event in proof["events"][3:]:
        event["inclusion_proof"], event["pending_until"] = None, "2026-01-20T12:00:00+05:30"
    verdict = check_record(proof, JWKS)
    assert verdict.ok and verdict.covered == 3 and verdict.pending_until == "2026-01-20T12:00:00+05:30"
    proof["checkpoint"] = None
    verdict = check_record(proof, JWKS)
    assert not verdict.ok and not verdict.findings


@pytest.mark.parametrize("grown", [0, 1, 7])
def test_a_log_that_only_grew_is_consistent(grown: int) -> None:
    _, log = proof_of()
    old = log.checkpoint()
    log.append(chain("grievance#GRV-5", grown))
    new = log.checkpoint()
    from core import merkle  # noqa: PLC0415 - the server's side of the proof

    ranges = merkle.consistency_ranges(old.checkpoint.tree_size, new.checkpoint.tree_size)
    proof = [merkle.range_hash(r, log.nodes).hex() for r in ranges]
    assert check_growth(old.model_dump(mode="json"), new.model_dump(mode="json"), proof, JWKS) == []


def test_a_forked_or_shrunk_log_is_found() -> None:
    _, log = proof_of()
    old = log.checkpoint()
    fork = Log()
    fork.append(chain("registration#REG-1", 12))  # a different history of more leaves
    forked = fork.checkpoint()
    problems = check_growth(old.model_dump(mode="json"), forked.model_dump(mode="json"), [], JWKS)
    assert problems == [f"the log at 12 leaves does not contain the log at {old.checkpoint.tree_size} unchanged"]
    shrunk = check_growth(old.model_dump(mode="json"), Log().checkpoint().model_dump(mode="json"), [], JWKS)
    assert shrunk == [f"the log shrank from {old.checkpoint.tree_size} to 0 leaves"]
