"""The `registrations` table: one partition per registration.

sk = "REGISTRATION" holds the record, its state and version; sk = "DOC#<id>" holds each
document, so a client requesting several uploads at once never overwrites another request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from core.audit import RecordHead
from core.registration import Document, Registration, RegistrationStatus
from core.store.counters import SHARDS, shard_of
from core.store.dynamo import (
    ConditionFailed,
    Page,
    TxItem,
    changed_meanwhile,
    exclusive_start,
    head_items,
    marshal,
    put_if_version,
    put_new,
    record_head,
    record_with_children,
    transact_write,
    unmarshal,
)

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient


@dataclass(frozen=True)
class SlotRefused:
    """Why a record took no upload slot, as the write found it: no record (`found` False), or its owner
    and status (a record of someone else, or in a state that takes no uploads)."""

    found: bool
    owner_sub: str | None = None
    status: str | None = None


RECORD = "registration"  # what a VersionConflict names
RECORD_SK = "REGISTRATION"
DOC_PREFIX = "DOC#"
DDO_QUEUE = "ddo_queue"
HOD_QUEUE = "hod_queue"
SWEEP = "sweep"
# The states a deadline acts on: DRAFT lapses when registration closes, SUBMITTED escalates when
# verification closes. Only records in these states carry the sweep keys, so the index is sparse.
SWEEP_STATUSES = (RegistrationStatus.DRAFT, RegistrationStatus.SUBMITTED)
SWEEP_SHARDS = SHARDS

# Queue order: pending first, then what waits on others, then what is decided.
QUEUE_RANK = {
    RegistrationStatus.SUBMITTED: "0",
    RegistrationStatus.ESCALATED: "1",
    RegistrationStatus.SENT_BACK: "2",
    RegistrationStatus.VERIFIED: "3",
    RegistrationStatus.REJECTED: "4",
}


def queue_attributes(registration: Registration) -> dict[str, Any]:
    """The sparse index keys: a record is in its DDO's queue once submitted, in its HoD's once escalated."""
    rank = QUEUE_RANK.get(registration.status)
    if rank is None or registration.submitted_at is None:
        return {}
    submitted = registration.submitted_at.astimezone(UTC).isoformat()
    attributes: dict[str, Any] = {
        "queue_ddo": registration.ddo_code,
        "queue_sort": f"{rank}#{submitted}#{registration.registration_id}",
        "flag_mismatch": bool(registration.roll_mismatches),
        "flag_ineligible": registration.eligibility is not None and not registration.eligibility.eligible,
    }
    if registration.status == RegistrationStatus.ESCALATED:
        attributes["queue_department"] = registration.department
    return attributes


def sweep_partition(programme_id: str, status: RegistrationStatus, shard: int) -> str:
    return f"{programme_id}#{status.value}#{shard}"


def sweep_attributes(registration: Registration) -> dict[str, Any]:
    """The sparse sweep index keys, spread over shards so a last-day rush has no hot partition."""
    if registration.status not in SWEEP_STATUSES:
        return {}
    shard = shard_of(registration.registration_id)
    return {
        "sweep_pk": sweep_partition(registration.programme_id, registration.status, shard),
        "sweep_sort": f"{registration.ddo_code}#{registration.registration_id}",
    }


@dataclass(frozen=True)
class SweepItem:
    """What a deadline job needs to plan one record: its id and whom it concerns."""

    registration_id: str
    employee_code: str
    ddo_code: str
    department: str
    district: str


SweepPage = Page[SweepItem]


@dataclass(frozen=True)
class QueueFilter:
    status: RegistrationStatus | None = None
    department: str | None = None
    mismatch_only: bool = False
    ineligible_only: bool = False


QueuePage = Page[Registration]


class RegistrationStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def get(self, registration_id: str) -> Registration | None:
        """The record and all its documents in one consistent Query."""
        found = record_with_children(
            self._client, self._table, registration_id, record_sk=RECORD_SK, child_prefix=DOC_PREFIX
        )
        if found is None:
            return None
        record, documents = found
        return Registration.model_validate({**record, "documents": [Document.model_validate(d) for d in documents]})

    def heads(self) -> Iterator[RecordHead]:
        """Every registration's version and chain head, for the transparency auditor: a Scan that reads
        the keys and those two attributes only (its role may read nothing else of the table)."""
        found = head_items(
            self._client, self._table, keys="pk, sk", where="sk = :record", values={":record": {"S": RECORD_SK}}
        )
        for item in found:
            yield record_head(f"registration#{item['pk']['S']}", item)

    def _record_item(self, registration: Registration) -> dict[str, Any]:
        body = registration.model_dump(mode="json", exclude={"documents"})
        return marshal(
            {
                "pk": registration.registration_id,
                "sk": RECORD_SK,
                **body,
                **queue_attributes(registration),
                **sweep_attributes(registration),
            }
        )

    def queue(
        self, *, index: str, partition: str, where: QueueFilter, limit: int, start: dict[str, Any] | None
    ) -> QueuePage:
        """One Query on a sparse queue index: its cost follows this queue, not the table."""
        key_attribute = "queue_ddo" if index == DDO_QUEUE else "queue_department"
        names = {"#p": key_attribute}
        values: dict[str, Any] = {":p": {"S": partition}}
        condition = "#p = :p"
        if where.status is not None:
            names["#s"] = "queue_sort"
            values[":rank"] = {"S": f"{QUEUE_RANK[where.status]}#"}
            condition += " AND begins_with(#s, :rank)"
        filters = []
        if where.department:
            names["#d"] = "department"
            values[":d"] = {"S": where.department}
            filters.append("#d = :d")
        if where.mismatch_only:
            values[":t"] = {"BOOL": True}
            filters.append("flag_mismatch = :t")
        if where.ineligible_only:
            values[":t"] = {"BOOL": True}
            filters.append("flag_ineligible = :t")
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        if start:
            keys = ("pk", "sk", key_attribute, "queue_sort")
            request["ExclusiveStartKey"] = exclusive_start(start, keys=keys, partition=(key_attribute, partition))
        page = self._client.query(**request)
        items = [Registration.model_validate(unmarshal(i)) for i in page.get("Items", [])]
        return QueuePage(items=items, last_key=page.get("LastEvaluatedKey"), items_read=page.get("ScannedCount", 0))

    def sweep(
        self, *, programme_id: str, status: RegistrationStatus, shard: int, start: dict[str, Any] | None = None
    ) -> SweepPage:
        """One page of one shard of the sparse sweep index: only records a deadline would act on."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": SWEEP,
            "KeyConditionExpression": "sweep_pk = :p",
            "ExpressionAttributeValues": {":p": {"S": sweep_partition(programme_id, status, shard)}},
        }
        if start:
            request["ExclusiveStartKey"] = start
        page = self._client.query(**request)
        items = [
            SweepItem(
                registration_id=item["registration_id"],
                employee_code=item["employee_code"],
                ddo_code=item["ddo_code"],
                department=item["department"],
                district=item["district"],
            )
            for item in (unmarshal(raw) for raw in page.get("Items", []))
        ]
        return SweepPage(items=items, last_key=page.get("LastEvaluatedKey"))

    def _document_item(self, registration_id: str, document: Document) -> dict[str, Any]:
        body = document.model_dump(mode="json")
        return marshal({"pk": registration_id, "sk": f"{DOC_PREFIX}{document.document_id}", **body})

    def create(self, registration: Registration) -> TxItem:
        """The new record; VersionConflict (in its change's transaction) if it exists already."""
        return put_new(RECORD, self._table, self._record_item(registration)).refused_as(changed_meanwhile(RECORD))

    def replace(self, registration: Registration, *, expected_version: int) -> TxItem:
        """The new image; VersionConflict (naming the version found) if anyone changed it since it was read."""
        item = put_if_version(RECORD, self._table, self._record_item(registration), expected_version)
        return item.refused_as(changed_meanwhile(RECORD))

    def put_documents(self, registration_id: str, documents: Sequence[Document]) -> list[TxItem]:
        return [
            TxItem(
                name=f"document:{d.document_id}",
                operation="Put",
                request={"TableName": self._table, "Item": self._document_item(registration_id, d)},
            )
            for d in documents
        ]

    def add_pending_document(
        self,
        registration_id: str,
        document: Document,
        *,
        owner_sub: str,
        allowed_statuses: Sequence[RegistrationStatus],
    ) -> SlotRefused | None:
        """Writes an upload slot if the owner's record is in an allowed state (no version bump): None when
        written, else the record as the refused write found it.

        Requesting an upload changes nothing the DDO sees, so it is not an audited change; the
        check that accepts or rejects the file is.
        """
        statuses = {f":s{i}": {"S": s.value} for i, s in enumerate(allowed_statuses)}
        status_test = f"#status IN ({', '.join(statuses)})" if statuses else "attribute_not_exists(pk)"
        items = [
            TxItem(
                name="registration",
                operation="ConditionCheck",
                request={
                    "TableName": self._table,
                    "Key": {"pk": {"S": registration_id}, "sk": {"S": RECORD_SK}},
                    "ConditionExpression": f"owner_sub = :owner AND {status_test}",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":owner": {"S": owner_sub}, **statuses},
                },
            ),
            TxItem(
                name="document",
                operation="Put",
                request={
                    "TableName": self._table,
                    "Item": self._document_item(registration_id, document),
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
            ),
        ]
        try:
            transact_write(self._client, items)
        except ConditionFailed as failed:
            current = failed.current
            if current is None:
                return SlotRefused(found=False)
            return SlotRefused(found=True, owner_sub=current.get("owner_sub"), status=current.get("status"))
        return None
