"""Where the local stack makes moto behave as AWS does: these pin each fix."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.template import LocalContext

TRANSACTIONS = 60  # per thread


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


def test_concurrent_requests_neither_hide_nor_lose_items_around_failed_transactions(stack: LocalContext) -> None:
    # moto's DynamoDB backend is not thread-safe and its server is threaded: serialize_dynamodb gives
    # each request DynamoDB's isolation. Without it this fails (a transaction's rollback restores a
    # table over a concurrent write; the cheap rollback's copy hook is taken from under another one).
    # Given a directory link every request reads
    table = stack.physical["DirectoryTable"]["Ref"]
    fixed = {"pk": {"S": "sub#fixed"}}
    boto3.client("dynamodb").put_item(TableName=table, Item={**fixed, "role": {"S": "employee"}})

    def fail_transactions(n: int) -> int:
        client = boto3.client("dynamodb")
        for k in range(TRANSACTIONS):
            with pytest.raises(ClientError, match="TransactionCanceled"):
                client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": table, "Item": {"pk": {"S": f"tx#{n}-{k}"}}}},
                        {
                            "ConditionCheck": {
                                "TableName": table,
                                "Key": fixed,
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                    ]
                )
        return 0

    def write(n: int) -> int:
        client = boto3.client("dynamodb")
        for k in range(TRANSACTIONS):
            client.put_item(TableName=table, Item={"pk": {"S": f"write#{n}-{k}"}})
        return 0

    def read(_: int) -> int:
        client = boto3.client("dynamodb")
        answers = [client.get_item(TableName=table, Key=fixed, ConsistentRead=True) for _ in range(TRANSACTIONS)]
        return sum("Item" not in answer for answer in answers)

    # When threads fail transactions on it, write other items and read it, all at once (switching
    # threads as often as Python can, so requests interleave)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            works = [fail_transactions] * 3 + [write] * 3 + [read] * 2
            runs = [pool.submit(work, n) for n, work in enumerate(works)]
            misses = sum(run.result() for run in runs)
    finally:
        sys.setswitchinterval(switch_interval)
    # Then every read found the link, every write is there, and no failed transaction left anything
    assert misses == 0
    keys = {
        item["pk"]["S"]
        for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    }
    assert {f"write#{n}-{k}" for n in range(3, 6) for k in range(TRANSACTIONS)} <= keys
    assert not any(key.startswith("tx#") for key in keys)
