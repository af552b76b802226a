"""The `corrections` table: mobile-correction requests (`core.corrections`).

* pk = correction id ("COR-<ulid>"): the request, with its version and the head of its audit chain
  (`correction#<id>` in the events table).
* pk = "pending#<programme>#<employee_code>": the one pending request of an employee. It is put with
  `attribute_not_exists` in the transaction that opens a request and deleted in the one that decides
  it, so two help requests racing each other can never open two; a direct correction checks it is absent.

While PENDING a request carries `queue_ddo` and `queue_department` with `queue_sort` = "<opened at,
UTC>#<id>": the sparse `ddo_queue` and `hod_queue` indexes hold exactly what waits for a decision,
oldest first, so a queue is one Query whose cost follows its own pending requests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any

from core.audit import RecordHead
from core.corrections import Correction, CorrectionStatus
from core.errors import CorrectionPending
from core.store.dynamo import (
    Page,
    TxItem,
    changed_meanwhile,
    exclusive_start,
    head_items,
    marshal,
    put_if_version,
    put_new,
    record_head,
    transact_write,
    unmarshal,
)

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

ID_PREFIX = "COR-"
DDO_QUEUE = "ddo_queue"
HOD_QUEUE = "hod_queue"
QUEUE_KEYS = {DDO_QUEUE: "queue_ddo", HOD_QUEUE: "queue_department"}


def pending_key(programme_id: str, employee_code: str) -> dict[str, Any]:
    return {"pk": {"S": f"pending#{programme_id}#{employee_code}"}}


def queue_attributes(correction: Correction) -> dict[str, Any]:
    if correction.status != CorrectionStatus.PENDING:
        return {}
    return {
        "queue_ddo": correction.office.ddo_code,
        "queue_department": correction.office.department,
        "queue_sort": f"{correction.opened_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{correction.correction_id}",
    }


CorrectionPage = Page[Correction]
# What a VersionConflict of a request's change names, in the words it has always had (an approval also
# writes the roll entry, whose own items name "roll entry": core.store.roll).
RECORD = "mobile-correction request or the roll entry"


class CorrectionStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def get(self, correction_id: str) -> Correction | None:
        if not correction_id.startswith(ID_PREFIX):  # never a pending marker, whatever the path says
            return None
        item = self._client.get_item(TableName=self._table, Key={"pk": {"S": correction_id}}, ConsistentRead=True).get(
            "Item"
        )
        return None if item is None else Correction.model_validate(unmarshal(item))

    def heads(self) -> Iterator[RecordHead]:
        """Every request's version and chain head, for the transparency auditor: a Scan that reads the
        key and those two attributes only (pending markers left out)."""
        found = head_items(
            self._client, self._table, keys="pk", where="begins_with(pk, :id)", values={":id": {"S": ID_PREFIX}}
        )
        for item in found:
            yield record_head(f"correction#{item['pk']['S']}", item)

    def pending_id(self, programme_id: str, employee_code: str) -> str | None:
        """The employee's pending request, if there is one."""
        item = self._client.get_item(
            TableName=self._table, Key=pending_key(programme_id, employee_code), ConsistentRead=True
        ).get("Item")
        return None if item is None else str(item["correction_id"]["S"])

    def _item(self, correction: Correction) -> dict[str, Any]:
        return marshal(
            {"pk": correction.correction_id, **correction.model_dump(mode="json"), **queue_attributes(correction)}
        )

    def open(self, correction: Correction) -> list[TxItem]:
        """A new request and the employee's pending marker; VersionConflict (in its change's transaction)
        if one is pending already (another help request opened it first)."""
        marker = {
            **pending_key(correction.programme_id, correction.employee_code),
            "correction_id": {"S": correction.correction_id},
        }
        items = [
            TxItem(
                name="pending",
                operation="Put",
                request={"TableName": self._table, "Item": marker, "ConditionExpression": "attribute_not_exists(pk)"},
            ),
            put_new("correction", self._table, self._item(correction)),
        ]
        return [item.refused_as(changed_meanwhile(RECORD)) for item in items]

    def replace(self, correction: Correction, *, expected_version: int) -> list[TxItem]:
        """The new image, if nobody changed the request since it was read (else VersionConflict); a decided
        one leaves the queues and frees the employee's pending marker."""
        items = [put_if_version("correction", self._table, self._item(correction), expected_version)]
        if correction.status != CorrectionStatus.PENDING:
            items.append(
                TxItem(
                    name="pending",
                    operation="Delete",
                    request={
                        "TableName": self._table,
                        "Key": pending_key(correction.programme_id, correction.employee_code),
                        "ConditionExpression": "correction_id = :id",
                        "ExpressionAttributeValues": {":id": {"S": correction.correction_id}},
                    },
                )
            )
        return [item.refused_as(changed_meanwhile(RECORD)) for item in items]

    def commit_direct(self, programme_id: str, employee_code: str, writes: Sequence[TxItem]) -> None:
        """A direct correction of the employee's roll entry (`writes`: the entry's, its event's, the notices
        and counters), in one transaction that holds only while the employee has no pending request (it would
        race it). Raises CorrectionPending naming that request, or the refusal of a write (VersionConflict if
        the roll entry or its chain moved since it was read)."""
        transact_write(self._client, [self._none_pending(programme_id, employee_code), *writes])

    def _none_pending(self, programme_id: str, employee_code: str) -> TxItem:
        return TxItem(
            name="pending",
            operation="ConditionCheck",
            request={
                "TableName": self._table,
                "Key": pending_key(programme_id, employee_code),
                "ConditionExpression": "attribute_not_exists(pk)",
            },
            refusal=lambda current: CorrectionPending(correction_id=(current or {}).get("correction_id")),
        )

    def queue(self, *, index: str, partition: str, limit: int, start: dict[str, Any] | None) -> CorrectionPage:
        """One page of a DDO's or a department's pending requests, oldest first: one Query."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": QUEUE_KEYS[index]},
            "ExpressionAttributeValues": {":p": {"S": partition}},
            "Limit": limit,
        }
        if start:
            keys = ("pk", QUEUE_KEYS[index], "queue_sort")
            request["ExclusiveStartKey"] = exclusive_start(start, keys=keys, partition=(QUEUE_KEYS[index], partition))
        page = self._client.query(**request)
        items = [Correction.model_validate(unmarshal(i)) for i in page.get("Items", [])]
        return CorrectionPage(items=items, last_key=page.get("LastEvaluatedKey"))
