"""A cancelled transaction raises the typed refusal its failed item carries (core.store.dynamo.TxItem.refusal),
given that item as it stands; an item without one still raises ConditionFailed for its recorder. No I/O:
a stub client cancels every transaction for the reasons given."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from core.errors import RegistrationExists, VersionConflict
from core.store import dynamo


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
    # When it is written, then its recorder learns which item failed and how it stands
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
