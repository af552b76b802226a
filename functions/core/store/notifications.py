"""The `notifications` table.

* Requests to tell someone about a change, written in the change's own transaction (an outbox):
  pk = "request#<entity>" (or "request#job#<run>"), sk = seq. While undelivered they carry
  `pending_shard`, so the sparse `pending` index lists exactly what is left to deliver. A request may
  name its own `contact` (telling an employee's old number that it was replaced): delivery sends
  there instead of looking the recipient up, and removes the address once the request is delivered.
* The delivery ledger: one item per (recipient, campaign, channel, day), put before anything is
  sent and conditioned on not existing, so a rerun, a duplicate message or a retry never sends twice.
  pk = "ledger#<day>#<shard>" (sharded so a 100,000-reminder morning spreads its writes),
  sk = "<recipient>#<campaign>#<channel>".
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from core.notices import Contact, deadline_data
from core.registration import Registration
from core.store.dynamo import TxItem, marshal, put_once, unmarshal

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

KEEP_FOR = timedelta(days=400)
LEDGER_KEEP_FOR = timedelta(days=35)
PENDING_INDEX = "pending"
PENDING_SHARDS = 8
LEDGER_SHARDS = 8
# A claim older than this whose send was never confirmed is taken to have died: it may be retried.
CLAIM_LEASE = timedelta(minutes=5)


def _shard(key: str, shards: int) -> int:
    return zlib.crc32(key.encode()) % shards


class Claim(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    IN_FLIGHT = "in_flight"


@dataclass(frozen=True)
class PendingRequest:
    pk: str
    sk: str
    recipient: str
    template: str
    data: dict[str, Any]
    requested_at: str
    contact: Contact | None = None  # where to send, instead of the recipient's own contact

    @classmethod
    def of(cls, item: dict[str, Any]) -> PendingRequest:
        return cls(
            pk=item["pk"],
            sk=item["sk"],
            recipient=item["recipient"],
            template=item["template"],
            data=item.get("data", {}),
            requested_at=item["requested_at"],
            contact=Contact.model_validate(item["contact"]) if item.get("contact") else None,
        )


@dataclass(frozen=True)
class LedgerKey:
    recipient: str
    campaign: str
    channel: str
    day: str  # YYYY-MM-DD in IST

    @property
    def item_key(self) -> dict[str, Any]:
        shard = _shard(self.recipient, LEDGER_SHARDS)
        return {
            "pk": {"S": f"ledger#{self.day}#{shard}"},
            "sk": {"S": f"{self.recipient}#{self.campaign}#{self.channel}"},
        }


class NotificationStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._table = table
        self._client = client  # delivery and the jobs' own requests; changes write through transactions

    def request(
        self,
        *,
        entity: str,
        seq: int,
        recipient: str,
        template: str,
        data: dict[str, Any],
        at: datetime,
        index: int = 0,
        contact: Contact | None = None,
    ) -> TxItem:
        """`index` tells apart the requests one change makes (the employee and the new assignee);
        `contact` sends to that address rather than the recipient's current one."""
        sk = f"{seq:010d}" if index == 0 else f"{seq:010d}#{index}"
        return self._put(f"request#{entity}", sk, recipient, template, data, at, contact)

    def deadline_notice(self, registration: Registration, template: str, *, deadline: datetime, at: datetime) -> TxItem:
        """A deadline job's notice to the registration's employee, in the transaction of its change
        (the change's event seq keys it, so a rerun that finds the record changed tells nobody twice)."""
        return self.request(
            entity=registration.entity,
            seq=registration.version + 1,
            recipient=f"employee:{registration.employee_code}",
            template=template,
            data={"registration_id": registration.registration_id, **deadline_data(deadline)},
            at=at,
        )

    def request_for_job(
        self,
        *,
        job_run: str,
        recipient: str,
        template: str,
        data: dict[str, Any],
        at: datetime,
        contact: Contact | None = None,
    ) -> bool:
        """Writes a job's request to `recipient` (one conditional Put, no transaction), once per run of the
        job (`job_run` names the job, programme and deadline): False, writing nothing, when this run already
        made it (a rerun after a crash). `contact` sends to that address (an official's, from the directory)
        rather than looking the recipient up."""
        return put_once(
            self._client, self._put(f"request#job#{job_run}", recipient, recipient, template, data, at, contact)
        )

    def _put(
        self,
        pk: str,
        sk: str,
        recipient: str,
        template: str,
        data: dict[str, Any],
        at: datetime,
        contact: Contact | None = None,
    ) -> TxItem:
        item = {
            "pk": pk,
            "sk": sk,
            "recipient": recipient,
            "template": template,
            "data": data,
            "status": "PENDING",
            "pending_shard": str(_shard(f"{pk}#{sk}", PENDING_SHARDS)),
            "requested_at": at.isoformat(),
            "expires_at_epoch": int((at + KEEP_FOR).timestamp()),
            "contact": contact.model_dump(mode="json", exclude_none=True) if contact else None,
        }
        return TxItem(
            name="notification",
            operation="Put",
            request={
                "TableName": self._table,
                "Item": marshal(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            },
        )

    # ------------------------------------------------------------------ delivery
    def pending(
        self, *, shard: int, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[PendingRequest], dict[str, Any] | None]:
        """Undelivered requests of one shard, oldest first (the sparse index holds nothing else)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": PENDING_INDEX,
            "KeyConditionExpression": "pending_shard = :s",
            "ExpressionAttributeValues": {":s": {"S": str(shard)}},
            "Limit": limit,
        }
        if start:
            request["ExclusiveStartKey"] = start
        page = self._client.query(**request)
        found = [PendingRequest.of(unmarshal(raw)) for raw in page.get("Items", [])]
        return found, page.get("LastEvaluatedKey")

    def get_request(self, pk: str, sk: str) -> PendingRequest | None:
        """The request if it is still undelivered."""
        raw = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        ).get("Item")
        if raw is None:
            return None
        item = unmarshal(raw)
        return PendingRequest.of(item) if item.get("status") == "PENDING" else None

    def mark_delivered(self, pk: str, sk: str, *, at: datetime, outcome: str) -> None:
        """Out of the pending index, and any address of its own dropped (the ledger keeps it masked);
        a second delivery of the same request finds nothing to do."""
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            UpdateExpression="SET #status = :outcome, delivered_at = :at REMOVE pending_shard, #contact",
            ExpressionAttributeNames={"#status": "status", "#contact": "contact"},
            ExpressionAttributeValues={":outcome": {"S": outcome}, ":at": {"S": at.isoformat()}},
        )

    def claim(self, key: LedgerKey, *, at: datetime, record: dict[str, Any]) -> Claim:
        """The ledger entry that permits one send.

        CLAIMED: send now. SENT: it went out already. IN_FLIGHT: another worker claimed it within
        CLAIM_LEASE and has not confirmed; retry later. A claim older than the lease may be taken
        over: its worker died between claiming and sending, and the recipient would otherwise never hear.
        """
        item = {
            **key.item_key,
            **marshal(
                {
                    **record,
                    "recipient": key.recipient,
                    "campaign": key.campaign,
                    "channel": key.channel,
                    "day": key.day,
                    "status": "CLAIMED",
                    "claimed_at": at.isoformat(),
                    "expires_at_epoch": int((at + LEDGER_KEEP_FOR).timestamp()),
                }
            ),
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR (#status = :claimed AND claimed_at < :stale)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":claimed": {"S": "CLAIMED"},
                    ":stale": {"S": (at - CLAIM_LEASE).isoformat()},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            current = self._client.get_item(TableName=self._table, Key=key.item_key, ConsistentRead=True).get("Item")
            sent = current is not None and current.get("status", {}).get("S") == "SENT"
            return Claim.SENT if sent else Claim.IN_FLIGHT
        return Claim.CLAIMED

    def release(self, key: LedgerKey, *, claimed_at: datetime) -> None:
        """Gives up a claim whose send was refused (nothing went out), so a retry may send at once rather
        than wait for the lease; only if it is still this claim."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=key.item_key,
                ConditionExpression="#status = :claimed AND claimed_at = :at",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":claimed": {"S": "CLAIMED"}, ":at": {"S": claimed_at.isoformat()}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def confirm(self, key: LedgerKey, *, at: datetime, message_id: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=key.item_key,
            UpdateExpression="SET #status = :sent, sent_at = :at, message_id = :id",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":sent": {"S": "SENT"}, ":at": {"S": at.isoformat()}, ":id": {"S": message_id}},
        )

    def ledger_of_day(self, day: str) -> list[dict[str, Any]]:
        """Everything claimed or sent on `day` (the local outbox): one Query per ledger shard."""
        found: list[dict[str, Any]] = []
        for shard in range(LEDGER_SHARDS):
            request: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": f"ledger#{day}#{shard}"}},
            }
            while True:
                page = self._client.query(**request)
                found.extend(unmarshal(i) for i in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found
