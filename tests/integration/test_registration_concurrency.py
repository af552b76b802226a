"""Concurrent writers and the cost of each request in DynamoDB round trips."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from register import handler
from tests.factories import employee
from tests.integration.conftest import call
from tests.integration.test_registration_journey import (
    PDF,
    complete_draft,
    create,
    history,
    put_object,
    request_upload,
    submit,
)

pytestmark = pytest.mark.usefixtures("seeded")


def test_twenty_concurrent_submits_record_exactly_one_transition() -> None:
    # Given a complete draft at version v
    reg_id, version = complete_draft()
    # When 20 clients submit version v at once
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda _: submit(reg_id, version), range(20)))
    # Then one wins, the rest get 409, and the history holds one submission
    statuses = Counter(r.status for r in replies)
    assert statuses == {200: 1, 409: 19}
    assert {r.code for r in replies if r.status == 409} <= {"version_conflict", "invalid_state"}
    types = [e["type"] for e in history(reg_id).body["events"]]
    assert types.count("registration.submitted") == 1
    assert history(reg_id).body["chain"]["valid"] is True


def test_concurrent_creates_by_one_employee_make_one_registration() -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda _: create(), range(10)))
    created = [r for r in replies if r.status == 201]
    assert len(created) == 1
    assert all(r.code == "registration_exists" for r in replies if r.status != 201)
    assert call("GET", "/v1/me", as_=employee()).body["registration_id"] == created[0].body["registration_id"]


class RoundTrips:
    """Counts DynamoDB API calls made by the handler's clients (a botocore event hook)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: object, **_: object) -> None:
        self.calls.append(getattr(model, "name", "?"))

    def take(self) -> list[str]:
        taken, self.calls = self.calls, []
        return taken


@pytest.fixture
def round_trips() -> Iterator[RoundTrips]:
    counter = RoundTrips()
    aws = handler.wiring.aws
    for client in (aws.dynamodb, aws.resource("dynamodb").meta.client):
        client.meta.events.register("before-call.dynamodb", counter)
    call("GET", "/v1/programme", as_=employee())  # warm: the programme's settings are cached
    counter.take()
    yield counter


def test_round_trips_per_request(round_trips: RoundTrips) -> None:
    created = create()
    assert round_trips.take() == ["GetItem", "TransactWriteItems"]
    reg_id = created.body["registration_id"]
    call("PATCH", f"/v1/registrations/{reg_id}", as_=employee(), body={"version": 1, "family_id": "NEWFAM99"})
    assert round_trips.take() == ["Query", "TransactWriteItems"]
    request_upload(reg_id)
    assert round_trips.take() == ["TransactWriteItems"]
    call("GET", f"/v1/registrations/{reg_id}", as_=employee())
    assert round_trips.take() == ["Query"]
    grant = request_upload(reg_id)
    put_object(grant.body["upload"]["fields"]["key"], PDF)
    round_trips.take()
    call("POST", f"/v1/registrations/{reg_id}/documents/{grant.body['document_id']}/confirm", as_=employee())
    assert round_trips.take() == ["Query", "TransactWriteItems"]


def test_idempotency_adds_its_own_two_writes(round_trips: RoundTrips) -> None:
    reg_id, version = complete_draft()
    round_trips.take()
    submit(reg_id, version, key="k-1")
    calls = round_trips.take()
    business = [c for c in calls if c in ("Query", "TransactWriteItems")]
    assert business == ["Query", "TransactWriteItems"]
    assert Counter(calls) == Counter({"Query": 1, "TransactWriteItems": 1, "PutItem": 1, "UpdateItem": 1})
