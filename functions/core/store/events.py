"""The `events` table: append-only, one hash chain per record (pk = entity, seq = 1, 2, ...)."""

from __future__ import annotations

import json
from typing import Any

from core.audit import AuditEvent
from core.store.dynamo import TxItem, marshal, unmarshal


class EventStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def append(self, event: AuditEvent) -> TxItem:
        """The put that adds `event`; it fails if that link of the chain already exists."""
        item = {
            "pk": event.entity,
            "seq": event.seq,
            "body": event.body_json(),
            "hash": event.hash,
            "type": event.type,
            "at": event.at.isoformat(),
        }
        return TxItem(
            name="event",
            operation="Put",
            request={
                "TableName": self._table,
                "Item": marshal(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            },
        )

    def history(self, entity: str) -> list[AuditEvent]:
        events: list[AuditEvent] = []
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
                events.append(AuditEvent(**json.loads(item["body"]), hash=item["hash"]))
            if "LastEvaluatedKey" not in page:
                return events
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
