"""The `transparency-audits` table: the auditor's runs and its own bookkeeping, and nothing else.

* `pk = "run"`, `sk = "<started at, UTC>#<run id>"`: one item per run, its verdict and findings (the
  admin route lists them newest first, a page per Query);
* `pk = "cursor"`, `sk = "sample"`: the last record the rolling sample checked;
* `pk = "notified"`, `sk = <finding key>`: a finding the admins were told of, so the same tampering
  found again the next hour is not told twice.

Only the auditor writes here, and it writes nowhere else but the notification outbox: the log it
audits is out of its reach.
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.store.dynamo import TxItem, exclusive_start, marshal, transact_write
from core.transparency_audit import AuditRun

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

RUNS = "run"
CURSOR_KEY = {"pk": {"S": "cursor"}, "sk": {"S": "sample"}}
NOTIFIED = "notified"
_BATCH_GET = 100
_BATCH_WRITE = 25
_TRANSACTION = 100  # DynamoDB's most items in one transaction


def run_sort_key(run: AuditRun) -> str:
    return f"{run.started_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{run.run_id}"


class AuditStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    # ------------------------------------------------------------------ runs
    def put_run(self, run: AuditRun) -> None:
        self._client.put_item(TableName=self._table, Item=self._run_item(run))

    def _run_item(self, run: AuditRun) -> dict[str, Any]:
        return marshal(
            {
                "pk": RUNS,
                "sk": run_sort_key(run),
                "verdict": run.verdict.value,
                "findings_total": run.findings_total,
                "document": run.model_dump_json(),
            }
        )

    def record_run(self, run: AuditRun, *, told: Collection[str]) -> None:
        """The run and the findings it told the admins of, in one transaction: a run that dies before it
        is recorded has marked nothing, so the next run tells (its requests are made once) and records
        the telling. More findings than a transaction holds are marked first, then the run recorded."""
        keys = sorted(set(told))
        if len(keys) >= _TRANSACTION:
            self.mark_notified(keys, run_id=run.run_id, at=run.started_at)
            self.put_run(run)
            return
        put = {"TableName": self._table}
        transact_write(
            self._client,
            [
                TxItem(name="audit_run", operation="Put", request={**put, "Item": self._run_item(run)}),
                *(
                    TxItem(name=f"notified:{key}", operation="Put", request={**put, "Item": self._mark(key, run)})
                    for key in keys
                ),
            ],
        )

    @staticmethod
    def _mark(key: str, run: AuditRun) -> dict[str, Any]:
        return marshal({"pk": NOTIFIED, "sk": key, "run_id": run.run_id, "at": run.started_at.isoformat()})

    def runs(self, *, limit: int, start: dict[str, Any] | None) -> tuple[list[AuditRun], dict[str, Any] | None]:
        """A page of runs, newest first, and where the next page starts (None: this was the last)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :runs",
            "ExpressionAttributeValues": {":runs": {"S": RUNS}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start:
            request["ExclusiveStartKey"] = exclusive_start(start, keys=("pk", "sk"), partition=("pk", RUNS))
        page = self._client.query(**request)
        runs = [AuditRun.model_validate_json(item["document"]["S"]) for item in page.get("Items", [])]
        return runs, page.get("LastEvaluatedKey")

    # ------------------------------------------------------------------ the sample's cursor
    def sample_cursor(self) -> str | None:
        item = self._client.get_item(TableName=self._table, Key=CURSOR_KEY, ConsistentRead=True).get("Item")
        return None if item is None else str(item["after"]["S"])

    def move_sample_cursor(self, after: str, at: datetime) -> None:
        self._client.put_item(
            TableName=self._table, Item={**CURSOR_KEY, **marshal({"after": after, "moved_at": at.isoformat()})}
        )

    # ------------------------------------------------------------------ findings already told
    def notified(self, keys: Collection[str]) -> set[str]:
        """Which of these findings the admins were told of by an earlier run."""
        wanted = sorted(set(keys))
        told: set[str] = set()
        for start in range(0, len(wanted), _BATCH_GET):
            pending: dict[str, Any] = {
                self._table: {
                    "Keys": [{"pk": {"S": NOTIFIED}, "sk": {"S": key}} for key in wanted[start : start + _BATCH_GET]],
                    "ConsistentRead": True,
                }
            }
            attempt = 0
            while pending:
                page = self._client.batch_get_item(RequestItems=pending)
                told.update(item["sk"]["S"] for item in page.get("Responses", {}).get(self._table, []))
                pending = page.get("UnprocessedKeys") or {}
                attempt = _backoff(pending, attempt)
        return told

    def mark_notified(self, keys: Collection[str], *, run_id: str, at: datetime) -> None:
        requests = [
            {"PutRequest": {"Item": marshal({"pk": NOTIFIED, "sk": key, "run_id": run_id, "at": at.isoformat()})}}
            for key in sorted(set(keys))
        ]
        for start in range(0, len(requests), _BATCH_WRITE):
            pending: dict[str, Any] = {self._table: requests[start : start + _BATCH_WRITE]}
            attempt = 0
            while pending:
                pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                attempt = _backoff(pending, attempt)


def _backoff(pending: dict[str, Any], attempt: int) -> int:
    if not pending:
        return attempt
    time.sleep(min(1.0, 0.02 * 2 ** (attempt + 1)) * random.uniform(0.5, 1.0))
    return attempt + 1
