"""The `job_runs` table: one item per (job, programme, deadline) once a deadline job has planned.

Its conditional put is what makes the once-per-deadline parts of a job (the final report, the
HoDs' notifications) happen once, however often the schedule fires or an operator reruns it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.language import Language
from core.store.dynamo import TxItem, marshal, put_once, unmarshal

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient


def run_key(job: str, programme_id: str) -> str:
    return f"{job}#{programme_id}"


class JobRunStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
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


# ---------------------------------------------------------------- roll imports
class ImportStatus(StrEnum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"  # the file as a whole could not be read (not UTF-8 CSV, columns missing)


class ImportCounts(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_registered: int = 0
    errors: int = 0
    # Lines whose mobile was not applied: a DDO or HoD had certified another (also counted above).
    kept_certified_mobile: int = 0

    def __add__(self, other: ImportCounts) -> ImportCounts:
        return ImportCounts(**{name: getattr(self, name) + getattr(other, name) for name in ImportCounts.model_fields})


class ImportRun(BaseModel):
    """One roll import, as stored: pk = "roll-import#<programme>", sk = its id.

    `next_line` is the checkpoint: the data rows before it are imported and counted, and their
    errors written to the parts under `imports/<id>/errors/`. A run that stops resumes from it.
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    import_id: str
    programme_id: str
    filename: str
    status: ImportStatus
    created_by: str
    created_at: AwareDatetime
    source_key: str
    source_version: str | None = None
    rows_total: int | None = None
    next_line: int = 0
    counts: ImportCounts = ImportCounts()
    error_parts: list[str] = Field(default_factory=list)
    invocations: int = 0
    failure: str | None = None
    report_key: str | None = None
    completed_at: AwareDatetime | None = None
    # The language of the report (and of `failure`): the Accept-Language of the request that started it.
    report_language: Language = Language.EN


def _import_key(programme_id: str, import_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"roll-import#{programme_id}"}, "sk": {"S": import_id}}


def _import_item(run: ImportRun) -> dict[str, Any]:
    return {**_import_key(run.programme_id, run.import_id), **marshal(run.model_dump(mode="json"))}


class ImportRunStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def create(self, run: ImportRun) -> None:
        self._client.put_item(
            TableName=self._table, Item=_import_item(run), ConditionExpression="attribute_not_exists(pk)"
        )

    def get(self, programme_id: str, import_id: str) -> ImportRun | None:
        item = self._client.get_item(
            TableName=self._table, Key=_import_key(programme_id, import_id), ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return ImportRun.model_validate({k: v for k, v in unmarshal(item).items() if k not in ("pk", "sk")})

    def advance(self, before: ImportRun, after: ImportRun) -> bool:
        """Stores `after` only if the run is still where `before` left it (status and checkpoint):
        of two workers on one import, one moves it on and the other learns it lost and stops."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_import_item(after),
                ConditionExpression="#s = :status AND next_line = :line AND invocations = :calls",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":status": {"S": before.status.value},
                    ":line": {"N": str(before.next_line)},
                    ":calls": {"N": str(before.invocations)},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
