"""The `counters` table: registrations by state per programme, department, district and DDO.

Counters are sharded so a last-day rush does not make every transaction contend on one item;
a report sums the shards of a group (O(groups), never a sweep).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from core.store.dynamo import TxItem

SHARDS = 8


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


class CounterStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def move(
        self,
        *,
        kind: str,
        scopes: Mapping[str, str],
        programme_id: str,
        shard_key: str,
        deltas: Mapping[str, int],
    ) -> list[TxItem]:
        """ADD each delta (e.g. {"DRAFT": -1, "SUBMITTED": 1}) to every scope's counter."""
        names = {f"#c{i}": name for i, name in enumerate(deltas)}
        values: dict[str, Any] = {f":c{i}": {"N": str(delta)} for i, delta in enumerate(deltas.values())}
        expression = "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(deltas)))
        shard = f"shard#{shard_of(shard_key)}"
        return [
            TxItem(
                name=f"counter:{scope}",
                operation="Update",
                request={
                    "TableName": self._table,
                    "Key": {"pk": {"S": f"{programme_id}#{kind}#{scope}#{value}"}, "sk": {"S": shard}},
                    "UpdateExpression": expression,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                },
            )
            for scope, value in scopes.items()
        ]
