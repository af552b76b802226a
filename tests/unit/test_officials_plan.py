"""What an imported line changes against the stored official, and the one transaction recording it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from core.audit import GENESIS_HASH, Actor, AuditEvent, verify_chain
from core.auth import Role
from core.identity import Official
from core.officials import ChangeKind, NothingToDisable, disabling, plan, record
from core.store.directory import DirectoryStore, StoredOfficial
from core.store.events import EventStore

AT = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
OPERATOR = Actor(id="operator:arn:aws:iam::123456789012:user/ops", role="operator")
DDO = Official(
    username="ddo.pkl1",
    name="Ramesh Kumar",
    email="ramesh@hry.gov.in",
    mobile="9876500001",
    role=Role.DDO,
    ddo_code="DDO-PKL-001",
)


def stored(official: Official = DDO, version: int = 1) -> StoredOfficial:
    return StoredOfficial(official=official, sub="sub-ddo", version=version, event_head="a" * 64)


def test_a_new_official_is_created_with_their_scope_and_masked_contacts() -> None:
    change = plan(None, DDO)
    assert change.kind == ChangeKind.CREATED
    assert change.event_type == "official.created"
    assert change.data == {
        "official": {
            "role": "ddo",
            "ddo_code": "DDO-PKL-001",
            "name": "Ramesh Kumar",
            "email": "r***@hry.gov.in",
            "mobile": "98******01",
        }
    }
    assert change.summary() == "new ddo ddo_code DDO-PKL-001"


def test_the_same_official_again_is_unchanged() -> None:
    change = plan(stored(), DDO)
    assert change.kind == ChangeKind.UNCHANGED
    assert change.data == {}
    assert change.summary() == "unchanged"


def test_a_move_to_another_office_is_a_scope_change_with_the_old_and_new_scope() -> None:
    change = plan(stored(), DDO.model_copy(update={"ddo_code": "DDO-HSR-001"}))
    assert change.kind == ChangeKind.UPDATED
    assert change.event_type == "official.scope_changed"
    assert change.data == {
        "scope": {"from": {"role": "ddo", "ddo_code": "DDO-PKL-001"}, "to": {"role": "ddo", "ddo_code": "DDO-HSR-001"}}
    }
    assert change.summary() == "ddo ddo_code DDO-PKL-001 -> ddo ddo_code DDO-HSR-001"


def test_a_new_role_is_a_scope_change_too() -> None:
    hod = DDO.model_copy(update={"role": Role.HOD, "ddo_code": None, "department": "Health"})
    change = plan(stored(), hod)
    assert change.data["scope"] == {
        "from": {"role": "ddo", "ddo_code": "DDO-PKL-001"},
        "to": {"role": "hod", "department": "Health"},
    }


def test_new_contact_details_are_recorded_masked() -> None:
    change = plan(stored(), DDO.model_copy(update={"mobile": "9812345678", "name": "Ramesh K."}))
    assert change.event_type == "official.details_changed"
    assert change.data == {
        "details": {
            "name": {"from": "Ramesh Kumar", "to": "Ramesh K."},
            "mobile": {"from": "98******01", "to": "98******78"},
        }
    }
    assert "9812345678" not in json.dumps(change.data)
    assert change.summary() == "name, mobile changed"


def test_disabling_and_enabling() -> None:
    off = plan(stored(), DDO.model_copy(update={"active": False}))
    assert (off.kind, off.event_type, off.data) == (
        ChangeKind.DISABLED,
        "official.disabled",
        {"active": {"from": True, "to": False}},
    )
    assert disabling(stored()) == off
    on = plan(stored(DDO.model_copy(update={"active": False})), DDO)
    assert (on.kind, on.event_type, on.summary()) == (ChangeKind.ENABLED, "official.enabled", "enabled")


def test_disabling_somebody_never_imported_is_refused() -> None:
    with pytest.raises(NothingToDisable, match=r"ddo\.pkl1 is not an official yet"):
        plan(None, DDO.model_copy(update={"active": False}))


def test_a_change_is_the_record_the_link_and_the_next_event_in_one_transaction() -> None:
    directory, events = DirectoryStore(None, "directory"), EventStore(None, "events")
    # Given a new official, recorded
    created, first = record(
        plan(None, DDO),
        sub="sub-ddo",
        at=AT,
        actor=OPERATOR,
        reason="posting order 12",
        directory=directory,
        events=events,
    )
    assert [(item.name, item.operation) for item in created] == [
        ("official", "Put"),
        ("identity_link", "Update"),
        ("event", "Put"),
    ]
    assert first.version == 1
    # When they are moved, the next event links to the first
    moved, second = record(
        plan(first, DDO.model_copy(update={"ddo_code": "DDO-HSR-001"})),
        sub="sub-ddo",
        at=AT,
        actor=OPERATOR,
        reason=None,
        directory=directory,
        events=events,
    )
    assert second.version == 2
    assert moved[0].request["ConditionExpression"] == "version = :expected"
    bodies = [json.loads(items[2].request["Item"]["body"]["S"]) for items in (created, moved)]
    assert [(b["seq"], b["type"], b["actor"]["id"]) for b in bodies] == [
        (1, "official.created", OPERATOR.id),
        (2, "official.scope_changed", OPERATOR.id),
    ]
    assert bodies[0]["prev_hash"] == GENESIS_HASH and bodies[0]["reason"] == "posting order 12"
    assert second.event_head == moved[2].request["Item"]["hash"]["S"]


def link_update(before: StoredOfficial | None, after: Official) -> dict[str, Any]:
    """The update of the `sub#` link that saving `after` over `before` makes."""
    version = before.version + 1 if before else 1
    items = DirectoryStore(None, "d").save_official(
        before, StoredOfficial(official=after, sub="s", version=version), at=AT
    )
    request: dict[str, Any] = items[1].request
    return request


def ends_sessions(before: StoredOfficial | None, after: Official) -> bool:
    return "tokens_valid_after" in link_update(before, after)["ExpressionAttributeNames"].values()


def test_the_link_ends_sessions_only_when_the_official_is_disabled_or_enabled_again() -> None:
    disabled = DDO.model_copy(update={"active": False})
    assert not ends_sessions(None, DDO)
    assert not ends_sessions(stored(), DDO.model_copy(update={"ddo_code": "DDO-HSR-001"}))
    assert ends_sessions(stored(), disabled)
    # A token from before the disable must not come back to life when the official is enabled again
    assert ends_sessions(stored(disabled), DDO)


def test_a_role_without_a_scope_attribute_removes_the_old_one_from_the_link() -> None:
    admin = DDO.model_copy(update={"role": Role.ADMIN, "ddo_code": None})
    update = link_update(stored(), admin)
    removed = update["UpdateExpression"].split(" REMOVE ")[1].split(", ")
    assert "ddo_code" in {update["ExpressionAttributeNames"][alias] for alias in removed}


def test_an_unchanged_official_has_nothing_to_record() -> None:
    with pytest.raises(ValueError, match="nothing to record"):
        record(
            plan(stored(), DDO),
            sub="s",
            at=AT,
            actor=OPERATOR,
            reason=None,
            directory=DirectoryStore(None, "d"),
            events=EventStore(None, "e"),
        )


def test_the_events_of_a_change_make_a_chain_that_verifies() -> None:
    directory, events = DirectoryStore(None, "directory"), EventStore(None, "events")
    items, first = record(
        plan(None, DDO), sub="s", at=AT, actor=OPERATOR, reason=None, directory=directory, events=events
    )
    later, _ = record(disabling(first), sub="s", at=AT, actor=OPERATOR, reason=None, directory=directory, events=events)
    chain = [
        AuditEvent(**json.loads(batch[2].request["Item"]["body"]["S"]), hash=batch[2].request["Item"]["hash"]["S"])
        for batch in (items, later)
    ]
    assert verify_chain(chain).valid
