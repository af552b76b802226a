"""Programme settings in the `settings` table, read through Powertools Parameters with a short cache.

A window extension made by an admin reaches every function within `max_age` seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.parameters import DynamoDBProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from pydantic import BaseModel, ConfigDict

from core.audit import GENESIS_HASH, AuditEvent, RecordHead
from core.aws import AwsClients
from core.aws_faults import fault_kind
from core.errors import ProgrammeUnavailable
from core.programme import Programme
from core.settings import FunctionSettings
from core.store.dynamo import TxItem, changed_meanwhile, head_items, marshal, put_new, record_head, transact_write

if TYPE_CHECKING:  # only a type here: no function pays the import to read its programme
    from types_boto3_dynamodb.client import DynamoDBClient
    from types_boto3_dynamodb.service_resource import DynamoDBServiceResource

    from core.store.protocols import EventAppends


class StoredProgramme(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    programme: Programme
    # 0 for a programme written without an audit trail (the local seed); each audited write (an
    # operator's `anubandh programme init`, an admin's window change) adds one event and 1.
    version: int
    event_head: str

    @property
    def entity(self) -> str:
        return f"programme#{self.programme.programme_id}"


RECORD = "programme"  # what a VersionConflict of a programme's change names


def programme_key(programme_id: str) -> str:
    return f"programme#{programme_id}"


def _json(programme: Programme) -> str:
    return json.dumps(programme.model_dump(mode="json"))


class ProgrammeStore:
    def __init__(
        self, client: DynamoDBClient, resource: DynamoDBServiceResource, table: str, max_age_seconds: int
    ) -> None:
        self._client = client
        self._table = table
        self._max_age = max_age_seconds
        self._provider = DynamoDBProvider(table_name=table, key_attr="pk", value_attr="value", boto3_client=resource)

    @classmethod
    def for_function(cls, aws: AwsClients, settings: FunctionSettings) -> ProgrammeStore:
        return cls(aws.dynamodb, aws.resource("dynamodb"), settings.settings_table, settings.settings_cache_seconds)

    def get(self, programme_id: str) -> Programme:
        try:
            raw = self._provider.get(programme_key(programme_id), max_age=self._max_age, transform="json")
        except GetParameterError as error:
            if fault_kind(error) is not None:
                raise  # throttled or down: core.http answers 503 service_unavailable, retry in seconds
            # Powertools folds "missing" and "unreachable" into one error; both leave us unable to act.
            raise ProgrammeUnavailable(programme_id=programme_id) from error
        return Programme.model_validate(raw)

    def put(self, programme: Programme) -> None:
        """Seeding: writes the programme, keeping the version and audit head of any earlier changes."""
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": programme_key(programme.programme_id)}},
            UpdateExpression="SET #value = :value",
            ExpressionAttributeNames={"#value": "value"},
            ExpressionAttributeValues={":value": {"S": _json(programme)}},
        )

    def create(self, programme: Programme, *, event_head: str) -> TxItem:
        """The first programme item (version 1, the hash of its first event); fails if one exists."""
        item = {
            "pk": programme_key(programme.programme_id),
            "value": _json(programme),
            "version": 1,
            "event_head": event_head,
        }
        return put_new("programme", self._table, marshal(item))

    def read(self, programme_id: str) -> StoredProgramme:
        """The programme as stored now (no cache), with its version and audit head: for changing it."""
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": programme_key(programme_id)}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            raise ProgrammeUnavailable(programme_id=programme_id)
        return StoredProgramme(
            programme=Programme.model_validate(json.loads(item["value"]["S"])),
            version=int(item.get("version", {}).get("N", "0")),
            event_head=item.get("event_head", {}).get("S", GENESIS_HASH),
        )

    def heads(self) -> Iterator[RecordHead]:
        """Every programme's version and chain head, for the transparency auditor: a Scan that reads the
        key and those two attributes only (a seeded programme has version 0 and no chain)."""
        found = head_items(
            self._client,
            self._table,
            keys="pk",
            where="begins_with(pk, :programme)",
            values={":programme": {"S": programme_key("")}},
        )
        for item in found:
            yield record_head(item["pk"]["S"], item)

    def change(
        self, stored: StoredProgramme, programme: Programme, event: AuditEvent, *, events: EventAppends
    ) -> StoredProgramme:
        """One transaction: the new programme (conditioned on the version of `stored`) and the next link of its
        chain. Raises VersionConflict if anyone changed it since `stored` was read."""
        transact_write(
            self._client,
            [
                self.replace(stored, programme, event_head=event.hash).refused_as(changed_meanwhile(RECORD)),
                events.append(event, record=RECORD),
            ],
        )
        return StoredProgramme(programme=programme, version=stored.version + 1, event_head=event.hash)

    def replace(self, stored: StoredProgramme, programme: Programme, *, event_head: str) -> TxItem:
        """The new programme, only if nobody changed it since `stored` was read."""
        values = {
            ":value": {"S": _json(programme)},
            ":version": {"N": str(stored.version + 1)},
            ":head": {"S": event_head},
        }
        if stored.version:
            condition = "version = :expected"
            values[":expected"] = {"N": str(stored.version)}
        else:
            condition = "attribute_exists(pk) AND attribute_not_exists(version)"
        return TxItem(
            name="programme",
            operation="Update",
            request={
                "TableName": self._table,
                "Key": {"pk": {"S": programme_key(programme.programme_id)}},
                "UpdateExpression": "SET #value = :value, version = :version, event_head = :head",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#value": "value"},
                "ExpressionAttributeValues": values,
            },
        )
