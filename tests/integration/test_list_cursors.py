"""A list's `?cursor=` is opaque to clients and checked by the server: a cursor the list could not
have given out is 400 `invalid_cursor`, never a DynamoDB error (a cursor with an extra key once
reached botocore, which refused the ExclusiveStartKey: a 500) and never another queue's page."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from core.http import encode_cursor
from tests import factories
from tests.factories import employee
from tests.integration.conftest import call
from tests.integration.test_registration_journey import create

pytestmark = pytest.mark.usefixtures("seeded")

ADMIN = factories.claims("admin1", "admin")

# Each list, its caller, and a position of the shape its Query gives out (the table's and the index's keys).
LISTS = {
    "verifications": (
        "/v1/verifications",
        factories.ddo("DDO-PKL-001"),
        {"pk": "REG-0", "sk": "REGISTRATION", "queue_ddo": "DDO-PKL-001", "queue_sort": "0#"},
        "queue_ddo",
    ),
    "grievances": (
        "/v1/grievances",
        employee("EMP-0001"),
        {"pk": "GRV-0", "sk": "GRIEVANCE", "employee_key": "EMP-0001", "filed_sort": "2026"},
        "employee_key",
    ),
    "corrections": (
        "/v1/roll/corrections",
        factories.ddo("DDO-PKL-001"),
        {"pk": "COR-0", "queue_ddo": "DDO-PKL-001", "queue_sort": "0#"},
        "queue_ddo",
    ),
    "audits": ("/v1/admin/transparency/audits", ADMIN, {"pk": "run", "sk": "2026"}, "pk"),
}


def _cursor(position: dict[str, Any]) -> str:
    return encode_cursor({name: value if isinstance(value, dict) else {"S": value} for name, value in position.items()})


def _raw(text: bytes) -> str:
    return base64.urlsafe_b64encode(text).decode()


def _forgeries(position: dict[str, str], partition: str) -> dict[str, str]:
    first = next(iter(position))
    return {
        "extra key": _cursor({**position, "status": "VERIFIED"}),
        "missing key": _cursor({k: v for k, v in position.items() if k != first}),
        "another queue": _cursor({**position, partition: "DDO-HSR-001" if partition != "pk" else "notified"}),
        "number as a string value": _cursor({**position, first: {"S": 5}}),
        "not a number": _cursor({**position, first: {"N": "5; DROP"}}),
        "two types": _cursor({**position, first: {"S": "a", "N": "1"}}),
        "a list": _raw(json.dumps([position]).encode()),
        "not json": _raw(b"\xff\xfe not json"),
        "not base64": "%%%not-base64%%%",
        "a bare number": _raw(json.dumps({**position, first: 12345}).encode()),
    }


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_cursor_the_list_could_have_given_out_is_taken(name: str) -> None:
    path, caller, position, _ = LISTS[name]
    reply = call("GET", path, as_=caller, query=f"cursor={_cursor(position)}")
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_forged_cursor_is_a_400_invalid_cursor(name: str) -> None:
    path, caller, position, partition = LISTS[name]
    answers = {
        forgery: call("GET", path, as_=caller, query=f"cursor={cursor}")
        for forgery, cursor in _forgeries(position, partition).items()
    }
    wrong = {
        forgery: (r.status, r.code) for forgery, r in answers.items() if (r.status, r.code) != (400, "invalid_cursor")
    }
    assert wrong == {}


def test_a_history_cursor_is_a_position_in_the_chain_and_nothing_else() -> None:
    registration = create(employee())
    assert registration.status == 201, registration.body
    path = f"/v1/registrations/{registration.body['registration_id']}/history"
    assert call("GET", path, as_=employee(), query=f"cursor={encode_cursor({'after': 0})}").status == 200
    for forged in ({"after": -1}, {"after": "1"}, {"after": True}, {"after": 1, "x": 1}, {"after": 2**70}, {}):
        reply = call("GET", path, as_=employee(), query=f"cursor={encode_cursor(forged)}")
        assert (reply.status, reply.code) == (400, "invalid_cursor"), forged
