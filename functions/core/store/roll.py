"""The `roll` table: who should register (from departmental and treasury data), per programme.

`record` is the department's data, as seeded or imported. A mobile number certified by a DDO or HoD
(`core.corrections`) is kept beside it as `certified_mobile`, with the entry's `version` and the head
of its own audit chain (`roll#<employee_code>`); only such a correction moves them. Every read puts the
certified mobile into the record, so sign-in, notices and registration use it, while an import keeps
writing the department's `record` and so can never undo a certification: where the file's mobile
differs, the import says so in its report (`kept_certified_mobile`).
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core.audit import GENESIS_HASH, RecordHead
from core.certified_mobile import CertifiedMobile, ten_digits
from core.eligibility import superannuation_date
from core.errors import Busy, RegistrationExists
from core.service_record import ServiceRecord
from core.store.dynamo import TxItem, changed_meanwhile, head_items, marshal, record_head, unmarshal

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

RECORD = "roll entry"  # what a VersionConflict of a mobile correction names
UNREGISTERED = "unregistered"
UNREGISTERED_SHARDS = 8


def unregistered_partition(programme_id: str, employee_code: str) -> str:
    return f"{programme_id}#{zlib.crc32(employee_code.encode()) % UNREGISTERED_SHARDS}"


SUPERANNUATION = "superannuation"


def retirement_partition(programme_id: str, day: date) -> str:
    return f"{programme_id}#{day.strftime('%Y-%m')}"


@dataclass(frozen=True)
class Retiring:
    employee_code: str
    ddo_code: str
    retires_on: date


class UpsertOutcome(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REGISTERED = "skipped_registered"  # linked to a registration: never overwritten


@dataclass(frozen=True)
class Upserted:
    """An import line's outcome; `kept` is the certified mobile kept over the file's different one."""

    outcome: UpsertOutcome
    kept: CertifiedMobile | None = None


WRITE_BATCH = 25  # BatchWriteItem's limit
BATCH_ATTEMPTS = 6
BACKOFF_SECONDS = 0.05


class RollEntry(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    employee_code: str
    programme_id: str
    record: ServiceRecord  # with the certified mobile, if there is one
    registration_id: str | None = None
    version: int = 0  # moved only by a mobile correction
    event_head: str = GENESIS_HASH
    certified_mobile: CertifiedMobile | None = None

    @property
    def entity(self) -> str:
        return f"roll#{self.employee_code}"

    def with_certified(self, certified: CertifiedMobile, *, event_head: str) -> RollEntry:
        """The entry as `certify_mobile` leaves it (and as `get` then reads it)."""
        personal = self.record.personal.model_copy(update={"mobile": certified.mobile})
        return self.model_copy(
            update={
                "record": self.record.model_copy(update={"personal": personal}),
                "version": self.version + 1,
                "event_head": event_head,
                "certified_mobile": certified,
            }
        )


# What seeding and imports write: the department's data, never the version, chain or certification.
_IMPORTED_FIELDS = {"employee_code", "programme_id", "record"}


def _entry(item: dict[str, Any]) -> RollEntry:
    """The stored item as read: the certified mobile, if any, in the record."""
    certified = item.get("certified_mobile")
    if certified:
        record = item["record"]
        item = {**item, "record": {**record, "personal": {**record["personal"], "mobile": certified["mobile"]}}}
    return RollEntry.model_validate(item)


# Which import last wrote an entry, and how (inserted or updated): see RollStore.upsert_batch.
LAST_IMPORT, LAST_IMPORT_OUTCOME = "last_import", "last_import_outcome"


def _marked(item: dict[str, Any], import_id: str | None, outcome: UpsertOutcome) -> dict[str, Any]:
    return item if import_id is None else {**item, LAST_IMPORT: import_id, LAST_IMPORT_OUTCOME: outcome.value}


def _same(found: dict[str, Any], item: dict[str, Any]) -> bool:
    """The stored entry already says what the import's line says."""
    return all(found.get(name) == value for name, value in item.items())


def _overruled(found: dict[str, Any], entry: RollEntry) -> CertifiedMobile | None:
    """The certified mobile an import line would have replaced (None: none, or the line agrees)."""
    certified = found.get("certified_mobile")
    if not certified or certified["mobile"] == ten_digits(entry.record.personal.mobile):
        return None
    return CertifiedMobile.model_validate(certified)


class RollStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, employee_code: str, programme_id: str) -> dict[str, Any]:
        return {"employee_code": {"S": employee_code}, "programme_id": {"S": programme_id}}

    def get(self, employee_code: str, programme_id: str) -> RollEntry | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(employee_code, programme_id), ConsistentRead=True
        )
        if "Item" not in response:
            return None
        return _entry(unmarshal(response["Item"]))

    def heads(self) -> Iterator[RecordHead]:
        """Every entry that keeps a chain (a certified mobile), with its version and head, for the
        transparency auditor: a Scan that reads the keys and those two attributes only."""
        found = head_items(
            self._client,
            self._table,
            keys="employee_code, programme_id",
            where="attribute_exists(#version) OR attribute_exists(#head)",
        )
        for item in found:
            yield record_head(f"roll#{item['employee_code']['S']}", item)

    def entries(self, codes: Sequence[str], programme_id: str) -> dict[str, RollEntry]:
        """Up to 100 entries by employee code (one BatchGetItem); codes not on the roll are left out."""
        if not codes:
            return {}
        return {code: _entry(item) for code, item in self._existing(sorted(set(codes)), programme_id).items()}

    def _item(self, entry: RollEntry, superannuation_age: int) -> dict[str, Any]:
        """The stored entry, without the registration link (only registering sets it) or a certification."""
        retires_on = superannuation_date(entry.record.personal.date_of_birth, superannuation_age)
        return {
            **entry.model_dump(mode="json", include=_IMPORTED_FIELDS),
            "ddo_code": entry.record.engagement.ddo_code,
            "retires_on": retires_on.isoformat(),
            "retires_month": retirement_partition(entry.programme_id, retires_on),
        }

    def put(self, entry: RollEntry, *, superannuation_age: int = 58) -> None:
        """Seeding: never overwrites the link to an existing registration.

        An entry with no registration is also put in the sparse `unregistered` index (the reminders'
        list); every entry is in the `superannuation` index under the month it reaches the age.
        """
        self._client.update_item(**self._set_fields(entry, self._item(entry, superannuation_age)))
        # Registered already: the condition fails and the entry stays out of the unregistered index.
        with contextlib.suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.update_item(
                TableName=self._table,
                Key=self._key(entry.employee_code, entry.programme_id),
                UpdateExpression="SET unregistered_pk = :u",
                ConditionExpression="attribute_not_exists(registration_id)",
                ExpressionAttributeValues={
                    ":u": {"S": unregistered_partition(entry.programme_id, entry.employee_code)}
                },
            )

    def upsert_batch(
        self, entries: Sequence[RollEntry], *, superannuation_age: int, import_id: str | None = None
    ) -> dict[str, Upserted]:
        """An import's batch (at most 100 entries, distinct codes): one BatchGetItem, then BatchWriteItem
        for the new entries and a conditional UpdateItem for each changed one.

        An entry linked to a registration is never changed: the registration was made from it. The
        update's condition holds that even against an employee registering between read and write.
        A certified mobile stays whatever the file says (the update writes only the department's
        record); where the file's mobile differs from it, the outcome says which one was kept.

        Each entry written keeps `import_id` and its outcome: a batch of the same import done again (its
        checkpoint failed after the writes) finds them and reports what the first attempt did, rather
        than "unchanged" for what that attempt inserted or updated.
        """
        if not entries:
            return {}
        programme_id = entries[0].programme_id
        existing = self._existing([e.employee_code for e in entries], programme_id)
        outcomes: dict[str, Upserted] = {}
        new_items = []
        for entry in entries:
            item = self._item(entry, superannuation_age)
            found = existing.get(entry.employee_code)
            if found is None:
                unregistered = unregistered_partition(entry.programme_id, entry.employee_code)
                marked = _marked(item, import_id, UpsertOutcome.INSERTED)
                new_items.append(marshal({**marked, "unregistered_pk": unregistered}))
                outcomes[entry.employee_code] = Upserted(UpsertOutcome.INSERTED)
                continue
            if found.get("registration_id"):
                outcome = UpsertOutcome.REGISTERED
            elif import_id is not None and found.get(LAST_IMPORT) == import_id and _same(found, item):
                outcome = UpsertOutcome(found[LAST_IMPORT_OUTCOME])  # written by this import already
            elif _same(found, item):
                outcome = UpsertOutcome.UNCHANGED
            else:
                outcome = self._update_unregistered(entry, _marked(item, import_id, UpsertOutcome.UPDATED))
            kept = None if outcome == UpsertOutcome.REGISTERED else _overruled(found, entry)
            outcomes[entry.employee_code] = Upserted(outcome, kept)
        for start in range(0, len(new_items), WRITE_BATCH):
            self._batch_write([{"PutRequest": {"Item": i}} for i in new_items[start : start + WRITE_BATCH]])
        return outcomes

    def _existing(self, codes: list[str], programme_id: str) -> dict[str, dict[str, Any]]:
        request: dict[str, Any] = {
            self._table: {"Keys": [self._key(code, programme_id) for code in codes], "ConsistentRead": True}
        }
        found: dict[str, dict[str, Any]] = {}
        for attempt in range(BATCH_ATTEMPTS):
            response = self._client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._table, []):
                entry = unmarshal(item)
                found[entry["employee_code"]] = entry
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            time.sleep(BACKOFF_SECONDS * 2**attempt)
        raise Busy(table="roll", throttled="reads")

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {self._table: requests}
        for attempt in range(BATCH_ATTEMPTS):
            pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(BACKOFF_SECONDS * 2**attempt)
        raise Busy(table="roll", throttled="writes")

    def _set_fields(self, entry: RollEntry, item: dict[str, Any]) -> dict[str, Any]:
        """An UpdateItem request setting every field of `item` but the key (so other fields, such as
        the registration link, stay as they are)."""
        stored = marshal(item)
        names = {f"#{k}": k for k in stored if k not in ("employee_code", "programme_id")}
        return {
            "TableName": self._table,
            "Key": self._key(entry.employee_code, entry.programme_id),
            "UpdateExpression": "SET " + ", ".join(f"{n} = :{n[1:]}" for n in names),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {f":{n[1:]}": stored[n[1:]] for n in names},
        }

    def _update_unregistered(self, entry: RollEntry, item: dict[str, Any]) -> UpsertOutcome:
        try:
            self._client.update_item(
                **self._set_fields(entry, item), ConditionExpression="attribute_not_exists(registration_id)"
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return UpsertOutcome.REGISTERED
        return UpsertOutcome.UPDATED

    def retiring(self, *, programme_id: str, month: date) -> list[Retiring]:
        """Everyone on the roll who reaches the superannuation age in `month` (one index partition)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": SUPERANNUATION,
            "KeyConditionExpression": "retires_month = :m",
            "ExpressionAttributeValues": {":m": {"S": retirement_partition(programme_id, month)}},
        }
        found: list[Retiring] = []
        while True:
            page = self._client.query(**request)
            found.extend(
                Retiring(
                    employee_code=i["employee_code"]["S"],
                    ddo_code=i["ddo_code"]["S"],
                    retires_on=date.fromisoformat(i["retires_on"]["S"]),
                )
                for i in page.get("Items", [])
            )
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def unregistered(
        self, *, programme_id: str, shard: int, start: dict[str, Any] | None = None
    ) -> tuple[list[str], dict[str, Any] | None]:
        """Employee codes on the roll with no registration yet, one shard of the sparse index a page."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": UNREGISTERED,
            "KeyConditionExpression": "unregistered_pk = :u",
            "ExpressionAttributeValues": {":u": {"S": f"{programme_id}#{shard}"}},
        }
        if start:
            request["ExclusiveStartKey"] = start
        page = self._client.query(**request)
        return [i["employee_code"]["S"] for i in page.get("Items", [])], page.get("LastEvaluatedKey")

    def certify_mobile(self, entry: RollEntry, certified: CertifiedMobile, *, event_head: str) -> TxItem:
        """The corrected mobile and the next version and chain head, only if nobody changed them since
        `entry` was read (an entry never corrected has no version yet): else VersionConflict."""
        values: dict[str, Any] = {
            ":c": {"M": marshal(certified.model_dump(mode="json"))},
            ":v": {"N": str(entry.version + 1)},
            ":h": {"S": event_head},
        }
        if entry.version:
            condition = "version = :expected"
            values[":expected"] = {"N": str(entry.version)}
        else:
            condition = "attribute_exists(employee_code) AND attribute_not_exists(version)"
        return TxItem(
            name="roll",
            operation="Update",
            request={
                "TableName": self._table,
                "Key": self._key(entry.employee_code, entry.programme_id),
                "UpdateExpression": "SET certified_mobile = :c, version = :v, event_head = :h",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            },
            refusal=changed_meanwhile(RECORD),
        )

    def link_registration(self, employee_code: str, programme_id: str, registration_id: str) -> TxItem:
        """Binds the roll entry to its one registration. If it has one already (a double tap registered
        first), the transaction raises RegistrationExists naming it."""
        return TxItem(
            name="roll",
            operation="Update",
            request={
                "TableName": self._table,
                "Key": self._key(employee_code, programme_id),
                "UpdateExpression": "SET registration_id = :id REMOVE unregistered_pk",
                "ConditionExpression": "attribute_exists(employee_code) AND attribute_not_exists(registration_id)",
                "ExpressionAttributeValues": {":id": {"S": registration_id}},
            },
            refusal=lambda current: RegistrationExists(registration_id=(current or {}).get("registration_id")),
        )
