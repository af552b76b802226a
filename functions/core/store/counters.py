"""The `counters` table: registrations by state per programme, department, district and DDO.

Counters are sharded so a last-day rush does not make every transaction contend on one item;
a report sums the shards of a group (O(groups), never a sweep).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from core.store.dynamo import TxItem, unmarshal

SHARDS = 8


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


class CounterStore:
    def __init__(self, table: str, client: Any = None) -> None:
        self._table = table
        self._client = client

    def totals(self, *, kind: str, programme_id: str, scope: str, value: str) -> dict[str, int]:
        """The sum of a group's shards: one BatchGetItem."""
        pk = f"{programme_id}#{kind}#{scope}#{value}"
        keys = [{"pk": {"S": pk}, "sk": {"S": f"shard#{n}"}} for n in range(SHARDS)]
        request: dict[str, Any] = {self._table: {"Keys": keys}}
        totals: dict[str, int] = {}
        while request:
            response = self._client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._table, []):
                for name, count in unmarshal(item).items():
                    if name not in ("pk", "sk"):
                        totals[name] = totals.get(name, 0) + int(count)
            request = response.get("UnprocessedKeys") or {}
        return totals

    def transition(
        self,
        *,
        kind: str,
        programme_id: str,
        shard_key: str,
        before: tuple[Mapping[str, str], str] | None,
        after: tuple[Mapping[str, str], str],
    ) -> list[TxItem]:
        """Counter updates for a record moving from (scopes, state) `before` to `after`.

        Scopes may change too (a grievance moving to another unit or level): the old group loses
        one, the new gains one. Groups whose counts do not change are not written.
        """
        deltas: dict[tuple[str, str], dict[str, int]] = {}
        moves = [(after, 1)] if before is None else [(before, -1), (after, 1)]
        for (scopes, state), sign in moves:
            for scope, value in scopes.items():
                group = deltas.setdefault((scope, value), {})
                group[state] = group.get(state, 0) + sign
        shard = f"shard#{shard_of(shard_key)}"
        items = []
        for (scope, value), counts in deltas.items():
            changed = {state: delta for state, delta in counts.items() if delta}
            if not changed:
                continue
            names = {f"#c{i}": state for i, state in enumerate(changed)}
            values = {f":c{i}": {"N": str(delta)} for i, delta in enumerate(changed.values())}
            items.append(
                TxItem(
                    name=f"counter:{scope}",
                    operation="Update",
                    request={
                        "TableName": self._table,
                        "Key": {"pk": {"S": f"{programme_id}#{kind}#{scope}#{value}"}, "sk": {"S": shard}},
                        "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(changed))),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    },
                )
            )
        return items
