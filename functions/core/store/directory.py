"""The `directory` table: who each signed-in person is, and the officials with their scope.

* pk = "sub#<sub>": the link of one Cognito user to the portal (an employee's roll entry, or an
  official's role and scope). The one item every request reads, by its key: strongly consistent,
  so a link written at the first sign-in holds for the very next request.
* pk = "official#<username>": an official as imported, with the Cognito sub, a version and the head
  of the official's own audit chain (`official#<username>` in the events table). Only active
  officials carry `role_key`, so the sparse `by_role` index lists exactly the DDOs, HoDs, officers
  or admins who may act (the daily digest reads it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core.audit import GENESIS_HASH, RecordHead
from core.auth import Role
from core.identity import IdentityLink, Official
from core.store.dynamo import (
    TxItem,
    changed_meanwhile,
    head_items,
    marshal,
    put_if_version,
    put_new,
    record_head,
    unmarshal,
)

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

BY_ROLE = "by_role"
RECORD = "official"  # what a VersionConflict of an official's change names


def link_key(sub: str) -> dict[str, Any]:
    return {"pk": {"S": f"sub#{sub}"}}


def official_entity(username: str) -> str:
    """The official's record in this table and their hash chain in the events table."""
    return f"official#{username}"


def official_key(username: str) -> dict[str, Any]:
    return {"pk": {"S": official_entity(username)}}


class StoredOfficial(BaseModel):
    """An official as stored. Every save writes one event of the official's chain: event `seq` = `version`."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    official: Official
    sub: str
    version: int
    event_head: str = GENESIS_HASH

    @property
    def entity(self) -> str:
        return official_entity(self.official.username)


class DirectoryStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    # ------------------------------------------------------------------ links
    def link(self, sub: str) -> IdentityLink | None:
        item = self._client.get_item(TableName=self._table, Key=link_key(sub), ConsistentRead=True).get("Item")
        if item is None:
            return None
        stored = unmarshal(item)
        stored.pop("pk")
        return IdentityLink.model_validate(stored)

    def _link_item(self, link: IdentityLink) -> dict[str, Any]:
        return {**link_key(link.sub), **marshal(link.model_dump(mode="json"))}

    def put_link(self, link: IdentityLink) -> TxItem:
        return TxItem(
            name="identity_link", operation="Put", request={"TableName": self._table, "Item": self._link_item(link)}
        )

    def bind_employee(self, link: IdentityLink) -> None:
        """Binds a Cognito user to a roll entry (the first sign-in); never rebinds a sub to another employee."""
        self._client.put_item(
            TableName=self._table,
            Item=self._link_item(link),
            ConditionExpression="attribute_not_exists(pk) OR employee_code = :code",
            ExpressionAttributeValues={":code": {"S": str(link.employee_code)}},
        )

    def end_sessions(self, sub: str, at: datetime) -> None:
        """Tokens issued before `at` are refused from now on (within the principal cache's minute)."""
        self._client.update_item(
            TableName=self._table,
            Key=link_key(sub),
            UpdateExpression="SET tokens_valid_after = :at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":at": {"S": at.isoformat()}},
        )

    # ------------------------------------------------------------------ officials
    def official(self, username: str) -> StoredOfficial | None:
        item = self._client.get_item(TableName=self._table, Key=official_key(username), ConsistentRead=True).get("Item")
        return None if item is None else self._stored_official(unmarshal(item))

    def heads(self) -> Iterator[RecordHead]:
        """Every official's version and chain head, for the transparency auditor: a Scan that reads the
        key and those two attributes only (the links every request reads are left out)."""
        found = head_items(
            self._client,
            self._table,
            keys="pk",
            where="begins_with(pk, :official)",
            values={":official": {"S": official_entity("")}},
        )
        for item in found:
            yield record_head(item["pk"]["S"], item)

    @staticmethod
    def _stored_official(item: dict[str, Any]) -> StoredOfficial:
        fields = {name: item.get(name) for name in Official.model_fields}
        return StoredOfficial(
            official=Official.model_validate(fields),
            sub=item["sub"],
            version=int(item["version"]),
            event_head=item.get("event_head", GENESIS_HASH),
        )

    def save_official(self, before: StoredOfficial | None, after: StoredOfficial, *, at: datetime) -> list[TxItem]:
        """The official's record (conditioned on the version read) and the link every request reads.

        Disabling an official ends their sessions: tokens issued before `at` are refused. So does
        enabling them again, so a token from before the disable never comes back to life. Any other
        change leaves the link's `tokens_valid_after` as it is (a sign-out's stays in force).
        """
        official = after.official
        record = {
            **official_key(official.username),
            **marshal(
                {
                    **official.model_dump(mode="json"),
                    "sub": after.sub,
                    "version": after.version,
                    "event_head": after.event_head,
                    "updated_at": at.isoformat(),
                    "role_key": official.role.value if official.active else None,
                }
            ),
        }
        save = (
            put_new(RECORD, self._table, record)
            if before is None
            else put_if_version(RECORD, self._table, record, before.version)
        ).refused_as(changed_meanwhile(RECORD))
        was_active = True if before is None else before.official.active
        ends_sessions = not official.active or not was_active
        return [save, self._update_link(official.link(after.sub), end_sessions_at=at if ends_sessions else None)]

    def _update_link(self, link: IdentityLink, *, end_sessions_at: datetime | None) -> TxItem:
        """The link's fields set (or removed when empty), `tokens_valid_after` only when sessions end."""
        fields = link.model_dump(mode="json", exclude={"tokens_valid_after"})
        if end_sessions_at is not None:
            fields["tokens_valid_after"] = end_sessions_at.isoformat()
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        removes: list[str] = []
        for n, (name, value) in enumerate(fields.items()):
            names[f"#f{n}"] = name
            if value is None:
                removes.append(f"#f{n}")
            else:
                sets.append(f"#f{n} = :v{n}")
                values[f":v{n}"] = value
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return TxItem(
            name="identity_link",
            operation="Update",
            request={
                "TableName": self._table,
                "Key": link_key(link.sub),
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": marshal(values),
            },
        )

    def members(self, role: Role) -> list[Official]:
        """Every active official holding `role`: pages of the sparse `by_role` index."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_ROLE,
            "KeyConditionExpression": "role_key = :r",
            "ExpressionAttributeValues": {":r": {"S": role.value}},
        }
        found: list[Official] = []
        while True:
            page = self._client.query(**request)
            found.extend(self._stored_official(unmarshal(i)).official for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
