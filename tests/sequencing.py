"""A stand-in for the transparency sequencer in tests: gives every unsequenced event its leaf index,
in the log's order (the sparse `unsequenced` index by `sequence_key`), as the sequencer job does:
SET leaf_index, REMOVE unsequenced."""

from __future__ import annotations

from typing import Any

from core.store.events import UNSEQUENCED, UNSEQUENCED_INDEX


def _next_leaf(client: Any, table: str) -> int:
    highest, request = -1, {"TableName": table, "ProjectionExpression": "leaf_index"}
    while True:  # a test's table is small: a Scan is fine here, never in the code
        page = client.scan(**request)
        for item in page.get("Items", []):
            if "leaf_index" in item:
                highest = max(highest, int(item["leaf_index"]["N"]))
        if "LastEvaluatedKey" not in page:
            return highest + 1
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sequence_events(client: Any, table: str) -> int:
    """Sequence everything pending; returns how many events got a leaf index."""
    leaf = _next_leaf(client, table)
    pending = client.query(
        TableName=table,
        IndexName=UNSEQUENCED_INDEX,
        KeyConditionExpression="unsequenced = :p",
        ExpressionAttributeValues={":p": {"S": UNSEQUENCED}},
    )["Items"]
    for item in pending:
        client.update_item(
            TableName=table,
            Key={"pk": item["pk"], "seq": item["seq"]},
            UpdateExpression="SET leaf_index = :leaf REMOVE unsequenced",
            ExpressionAttributeValues={":leaf": {"N": str(leaf)}},
        )
        leaf += 1
    return len(pending)
