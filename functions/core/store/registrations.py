"""The `registrations` table: one partition per registration.

sk = "REGISTRATION" holds the record, its state and version; sk = "DOC#<id>" holds each
document, so a client requesting several uploads at once never overwrites another request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from core.registration import Document, Registration, RegistrationStatus
from core.store.dynamo import TxItem, marshal, put_if_version, put_new, query_partition, unmarshal

RECORD_SK = "REGISTRATION"
DOC_PREFIX = "DOC#"
DDO_QUEUE = "ddo_queue"
HOD_QUEUE = "hod_queue"

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


@dataclass(frozen=True)
class QueueFilter:
    status: RegistrationStatus | None = None
    department: str | None = None
    mismatch_only: bool = False
    ineligible_only: bool = False


@dataclass(frozen=True)
class QueuePage:
    items: list[Registration]
    last_key: dict[str, Any] | None
    items_read: int


class RegistrationStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def get(self, registration_id: str) -> Registration | None:
        """The record and all its documents in one consistent Query."""
        items = query_partition(self._client, self._table, registration_id)
        record = next((i for i in items if i["sk"] == RECORD_SK), None)
        if record is None:
            return None
        documents = [Document.model_validate(i) for i in items if i["sk"].startswith(DOC_PREFIX)]
        return Registration.model_validate({**record, "documents": documents})

    def _record_item(self, registration: Registration) -> dict[str, Any]:
        body = registration.model_dump(mode="json", exclude={"documents"})
        return marshal({"pk": registration.registration_id, "sk": RECORD_SK, **body, **queue_attributes(registration)})

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
            request["ExclusiveStartKey"] = start
        page = self._client.query(**request)
        items = [Registration.model_validate(unmarshal(i)) for i in page.get("Items", [])]
        return QueuePage(items=items, last_key=page.get("LastEvaluatedKey"), items_read=page.get("ScannedCount", 0))

    def _document_item(self, registration_id: str, document: Document) -> dict[str, Any]:
        body = document.model_dump(mode="json")
        return marshal({"pk": registration_id, "sk": f"{DOC_PREFIX}{document.document_id}", **body})

    def create(self, registration: Registration) -> TxItem:
        return put_new("registration", self._table, self._record_item(registration))

    def replace(self, registration: Registration, *, expected_version: int) -> TxItem:
        return put_if_version("registration", self._table, self._record_item(registration), expected_version)

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
    ) -> list[TxItem]:
        """An upload slot: the owner's record must be in an allowed state; no version bump.

        Requesting an upload changes nothing the DDO sees, so it is not an audited change; the
        check that accepts or rejects the file is.
        """
        statuses = {f":s{i}": {"S": s.value} for i, s in enumerate(allowed_statuses)}
        status_test = f"#status IN ({', '.join(statuses)})" if statuses else "attribute_not_exists(pk)"
        return [
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
