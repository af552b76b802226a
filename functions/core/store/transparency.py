"""The `transparency` table: the log's state, every complete subtree's hash, and the checkpoints.

* `pk = "log#state"`: the tree's size and right border, with a version every commit is conditioned on;
* `pk = "node#<level>#<offset>"`: the hash of a complete subtree (level 0: the leaves);
* `pk = "checkpoint"`, `sk = "<tree size, 12 digits>#<issued_at>"`: the signed checkpoints, newest last.

Nodes are written before the state that covers them and never after: a node whose index lies
beyond the committed size may be rewritten by the next attempt, one inside it never is.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core.errors import VersionConflict
from core.merkle import Node
from core.store.dynamo import ConditionFailed, TxItem, marshal, transact_write, unmarshal
from core.transparency import LogState, SignedCheckpoint, Unsequenced

if TYPE_CHECKING:
    from types_boto3_dynamodb.client import DynamoDBClient

    from core.store.protocols import SequencedEvents

STATE_KEY = {"pk": {"S": "log#state"}, "sk": {"S": "-"}}
CHECKPOINTS = "checkpoint"
NO_SORT = "-"
_BATCH_GET = 100
_BATCH_WRITE = 25


def _node_key(node: Node) -> dict[str, Any]:
    return {"pk": {"S": f"node#{node.level}#{node.offset}"}, "sk": {"S": NO_SORT}}


def _checkpoint_sort(tree_size: int) -> str:
    return f"{tree_size:012d}"


class TransparencyStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    # ------------------------------------------------------------------ the log's state
    def state(self) -> LogState:
        item = self._client.get_item(TableName=self._table, Key=STATE_KEY, ConsistentRead=True).get("Item")
        if item is None:
            return LogState()
        stored = unmarshal(item)
        return LogState(
            tree_size=int(stored["tree_size"]), border=list(stored["border"]), version=int(stored["version"])
        )

    def commit_state(self, before: LogState, after: LogState) -> TxItem:
        """The state moves from `before` to `after` only if no other sequencer moved it meanwhile."""
        item = {"pk": "log#state", "sk": NO_SORT, "tree_size": after.tree_size, "border": after.border}
        request: dict[str, Any] = {
            "TableName": self._table,
            "Item": marshal({**item, "version": after.version}),
        }
        if before.version == 0:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            request["ConditionExpression"] = "version = :expected"
            request["ExpressionAttributeValues"] = {":expected": {"N": str(before.version)}}
        return TxItem(
            name="log_state",
            operation="Put",
            request=request,
            refusal=lambda current: VersionConflict(
                record="transparency log state", current_version=(current or {}).get("version")
            ),
        )

    def append(
        self, before: LogState, after: LogState, leaves: Sequence[tuple[Unsequenced, int]], *, events: SequencedEvents
    ) -> Unsequenced | None:
        """One transaction: each event of `leaves` gets its leaf index and the state moves from `before` to
        `after`. Returns None when written; or, writing nothing, the event that the index still listed but
        that is already in the log (or was changed). Raises VersionConflict if another sequencer moved the
        log meanwhile."""
        marks = {f"event:{event.entity}#{event.seq}": event for event, _ in leaves}
        try:
            transact_write(
                self._client,
                [*(events.mark_sequenced(event, index) for event, index in leaves), self.commit_state(before, after)],
            )
        except ConditionFailed as failed:
            if failed.name not in marks:
                raise
            return marks[failed.name]
        return None

    # ------------------------------------------------------------------ tree nodes
    def put_nodes(self, nodes: Mapping[tuple[int, int], str]) -> int:
        """Writes the nodes in batches; returns the number of BatchWriteItem calls."""
        requests = [
            {"PutRequest": {"Item": {**_node_key(Node(*key)), "hash": {"S": value}}}} for key, value in nodes.items()
        ]
        calls = 0
        for start in range(0, len(requests), _BATCH_WRITE):
            pending: dict[str, Any] = {self._table: requests[start : start + _BATCH_WRITE]}
            attempt = 0
            while pending:
                calls += 1
                pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if pending:
                    attempt += 1
                    time.sleep(min(1.0, 0.02 * 2**attempt) * random.uniform(0.5, 1.0))
        return calls

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        """The hashes of the wanted nodes (those missing are absent from the answer)."""
        keys = list(set(wanted))
        found: dict[Node, bytes] = {}
        for start in range(0, len(keys), _BATCH_GET):
            pending: dict[str, Any] = {
                self._table: {"Keys": [_node_key(n) for n in keys[start : start + _BATCH_GET]], "ConsistentRead": True}
            }
            attempt = 0
            while pending:
                page = self._client.batch_get_item(RequestItems=pending)
                for raw in page.get("Responses", {}).get(self._table, []):
                    _, level, offset = raw["pk"]["S"].split("#")
                    found[Node(int(level), int(offset))] = bytes.fromhex(raw["hash"]["S"])
                pending = page.get("UnprocessedKeys") or {}
                if pending:
                    attempt += 1
                    time.sleep(min(1.0, 0.02 * 2**attempt) * random.uniform(0.5, 1.0))
        return found

    # ------------------------------------------------------------------ checkpoints
    def put_checkpoint(self, signed: SignedCheckpoint) -> None:
        checkpoint = signed.checkpoint
        self._client.put_item(
            TableName=self._table,
            Item=marshal(
                {
                    "pk": CHECKPOINTS,
                    "sk": f"{_checkpoint_sort(checkpoint.tree_size)}#{checkpoint.issued_at.isoformat()}",
                    "document": json.dumps(signed.model_dump(mode="json")),
                }
            ),
        )

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        return self._newest(None)

    def checkpoint(self, tree_size: int) -> SignedCheckpoint | None:
        """The newest checkpoint issued at exactly this tree size."""
        return self._newest(tree_size)

    def _newest(self, tree_size: int | None) -> SignedCheckpoint | None:
        condition = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": CHECKPOINTS}}
        if tree_size is not None:
            condition += " AND begins_with(sk, :size)"
            values[":size"] = {"S": f"{_checkpoint_sort(tree_size)}#"}
        page = self._client.query(
            TableName=self._table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = page.get("Items", [])
        return SignedCheckpoint.model_validate_json(unmarshal(items[0])["document"]) if items else None
