"""DynamoDB plumbing shared by the per-table modules: marshalling and the one transaction.

Every state change is one TransactWriteItems. A cancelled transaction is turned into the typed domain
error that the store gave the item whose condition failed (`TxItem.refusal`, which sees the item's
current image, so it can say *why* without another read), else into a `ConditionFailed` naming that
item for the store that wrote it; or retried when DynamoDB reports a transaction conflict. A record's
conditioned write and its next chain link are refused as `changed_meanwhile` by the stores that build
them, so a recorded change needs no look at which item failed. Nothing above the stores sees a
ConditionFailed, an item's name or a client.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from core.audit import RecordHead
from core.aws_faults import FaultKind, fault_kind
from core.errors import Busy, InvalidCursor, VersionConflict

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

TRANSACTION_ATTEMPTS = 4
_KEY_VALUE_CHARS = 2048  # DynamoDB's limit on a partition key value (1,024 on a sort key) in bytes, with room
_NUMBER = re.compile(r"-?\d{1,38}(\.\d{1,38})?")


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_from_dynamo(v) for v in value]
    return value


def marshal(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in item.items() if v is not None}


def unmarshal(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in item.items()}


T = TypeVar("T")
Position = dict[str, Any] | None


def across_shards(shards: int, fetch: Callable[[int, Position], tuple[Sequence[T], Position]]) -> Iterator[T]:
    """Every item of a sharded sparse index: each shard's pages in turn, until it has no more.

    `fetch(shard, start)` returns one page and the position after it (None at the shard's end).
    """
    for shard in range(shards):
        start: Position = None
        while True:
            items, start = fetch(shard, start)
            yield from items
            if start is None:
                break


Refusal = Callable[[dict[str, Any] | None], Exception]


@dataclass(frozen=True)
class TxItem:
    """One write of a transaction; `name` says which item failed when a condition fails, and `refusal`
    (set by the store that built it) turns that failure, given the item as it stands (None: absent),
    into the domain error the transaction raises instead of ConditionFailed."""

    name: str
    operation: str  # "Put" | "Update" | "ConditionCheck" | "Delete"
    request: dict[str, Any]
    refusal: Refusal | None = field(default=None, compare=False)

    def refused_as(self, refusal: Refusal) -> TxItem:
        """This write, failing with `refusal(current)` when its condition does not hold."""
        return replace(self, refusal=refusal)

    def to_api(self) -> dict[str, Any]:
        request = dict(self.request)
        if "ConditionExpression" in request:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {self.operation: request}


def changed_meanwhile(record: str) -> Refusal:
    """The refusal of a record's conditioned write, or of its next event's: someone else changed it first."""
    return lambda current: VersionConflict(record=record, current_version=(current or {}).get("version"))


def put_new(name: str, table: str, item: dict[str, Any]) -> TxItem:
    """A put that fails if the item already exists."""
    return TxItem(
        name=name,
        operation="Put",
        request={"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"},
    )


def put_if_version(name: str, table: str, item: dict[str, Any], expected_version: int) -> TxItem:
    """A put of the new image that holds only if nobody changed the record since `expected_version`."""
    return TxItem(
        name=name,
        operation="Put",
        request={
            "TableName": table,
            "Item": item,
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
        },
    )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a Query: its items, where the next page starts (None: this was the last), and how
    many items DynamoDB read for it (a filter can read more than it returns)."""

    items: list[T]
    last_key: dict[str, Any] | None
    items_read: int = 0


def record_with_children(
    client: DynamoDBClient, table: str, pk: str, *, record_sk: str, child_prefix: str
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """A record and its child items (a registration's documents, a grievance's attachments), read
    consistently in one Query of their partition; None when there is no record."""
    items = _query_partition(client, table, pk)
    record = next((i for i in items if i["sk"] == record_sk), None)
    if record is None:
        return None
    return record, [i for i in items if i["sk"].startswith(child_prefix)]


def _query_partition(client: DynamoDBClient, table: str, pk: str) -> list[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }
    items: list[dict[str, Any]] = []
    while True:
        page = client.query(**request)
        items.extend(unmarshal(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan(client: DynamoDBClient, request: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item a Scan returns, page by page, as DynamoDB gives them (the auditor's read: no request
    path or job that serves people scans)."""
    paging = dict(request)
    while True:
        page = client.scan(**paging)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        paging["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def head_items(
    client: DynamoDBClient, table: str, *, keys: str, where: str, values: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """The items matching `where`, with their `keys`, `version` and `event_head` and nothing else: the
    transparency auditor's Scan, whose role may name no other attribute (so it reads no personal data)."""
    request: dict[str, Any] = {
        "TableName": table,
        "Select": "SPECIFIC_ATTRIBUTES",
        "ProjectionExpression": f"{keys}, #version, #head",
        "FilterExpression": where,
        "ExpressionAttributeNames": {"#version": "version", "#head": "event_head"},
    }
    if values:
        request["ExpressionAttributeValues"] = dict(values)
    return scan(client, request)


def whole_number(text: str | None) -> int | None:
    """A DynamoDB number that is a whole number (None: absent, or a fraction no seq or index can be)."""
    if text is None:
        return None
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else None


def record_head(entity: str, item: Mapping[str, Any]) -> RecordHead:
    """A record's version and chain head, from a raw item as found, however it was edited (absent:
    version 0 and no head; a version that is no whole number, or a head that is no text, matches nothing)."""
    version = item.get("version", {}).get("N")
    head = item.get("event_head", {}).get("S")
    number = whole_number(version)
    return RecordHead(entity=entity, version=-1 if version and number is None else number or 0, event_head=head or None)


def exclusive_start(
    position: Mapping[str, Any] | None, *, keys: Sequence[str], partition: tuple[str, str]
) -> dict[str, Any] | None:
    """A page's ExclusiveStartKey from a client's cursor, if it can be a LastEvaluatedKey of this very
    query: exactly the table's and the index's key attributes (`keys`), each a string or a number, in
    the partition asked for (`partition`: attribute and value). DynamoDB refuses any other shape with an
    error no client can act on; a cursor of another partition would start this list from another's
    order. Raises InvalidCursor."""
    if position is None:
        return None
    if set(position) != set(keys) or position.get(partition[0]) != {"S": partition[1]}:
        raise InvalidCursor("other_list")
    for value in position.values():
        if not (isinstance(value, dict) and len(value) == 1 and _is_key_value(*next(iter(value.items())))):
            raise InvalidCursor()
    return dict(position)


def _is_key_value(kind: Any, value: Any) -> bool:
    if not isinstance(value, str) or len(value) > _KEY_VALUE_CHARS:
        return False
    return kind == "S" or (kind == "N" and _NUMBER.fullmatch(value) is not None)


@dataclass
class ConditionFailed(Exception):
    """A condition of the named transaction item did not hold."""

    name: str
    current: dict[str, Any] | None = field(default=None)

    def __str__(self) -> str:
        return f"condition failed on {self.name}"


def transact_write(client: DynamoDBClient, items: Sequence[TxItem], *, idempotency_token: str | None = None) -> None:
    """All of it or none of it. A failed condition raises its item's `refusal`, else ConditionFailed.
    A transaction cancelled for a reason other than a condition (a conflict with a concurrent one,
    throttling) is tried again with jitter; if it stays so, a conflict is Busy and throttling propagates
    (both answer 503 with Retry-After)."""
    request: dict[str, Any] = {"TransactItems": [item.to_api() for item in items]}
    if idempotency_token:
        request["ClientRequestToken"] = idempotency_token
    for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
        try:
            client.transact_write_items(**request)
            return
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            for item, reason in zip(items, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    old = reason.get("Item")
                    current = unmarshal(old) if old else None
                    if item.refusal is not None:
                        raise item.refusal(current) from error
                    raise ConditionFailed(item.name, current) from error
            if attempt == TRANSACTION_ATTEMPTS:
                if fault_kind(error) == FaultKind.THROTTLED:
                    raise  # throttled, not contended: core.http answers 503 service_unavailable (throttled)
                raise Busy() from error
            time.sleep(random.uniform(0.01, 0.05) * attempt)


def put_once(client: DynamoDBClient, item: TxItem) -> bool:
    """A conditional Put on its own (not in a transaction): False when its condition did not hold."""
    if item.operation != "Put":
        raise ValueError(f"put_once takes a Put, not {item.operation}")
    try:
        client.put_item(**item.request)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True
