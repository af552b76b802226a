"""A cancelled transaction raises the typed refusal its failed item carries (core.store.dynamo.TxItem.refusal),
given that item as it stands; an item without one still raises ConditionFailed for its store. No I/O:
a stub client cancels every transaction for the reasons given. A recorded change (core.recorder) is refused
as a VersionConflict of its record whichever of its record's items failed: the stores gave them that refusal."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from core.audit import Actor
from core.errors import RegistrationExists, VersionConflict
from core.recorder import ChangeRecorder
from core.registration import RegistrationStatus
from core.store import dynamo
from core.store.counters import CounterStore
from core.store.events import EventStore
from core.store.registrations import RegistrationStore
from tests.unit.test_decision_rules import IN_WINDOW, registration


class _Cancelling:
    """A DynamoDB client that cancels each transaction: one reason per item, with the failed item's image."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        self.reasons = reasons
        self.requests: list[dict[str, Any]] = []

    def transact_write_items(self, **request: Any) -> None:
        self.requests.append(request)
        response: dict[str, Any] = {
            "Error": {"Code": "TransactionCanceledException", "Message": "m"},
            "CancellationReasons": self.reasons,
        }
        raise ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]


NONE = {"Code": "None"}
FAILED_WITH_LINK = {"Code": "ConditionalCheckFailed", "Item": {"registration_id": {"S": "REG-1"}}}


def _link() -> dynamo.TxItem:
    return dynamo.TxItem(
        name="roll",
        operation="Update",
        request={"TableName": "roll", "Key": {}, "ConditionExpression": "attribute_not_exists(registration_id)"},
        refusal=lambda current: RegistrationExists(registration_id=(current or {}).get("registration_id")),
    )


def test_the_failed_items_refusal_is_raised_with_the_item_as_it_stands() -> None:
    # Given a transaction whose second item, which carries a refusal, fails its condition
    client = _Cancelling([NONE, FAILED_WITH_LINK])
    # When it is written
    with pytest.raises(RegistrationExists) as refused:
        dynamo.transact_write(client, [dynamo.put_new("registration", "r", {"pk": {"S": "a"}}), _link()])
    # Then the refusal names what the failed item holds, after one round trip (a refusal is not retried)
    assert refused.value.params == {"registration_id": "REG-1"}
    assert len(client.requests) == 1


def test_an_item_without_a_refusal_still_raises_condition_failed_naming_it() -> None:
    # Given a transaction whose first item, which carries no refusal, fails its condition
    client = _Cancelling([{"Code": "ConditionalCheckFailed", "Item": {"version": {"N": "3"}}}, NONE])
    # When it is written, then its store learns which item failed and how it stands
    with pytest.raises(dynamo.ConditionFailed) as failed:
        dynamo.transact_write(client, [dynamo.put_new("registration", "r", {"pk": {"S": "a"}}), _link()])
    assert (failed.value.name, failed.value.current) == ("registration", {"version": 3})


def test_a_record_changed_meanwhile_is_a_version_conflict_naming_its_version() -> None:
    # Given a conditioned write refused as a change made meanwhile, and a record now at version 5
    client = _Cancelling([{"Code": "ConditionalCheckFailed", "Item": {"version": {"N": "5"}}}])
    item = dynamo.put_if_version("programme", "s", {"pk": {"S": "p"}}, 4).refused_as(
        dynamo.changed_meanwhile("programme")
    )
    # When it is written, then the answer is a version conflict that says where the record is now
    with pytest.raises(VersionConflict) as conflict:
        dynamo.transact_write(client, [item])
    assert conflict.value.params == {"record": "programme", "current_version": 5}


def test_a_refusal_does_not_change_what_is_sent() -> None:
    # Given the same write with and without a refusal, then DynamoDB is sent the very same request
    plain = dynamo.put_new("registration", "r", {"pk": {"S": "a"}})
    assert plain.refused_as(dynamo.changed_meanwhile("registration")).to_api() == plain.to_api()


# ---------------------------------------------------------------- a recorded change: no look at which item failed
IMAGE_MOVED = {"Code": "ConditionalCheckFailed", "Item": {"version": {"N": "8"}}}
LINK_TAKEN = {"Code": "ConditionalCheckFailed", "Item": {"pk": {"S": "registration#REG-1"}, "seq": {"N": "8"}}}


@pytest.mark.parametrize(
    ("reasons", "current_version"),
    [([IMAGE_MOVED], 8), ([NONE, LINK_TAKEN], None)],
    ids=["its image moved", "its next link exists"],
)
def test_a_recorded_change_that_lost_a_race_is_a_version_conflict_of_its_record(
    reasons: list[dict[str, Any]], current_version: int | None
) -> None:
    # Given a registration read at version 7, changed meanwhile by someone else
    client = _Cancelling(reasons)
    recorder = ChangeRecorder(RegistrationStore(None, "r"), EventStore(client, "e"), CounterStore(None, "c"))
    read = registration(RegistrationStatus.SUBMITTED)
    # When a decision is recorded over it, through the events store (the recorder holds no client)
    with pytest.raises(VersionConflict) as conflict:
        recorder.record(
            before=read,
            after=read.model_copy(update={"status": RegistrationStatus.VERIFIED}),
            event_type="registration.verified",
            actor=Actor(id="ddo", role="ddo"),
            at=IN_WINDOW,
        )
    # Then whichever of the record's items failed, the answer is the record's conflict, in one round trip
    assert conflict.value.params == {"record": "registration", "current_version": current_version}
    assert len(client.requests) == 1
