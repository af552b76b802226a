"""Where the local stack makes moto behave as AWS does: these pin each fix."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.template import LocalContext


def _put(client: object, table: str, pk: str, seq: int, text: str) -> None:
    client.put_item(TableName=table, Item={"pk": {"S": pk}, "seq": {"N": str(seq)}, "text": {"S": text}})  # type: ignore[attr-defined]


def test_a_failed_transaction_changes_nothing_it_named_or_did_not_name(stack: LocalContext) -> None:
    # Given two records' events, one of which the transaction will update before it fails
    client = boto3.client("dynamodb")
    table = stack.physical["EventsTable"]["Ref"]
    _put(client, table, "a", 1, "first")
    _put(client, table, "a", 2, "second")
    _put(client, table, "b", 1, "untouched")
    # When a transaction updates a#1, puts a#3, deletes a#2 and then fails its last condition
    with pytest.raises(ClientError, match="TransactionCanceled"):
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "a"}, "seq": {"N": "1"}},
                        "UpdateExpression": "SET #t = :t",
                        "ExpressionAttributeNames": {"#t": "text"},
                        "ExpressionAttributeValues": {":t": {"S": "changed"}},
                    }
                },
                {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}, "seq": {"N": "3"}}}},
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "a"}, "seq": {"N": "2"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": "b"}, "seq": {"N": "1"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    # Then every item is as it was, and the table still serves reads and writes
    items = client.scan(TableName=table)["Items"]
    assert sorted((i["pk"]["S"], int(i["seq"]["N"]), i["text"]["S"]) for i in items) == [
        ("a", 1, "first"),
        ("a", 2, "second"),
        ("b", 1, "untouched"),
    ]
    _put(client, table, "b", 2, "after")
    assert client.get_item(TableName=table, Key={"pk": {"S": "b"}, "seq": {"N": "2"}})["Item"]["text"]["S"] == "after"
