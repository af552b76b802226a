"""The `roll` table: who should register (from departmental and treasury data), per programme."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from core.service_record import ServiceRecord
from core.store.dynamo import TxItem, marshal, unmarshal


class RollEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    employee_code: str
    programme_id: str
    record: ServiceRecord
    registration_id: str | None = None


class RollStore:
    def __init__(self, client: Any, table: str) -> None:
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
        return RollEntry.model_validate(unmarshal(response["Item"]))

    def put(self, entry: RollEntry) -> None:
        """Seeding and imports: never overwrites the link to an existing registration."""
        item = marshal(entry.model_dump(mode="json", exclude={"registration_id"}))
        names = {f"#{k}": k for k in item if k not in ("employee_code", "programme_id")}
        self._client.update_item(
            TableName=self._table,
            Key=self._key(entry.employee_code, entry.programme_id),
            UpdateExpression="SET " + ", ".join(f"{n} = :{n[1:]}" for n in names),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={f":{n[1:]}": item[n[1:]] for n in names},
        )

    def link_registration(self, employee_code: str, programme_id: str, registration_id: str) -> TxItem:
        """Binds the roll entry to its one registration; fails if it already has one."""
        return TxItem(
            name="roll",
            operation="Update",
            request={
                "TableName": self._table,
                "Key": self._key(employee_code, programme_id),
                "UpdateExpression": "SET registration_id = :id",
                "ConditionExpression": "attribute_exists(employee_code) AND attribute_not_exists(registration_id)",
                "ExpressionAttributeValues": {":id": {"S": registration_id}},
            },
        )
