"""The `job_runs` table: one item per (job, programme, deadline) once a deadline job has planned.

Its conditional put is what makes the once-per-deadline parts of a job (the final report, the
HoDs' notifications) happen once, however often the schedule fires or an operator reruns it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.store.dynamo import TxItem, marshal, put_once, unmarshal


def run_key(job: str, programme_id: str) -> str:
    return f"{job}#{programme_id}"


class JobRunStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def get(self, job: str, programme_id: str, deadline: datetime) -> dict[str, Any] | None:
        item = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": run_key(job, programme_id)}, "sk": {"S": deadline.isoformat()}},
            ConsistentRead=True,
        ).get("Item")
        return unmarshal(item) if item else None

    def claim(self, job: str, programme_id: str, deadline: datetime, record: dict[str, Any]) -> bool:
        """True for the one run that records the plan for this deadline; False if one already did."""
        item = {"pk": run_key(job, programme_id), "sk": deadline.isoformat(), **record}
        return put_once(
            self._client,
            TxItem(
                name="job_run",
                operation="Put",
                request={
                    "TableName": self._table,
                    "Item": marshal(item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
            ),
        )
