"""The hash chain: canonical JSON, links, and what tampering looks like."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.audit import GENESIS_HASH, Actor, AuditEvent, canonical_json, sha256_hex, verify_chain
from core.clock import IST

ACTOR = Actor(id="user:employee1", role="employee")


def chain(length: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    for seq in range(1, length + 1):
        events.append(
            AuditEvent.create(
                entity="registration#REG-1",
                seq=seq,
                type=f"step.{seq}",
                at=datetime(2026, 1, 20, 10, seq, tzinfo=IST),
                actor=ACTOR,
                prev_hash=events[-1].hash if events else GENESIS_HASH,
                data={"n": seq, "नाम": "सुनीता"},
            )
        )
    return events


def test_canonical_json_is_independent_of_key_order_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == '{"a":[1,{"c":3,"d":2}],"b":1}'
    assert canonical_json({"नाम": "सुनीता"}) == '{"नाम":"सुनीता"}'


def test_hash_is_sha256_of_the_canonical_body() -> None:
    event = chain(1)[0]
    assert event.hash == sha256_hex(event.body_json())
    assert '"prev_hash":"' + GENESIS_HASH in event.body_json()


def test_an_intact_chain_verifies() -> None:
    events = chain(4)
    verdict = verify_chain(events, expected_head=events[-1].hash)
    assert verdict.valid
    assert verdict.length == 4
    assert verdict.head_hash == events[-1].hash


def test_altered_content_breaks_the_chain_at_that_event() -> None:
    events = chain(4)
    events[1] = events[1].model_copy(update={"reason": "quietly changed"})
    verdict = verify_chain(events)
    assert not verdict.valid
    assert verdict.broken_at_seq == 2
    assert verdict.problem == "the event's content does not match its hash"


def test_a_rehashed_forgery_still_breaks_the_next_link() -> None:
    events = chain(3)
    forged = AuditEvent.create(
        entity="registration#REG-1",
        seq=2,
        type="step.2",
        at=events[1].at,
        actor=Actor(id="user:x", role="ddo"),
        prev_hash=events[0].hash,
        data=events[1].data,
    )
    verdict = verify_chain([events[0], forged, events[2]])
    assert not verdict.valid
    assert verdict.broken_at_seq == 3


@pytest.mark.parametrize("drop", [0, 1])
def test_a_removed_event_is_detected(drop: int) -> None:
    events = chain(3)
    del events[drop]
    assert verify_chain(events).broken_at_seq == drop + 1


def test_a_cut_tail_is_detected_against_the_records_head() -> None:
    events = chain(3)
    verdict = verify_chain(events[:2], expected_head=events[2].hash)
    assert not verdict.valid
    assert verdict.problem == "the record's latest event is missing from the history"
