"""An admin moves a deadline under a government order: validation, the audit chain, and the effect
on registration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from core.clock import IST, SettableClock
from register import handler as register_handler
from tests import factories
from tests.factories import REGISTRATION_CLOSES, VERIFICATION_CLOSES, employee
from tests.integration.conftest import Reply, call
from tests.integration.test_registration_journey import complete_draft, submit

pytestmark = pytest.mark.usefixtures("seeded")

ADMIN = factories.claims("admin1", "admin")
ORDER = {"order_ref": "HR/GAD/2026/17", "reason": "Server outage on 31 January in three districts."}
EXTENDED = "2026-02-07T23:59:59+05:30"
AFTER_CLOSE = datetime(2026, 2, 1, 10, 0, tzinfo=IST)


def change(as_: dict[str, str] = ADMIN, **body: Any) -> Reply:
    return call("PUT", "/v1/admin/windows", as_=as_, body={**ORDER, **body})


def caches_expire() -> None:
    """What 60 seconds (settings_cache_seconds) do in the cloud: the next read goes to the table."""
    register_handler.wiring.service._programmes._provider.clear_cache()


def test_an_extension_after_the_close_lets_a_draft_be_submitted_again(clock: SettableClock) -> None:
    # Given a complete draft on 1 February, when registration has closed
    reg_id, version = complete_draft()
    clock.set(AFTER_CLOSE, frozen=True)
    assert submit(reg_id, version).code == "registration_closed"
    # When the admin extends registration to 7 February under a government order
    extended = change(registration_closes_at=EXTENDED)
    assert extended.status == 200, extended.body
    assert extended.body["registration_closes_at"] == EXTENDED and extended.body["registration_open"] is True
    caches_expire()
    # Then the same draft is accepted, and the extension is on the programme's audited history
    assert submit(reg_id, version).status == 200
    history = call("GET", "/v1/admin/windows", as_=ADMIN).body
    assert history["version"] == 1 and history["chain_valid"] is True
    [event] = history["history"]
    assert event["type"] == "programme.windows_changed" and event["actor"] == "user:admin1"
    assert event["data"]["order_ref"] == ORDER["order_ref"] and event["reason"] == ORDER["reason"]
    assert event["data"]["changes"] == {
        "registration_closes_at": {"from": REGISTRATION_CLOSES.isoformat(), "to": EXTENDED}
    }


def test_every_change_links_to_the_last_and_a_stale_version_is_refused(clock: SettableClock) -> None:
    assert change(registration_closes_at=EXTENDED, version=0).status == 200
    assert change(verification_closes_at="2026-03-15T23:59:59+05:30", version=0).code == "version_conflict"
    assert change(verification_closes_at="2026-03-15T23:59:59+05:30", version=1).status == 200
    history = call("GET", "/v1/admin/windows", as_=ADMIN).body
    assert [e["seq"] for e in history["history"]] == [1, 2]
    assert history["history"][1]["prev_hash"] == history["history"][0]["hash"]
    assert history["chain_valid"] is True and history["version"] == 2


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"registration_closes_at": "2025-12-20T23:59:59+05:30"}, "closes before it opens (and is past)"),
        ({"registration_closes_at": "2026-01-19T23:59:59+05:30"}, "moved into the past"),
        ({"registration_closes_at": "2026-03-05T23:59:59+05:30"}, "after verification closes"),
        ({"verification_closes_at": VERIFICATION_CLOSES.isoformat()}, "no change at all"),
        ({}, "nothing to change"),
    ],
)
def test_windows_that_make_no_sense_are_refused_and_nothing_is_written(body: dict[str, str], why: str) -> None:
    reply = change(**body)
    assert reply.status == 422 and reply.code == "invalid_window", (why, reply.body)
    assert call("GET", "/v1/admin/windows", as_=ADMIN).body["version"] == 0


def test_only_an_admin_with_an_order_and_a_reason_may_move_a_deadline() -> None:
    for who in (employee(), factories.ddo(), factories.hod()):
        assert change(as_=who, registration_closes_at=EXTENDED).status == 403
        assert call("GET", "/v1/admin/windows", as_=who).status == 403
    assert call("PUT", "/v1/admin/windows", as_=ADMIN, body={"registration_closes_at": EXTENDED}).status == 422
    no_reason = call(
        "PUT",
        "/v1/admin/windows",
        as_=ADMIN,
        body={"registration_closes_at": EXTENDED, "order_ref": "X/1", "reason": ""},
    )
    assert no_reason.status == 422
    assert change(registration_closes_at=EXTENDED, note="x").status == 422  # unknown field
    assert change(registration_closes_at="next week").status == 422
    assert change(registration_closes_at="2026-02-07T23:59:59").status == 422  # no offset
    assert call("GET", "/v1/admin/windows", as_=ADMIN).body["version"] == 0
