"""The `events` table: append-only, one hash chain per record (pk = entity, seq = 1, 2, ...).

A new event also carries `unsequenced` and `sequence_key`, the keys of the sparse `unsequenced`
index: the transparency sequencer sweeps that index in `sequence_key` order, gives each event its
`leaf_index` and removes `unsequenced`, so the index only ever holds the events still to be logged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any

from core.audit import AuditEvent, LoggedEvent, StoredEvent
from core.store.dynamo import TxItem, changed_meanwhile, marshal, scan, transact_write, unmarshal, whole_number
from core.transparency import Unsequenced

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

UNSEQUENCED = "pending"
UNSEQUENCED_INDEX = "unsequenced"


def sequence_key(event: AuditEvent) -> str:
    """The log's order: time (UTC, fixed width, so it sorts as text), then record, then link."""
    at = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{at}#{event.entity}#{event.seq:010d}"


class EventStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def append(self, event: AuditEvent, *, record: str) -> TxItem:
        """The put that adds `event`. It fails if that link of the chain already exists: someone else
        changed the record (`record` names it in the VersionConflict) since it was read."""
        item = {
            "pk": event.entity,
            "seq": event.seq,
            "body": event.body_json(),
            "hash": event.hash,
            "type": event.type,
            "at": event.at.isoformat(),
            "unsequenced": UNSEQUENCED,
            "sequence_key": sequence_key(event),
        }
        return TxItem(
            name="event",
            operation="Put",
            request={
                "TableName": self._table,
                "Item": marshal(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            },
            refusal=changed_meanwhile(record),
        )

    def commit(self, change: Sequence[TxItem]) -> None:
        """Writes a recorded change in one transaction: the record's conditioned write, its next link
        (`append`) and whatever moves with them (counters, notices, another table's item). A failed
        condition raises the refusal its item's store gave it: VersionConflict when the record or its
        chain moved meanwhile (ConditionFailed for an item given none)."""
        transact_write(self._client, change)

    def history(self, entity: str) -> list[AuditEvent]:
        return [logged.event for logged in self.logged_history(entity)]

    def logged_history(self, entity: str) -> list[LoggedEvent]:
        """The record's chain in order, each event with its leaf index once sequenced."""
        events: list[LoggedEvent] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": entity}},
            "ConsistentRead": True,
        }
        while True:
            page = self._client.query(**request)
            for raw in page.get("Items", []):
                item = unmarshal(raw)
                event = AuditEvent(**json.loads(item["body"]), hash=item["hash"])
                leaf_index = item.get("leaf_index")
                events.append(LoggedEvent(event=event, leaf_index=None if leaf_index is None else int(leaf_index)))
            if "LastEvaluatedKey" not in page:
                return events
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def every_event(self) -> Iterator[StoredEvent]:
        """Every event as stored, in no order: the transparency auditor's one pass over the table. Read
        consistently, so no event committed before the scan reached its partition is missed."""
        request = {
            "TableName": self._table,
            "ConsistentRead": True,
            "ProjectionExpression": "pk, #seq, #body, #hash, leaf_index",
            "ExpressionAttributeNames": {"#seq": "seq", "#body": "body", "#hash": "hash"},
        }
        for item in scan(self._client, request):
            seq = whole_number(item["seq"]["N"])
            yield StoredEvent(
                entity=item["pk"]["S"],
                seq=-1 if seq is None else seq,  # no chain has it: its body and its chain's gap say so
                body=item.get("body", {}).get("S"),
                hash=item.get("hash", {}).get("S"),
                leaf_index=whole_number(item.get("leaf_index", {}).get("N")),
            )

    # ------------------------------------------------------------------ the transparency sequencer
    def unsequenced(self, limit: int) -> list[Unsequenced]:
        """The oldest events not yet in the log, in the log's order (the sparse index)."""
        page = self._client.query(
            TableName=self._table,
            IndexName=UNSEQUENCED_INDEX,
            KeyConditionExpression="unsequenced = :pending",
            ExpressionAttributeValues={":pending": {"S": UNSEQUENCED}},
            Limit=limit,
        )
        return [
            Unsequenced(entity=item["pk"], seq=int(item["seq"]), hash=item["hash"])
            for item in (unmarshal(raw) for raw in page.get("Items", []))
        ]

    def mark_sequenced(self, event: Unsequenced, leaf_index: int) -> TxItem:
        """Gives the event its leaf index, once: the index is never given twice or changed."""
        return TxItem(
            name=f"event:{event.entity}#{event.seq}",
            operation="Update",
            request={
                "TableName": self._table,
                "Key": {"pk": {"S": event.entity}, "seq": {"N": str(event.seq)}},
                "UpdateExpression": "SET leaf_index = :index REMOVE unsequenced",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(leaf_index) AND #hash = :hash",
                "ExpressionAttributeNames": {"#hash": "hash"},
                "ExpressionAttributeValues": {":index": {"N": str(leaf_index)}, ":hash": {"S": event.hash}},
            },
        )
