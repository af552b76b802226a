"""The `notifications` table: requests to tell someone about a change, written in the change's own
transaction (an outbox), delivered later by the reminders function as SMS and e-mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.store.dynamo import TxItem, marshal

KEEP_FOR = timedelta(days=400)


class NotificationStore:
    def __init__(self, table: str) -> None:
        self._table = table

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
    ) -> TxItem:
        """`index` tells apart the requests one change makes (the employee and the new assignee)."""
        sk = f"{seq:010d}" if index == 0 else f"{seq:010d}#{index}"
        return self._put(f"request#{entity}", sk, recipient, template, data, at)

    def job_request(self, *, job_run: str, recipient: str, template: str, data: dict[str, Any], at: datetime) -> TxItem:
        """A job's request to `recipient`, once per run of the job (`job_run` names the job, programme
        and deadline): a second put for the same recipient fails its condition."""
        return self._put(f"request#job#{job_run}", recipient, recipient, template, data, at)

    def _put(self, pk: str, sk: str, recipient: str, template: str, data: dict[str, Any], at: datetime) -> TxItem:
        item = {
            "pk": pk,
            "sk": sk,
            "recipient": recipient,
            "template": template,
            "data": data,
            "status": "PENDING",
            "requested_at": at.isoformat(),
            "expires_at_epoch": int((at + KEEP_FOR).timestamp()),
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
