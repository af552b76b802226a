"""The `counters` table: registrations, grievances and DDO decisions per group of a programme.

pk = "<programme>#<kind>#<scope>#<value>", sk = "shard#<n>". Counters are sharded so a last-day
rush does not make every transaction contend on one item. Each item also carries
group = "<programme>#<kind>#<scope>", the partition key of the `groups` index: a report reads
every group of a scope with one Query (O(groups), never a sweep of the records).
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from core.store.dynamo import TxItem, unmarshal

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

SHARDS = 8
GROUPS_INDEX = "groups"
_KEYS = ("pk", "sk", "group")

Counts = dict[str, int]


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


def _group(programme_id: str, kind: str, scope: str) -> str:
    return f"{programme_id}#{kind}#{scope}"


def _add_into(totals: Counts, item: Mapping[str, Any]) -> None:
    for name, count in unmarshal(item).items():
        if name not in _KEYS:
            totals[name] = totals.get(name, 0) + int(count)


class CounterStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._table = table
        self._client = client

    def totals(self, *, kind: str, programme_id: str, scope: str, value: str) -> Counts:
        """The sum of one group's shards: one BatchGetItem."""
        pk = f"{_group(programme_id, kind, scope)}#{value}"
        keys = [{"pk": {"S": pk}, "sk": {"S": f"shard#{n}"}} for n in range(SHARDS)]
        request: dict[str, Any] = {self._table: {"Keys": keys}}
        totals: Counts = {}
        while request:
            response = self._client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._table, []):
                _add_into(totals, item)
            request = response.get("UnprocessedKeys") or {}
        return totals

    def groups(self, *, kind: str, programme_id: str, scope: str, prefix: str = "") -> dict[str, Counts]:
        """Every group of a scope whose value starts with `prefix`, its shards summed: Query pages of the index."""
        group = _group(programme_id, kind, scope)
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": GROUPS_INDEX,
            "KeyConditionExpression": "#g = :g AND begins_with(pk, :p)",
            "ExpressionAttributeNames": {"#g": "group"},
            "ExpressionAttributeValues": {":g": {"S": group}, ":p": {"S": f"{group}#{prefix}"}},
        }
        found: dict[str, Counts] = {}
        while True:
            page = self._client.query(**request)
            for item in page.get("Items", []):
                value = item["pk"]["S"][len(group) + 1 :]
                _add_into(found.setdefault(value, {}), item)
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def add(
        self, *, kind: str, programme_id: str, shard_key: str, scope: str, value: str, amounts: Mapping[str, int]
    ) -> TxItem | None:
        """One group's counters moved by `amounts` (zeros dropped; None if nothing moves)."""
        changed = {name: amount for name, amount in amounts.items() if amount}
        if not changed:
            return None
        group = _group(programme_id, kind, scope)
        names = {"#g": "group", **{f"#c{i}": name for i, name in enumerate(changed)}}
        values = {":g": {"S": group}, **{f":c{i}": {"N": str(n)} for i, n in enumerate(changed.values())}}
        return TxItem(
            name=f"counter:{scope}",
            operation="Update",
            request={
                "TableName": self._table,
                "Key": {"pk": {"S": f"{group}#{value}"}, "sk": {"S": f"shard#{shard_of(shard_key)}"}},
                "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(changed))) + " SET #g = :g",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            },
        )

    def transition(
        self,
        *,
        kind: str,
        programme_id: str,
        shard_key: str,
        before: tuple[Mapping[str, str], Collection[str]] | None,
        after: tuple[Mapping[str, str], Collection[str]],
    ) -> list[TxItem]:
        """Counter updates for a record moving from (scopes, labels) `before` to `after`.

        The labels are its state and any flag counted beside it (a grievance's "overdue"). Scopes may
        change too (a grievance moving to another unit or level): the old group loses one, the new
        gains one. Groups whose counts do not change are not written.
        """
        deltas: dict[tuple[str, str], Counts] = {}
        moves = [(after, 1)] if before is None else [(before, -1), (after, 1)]
        for (scopes, labels), sign in moves:
            for scope, value in scopes.items():
                group = deltas.setdefault((scope, value), {})
                for label in labels:
                    group[label] = group.get(label, 0) + sign
        items = [
            self.add(
                kind=kind, programme_id=programme_id, shard_key=shard_key, scope=scope, value=value, amounts=counts
            )
            for (scope, value), counts in deltas.items()
        ]
        return [item for item in items if item is not None]
