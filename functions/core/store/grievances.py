"""The `grievances` table.

pk = grievance id: sk = "GRIEVANCE" holds the record, "ATT#<id>" each attachment.
pk = "limit#<employee>#<YYYY-MM>" counts an employee's filings in a month (the anti-abuse cap).
pk = "activity#<username>" is when an officer or HoD was last seen (written at most hourly).

Four sparse indexes keep every list and sweep a Query whose cost follows its own items:
* `by_employee`: an employee's grievances, newest first;
* `unit_queue`: an L1 unit's grievances; `l2_queue`: a department's L2 grievances. Their
  queue_sort = "<rank>#<time>#<id>": rank 0 (the office owes a step) is ordered by when the SLA
  breaks, so overdue items come first and "overdue only" is a key range;
* `sweeps` (keys only): sweep = "sla#<shard>" while an SLA runs and is not yet marked overdue,
  "autoclose#<shard>" while RESOLVED; sweep_at = when the SLA breaks, or when it was resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.audit import RecordHead
from core.aws_faults import error_code
from core.errors import GrievanceLimit, InvalidTransition
from core.grievance import Attachment, Grievance, GrievanceStatus, Level, month_key, next_month_opens, utc_key
from core.registration import DocumentStatus
from core.store.counters import shard_of
from core.store.dynamo import (
    Page,
    TxItem,
    changed_meanwhile,
    exclusive_start,
    head_items,
    marshal,
    put_if_version,
    put_new,
    record_head,
    record_with_children,
    transact_write,
    unmarshal,
)

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

RECORD = "grievance"  # what a VersionConflict names
RECORD_SK = "GRIEVANCE"
ATTACHMENT_PREFIX = "ATT#"
BY_EMPLOYEE = "by_employee"
UNIT_QUEUE = "unit_queue"
L2_QUEUE = "l2_queue"
SWEEPS = "sweeps"
SLA_SWEEP = "sla"
AUTOCLOSE_SWEEP = "autoclose"
SWEEP_SHARDS = 8
LIMIT_KEEP_FOR = timedelta(days=62)

QUEUE_RANK = {
    GrievanceStatus.OPEN: "0",
    GrievanceStatus.IN_PROGRESS: "0",
    GrievanceStatus.AWAITING_EMPLOYEE: "1",
    GrievanceStatus.RESOLVED: "2",
    GrievanceStatus.CLOSED: "3",
    GrievanceStatus.REJECTED: "3",
}


def index_attributes(grievance: Grievance) -> dict[str, Any]:
    running = grievance.status in (GrievanceStatus.OPEN, GrievanceStatus.IN_PROGRESS)
    breaks_at = utc_key(grievance.sla.ends_before)
    rank = QUEUE_RANK[grievance.status]
    order = breaks_at if running else utc_key(grievance.filed_at)
    attributes: dict[str, Any] = {
        "employee_key": grievance.employee_code,
        "filed_sort": f"{utc_key(grievance.filed_at)}#{grievance.grievance_id}",
        "queue_sort": f"{rank}#{order}#{grievance.grievance_id}",
    }
    if grievance.level == Level.L1 and grievance.unit:
        attributes["queue_unit"] = grievance.unit
    if grievance.level == Level.L2:
        attributes["queue_department"] = grievance.department
    if running:
        attributes["sla_breaks_at"] = breaks_at
    shard = shard_of(grievance.grievance_id) % SWEEP_SHARDS
    if running and grievance.overdue_since is None:
        attributes["sweep"], attributes["sweep_at"] = f"{SLA_SWEEP}#{shard}", breaks_at
    elif grievance.status == GrievanceStatus.RESOLVED and grievance.resolved_at is not None:
        attributes["sweep"], attributes["sweep_at"] = f"{AUTOCLOSE_SWEEP}#{shard}", utc_key(grievance.resolved_at)
    return attributes


@dataclass(frozen=True)
class ListFilter:
    status: GrievanceStatus | None = None
    category: str | None = None
    overdue_at: datetime | None = None  # only those whose SLA broke by then


GrievancePage = Page[Grievance]


class ActivityNotNoted(Exception):
    """DynamoDB refused to note when an officer or HoD was last seen (`error_code`: its error's code)."""

    def __init__(self, error_code: str) -> None:
        super().__init__(f"activity not noted: {error_code}")
        self.error_code = error_code


class GrievanceStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    # ------------------------------------------------------------------ reads
    def get(self, grievance_id: str) -> Grievance | None:
        """The record and its attachments in one consistent Query."""
        found = record_with_children(
            self._client, self._table, grievance_id, record_sk=RECORD_SK, child_prefix=ATTACHMENT_PREFIX
        )
        if found is None:
            return None
        record, attachments = found
        return Grievance.model_validate({**record, "attachments": [Attachment.model_validate(a) for a in attachments]})

    def heads(self) -> Iterator[RecordHead]:
        """Every grievance's version and chain head, for the transparency auditor: a Scan that reads
        the keys and those two attributes only (its role may read nothing else of the table)."""
        found = head_items(
            self._client, self._table, keys="pk, sk", where="sk = :record", values={":record": {"S": RECORD_SK}}
        )
        for item in found:
            yield record_head(f"grievance#{item['pk']['S']}", item)

    def page(
        self, *, index: str, partition: str, where: ListFilter, limit: int, start: dict[str, Any] | None
    ) -> GrievancePage:
        """One Query on one index partition; filters narrow the page, never widen the read."""
        key_attribute = {BY_EMPLOYEE: "employee_key", UNIT_QUEUE: "queue_unit", L2_QUEUE: "queue_department"}[index]
        names = {"#p": key_attribute}
        values: dict[str, Any] = {":p": {"S": partition}}
        condition = "#p = :p"
        filters = []
        if where.overdue_at is not None:
            now = utc_key(where.overdue_at)
            if index == BY_EMPLOYEE:
                names["#b"] = "sla_breaks_at"
                values[":now"] = {"S": now}
                filters.append("#b <= :now")
            else:  # rank 0 is ordered by when the SLA breaks: overdue is a key range
                names["#s"] = "queue_sort"
                values[":lo"], values[":hi"] = {"S": "0#"}, {"S": f"0#{now}#~"}
                condition += " AND #s BETWEEN :lo AND :hi"
        if where.status is not None:
            names["#st"] = "status"
            values[":st"] = {"S": where.status.value}
            filters.append("#st = :st")
            if index != BY_EMPLOYEE and where.overdue_at is None:
                names["#s"] = "queue_sort"
                values[":rank"] = {"S": f"{QUEUE_RANK[where.status]}#"}
                condition += " AND begins_with(#s, :rank)"
        if where.category:
            names["#c"] = "category"
            values[":c"] = {"S": where.category}
            filters.append("#c = :c")
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "Limit": limit,
            "ScanIndexForward": index != BY_EMPLOYEE,  # an employee sees the newest first
        }
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        if start:
            sort_attribute = "filed_sort" if index == BY_EMPLOYEE else "queue_sort"
            keys = ("pk", "sk", key_attribute, sort_attribute)
            request["ExclusiveStartKey"] = exclusive_start(start, keys=keys, partition=(key_attribute, partition))
        page = self._client.query(**request)
        items = [Grievance.model_validate(unmarshal(i)) for i in page.get("Items", [])]
        return GrievancePage(items=items, last_key=page.get("LastEvaluatedKey"), items_read=page.get("ScannedCount", 0))

    def count(self, *, index: str, partition: str, ranks: tuple[str, ...], overdue_at: datetime | None = None) -> int:
        """How many grievances of one queue partition are in the given ranks (or overdue): COUNT Queries."""
        key_attribute = "queue_unit" if index == UNIT_QUEUE else "queue_department"
        conditions: list[tuple[str, dict[str, Any]]] = []
        if overdue_at is not None:
            bounds = {":lo": {"S": "0#"}, ":hi": {"S": f"0#{utc_key(overdue_at)}#~"}}
            conditions.append(("#s BETWEEN :lo AND :hi", bounds))
        else:
            conditions.extend(("begins_with(#s, :r)", {":r": {"S": f"{rank}#"}}) for rank in ranks)
        total = 0
        for condition, values in conditions:
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": index,
                "KeyConditionExpression": f"#p = :p AND {condition}",
                "ExpressionAttributeNames": {"#p": key_attribute, "#s": "queue_sort"},
                "ExpressionAttributeValues": {":p": {"S": partition}, **values},
                "Select": "COUNT",
            }
            while True:
                page = self._client.query(**request)
                total += int(page.get("Count", 0))
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return total

    def due_for_sweep(
        self, *, sweep: str, shard: int, until: datetime, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        """Ids in one sweep shard whose sweep time is at or before `until` (keys only, oldest first)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": SWEEPS,
            "KeyConditionExpression": "sweep = :s AND sweep_at <= :until",
            "ExpressionAttributeValues": {":s": {"S": f"{sweep}#{shard}"}, ":until": {"S": utc_key(until)}},
            "Limit": limit,
        }
        if start:
            request["ExclusiveStartKey"] = start
        page = self._client.query(**request)
        return [i["pk"]["S"] for i in page.get("Items", [])], page.get("LastEvaluatedKey")

    # ------------------------------------------------------------------ writes
    def _record_item(self, grievance: Grievance) -> dict[str, Any]:
        body = grievance.model_dump(mode="json", exclude={"attachments"})
        return marshal({"pk": grievance.grievance_id, "sk": RECORD_SK, **body, **index_attributes(grievance)})

    def create(self, grievance: Grievance) -> TxItem:
        """The new record; VersionConflict (in its change's transaction) if it exists already."""
        return put_new(RECORD, self._table, self._record_item(grievance)).refused_as(changed_meanwhile(RECORD))

    def replace(self, grievance: Grievance, *, expected_version: int) -> TxItem:
        """The new image; VersionConflict (naming the version found) if anyone changed it since it was read."""
        item = put_if_version(RECORD, self._table, self._record_item(grievance), expected_version)
        return item.refused_as(changed_meanwhile(RECORD))

    def count_filing(self, *, employee_code: str, limit: int, now: datetime) -> TxItem:
        """+1 to this month's filings (the month of `now`), in the same transaction as the filing; once
        `limit` is reached that transaction raises GrievanceLimit (which says when the next month opens)."""
        month = month_key(now)
        opens = next_month_opens(now)
        refusal = GrievanceLimit(
            limit=limit,
            month=month,
            opens_on=opens.date(),
            opens_at=opens,
            retry_after_seconds=int((opens - now).total_seconds()),
        )
        return TxItem(
            name="monthly_limit",
            operation="Update",
            request={
                "TableName": self._table,
                "Key": {"pk": {"S": f"limit#{employee_code}#{month}"}, "sk": {"S": "LIMIT"}},
                "UpdateExpression": "ADD filed :one SET expires_at_epoch = :ttl",
                "ConditionExpression": "attribute_not_exists(filed) OR filed < :limit",
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":ttl": {"N": str(int((now + LIMIT_KEEP_FOR).timestamp()))},
                },
            },
            refusal=lambda _current: refusal,
        )

    def _attachment_item(self, grievance_id: str, attachment: Attachment) -> dict[str, Any]:
        body = attachment.model_dump(mode="json")
        return marshal({"pk": grievance_id, "sk": f"{ATTACHMENT_PREFIX}{attachment.attachment_id}", **body})

    def add_attachment(self, grievance: Grievance, attachment: Attachment, *, owner_sub: str) -> None:
        """An upload slot, written only on the owner's grievance while it is not final (no version bump:
        the upload itself changes nothing the office sees until a reply cites it). Raises
        InvalidTransition if the grievance was closed (or is not the owner's) since it was read."""

        def closed(current: dict[str, Any] | None) -> InvalidTransition:
            status = (current or {}).get("status")
            return InvalidTransition("no_more_attachments", current_status=status, level=grievance.level)

        grievance_id = grievance.grievance_id
        transact_write(
            self._client,
            [
                TxItem(
                    name="grievance",
                    operation="ConditionCheck",
                    request={
                        "TableName": self._table,
                        "Key": {"pk": {"S": grievance_id}, "sk": {"S": RECORD_SK}},
                        "ConditionExpression": "owner_sub = :owner AND NOT #status IN (:closed, :rejected)",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":owner": {"S": owner_sub},
                            ":closed": {"S": GrievanceStatus.CLOSED.value},
                            ":rejected": {"S": GrievanceStatus.REJECTED.value},
                        },
                    },
                    refusal=closed,
                ),
                TxItem(
                    name="attachment",
                    operation="Put",
                    request={
                        "TableName": self._table,
                        "Item": self._attachment_item(grievance_id, attachment),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    },
                    refusal=closed,
                ),
            ],
        )

    def record_attachment_check(self, grievance_id: str, attachment: Attachment) -> bool:
        """The outcome of the check, written once: False, writing nothing, when it is no longer pending
        (a concurrent confirm won)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._attachment_item(grievance_id, attachment),
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": {"S": DocumentStatus.PENDING_UPLOAD.value}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def touch_activity(self, *, username: str, role: str, scope: str, now: datetime) -> bool:
        """Records `last_seen` unless it was already recorded this hour; True if it wrote. Raises
        ActivityNotNoted when the write failed for any other reason, refused or never answered."""
        hour = utc_key(now)[:13]
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"activity#{username}"}, "sk": {"S": "ACTIVITY"}},
                UpdateExpression="SET last_seen = :now, seen_hour = :hour, #role = :role, #scope = :scope",
                ConditionExpression="attribute_not_exists(seen_hour) OR seen_hour < :hour",
                ExpressionAttributeNames={"#role": "role", "#scope": "scope"},
                ExpressionAttributeValues={
                    ":now": {"S": now.isoformat()},
                    ":hour": {"S": hour},
                    ":role": {"S": role},
                    ":scope": {"S": scope},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        except ClientError as error:
            raise ActivityNotNoted(error_code(error)) from error
        except BotoCoreError as error:  # a timeout or a lost connection: no AWS error code
            raise ActivityNotNoted(type(error).__name__) from error
        return True

    def last_seen(self, username: str) -> datetime | None:
        response = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": f"activity#{username}"}, "sk": {"S": "ACTIVITY"}}
        )
        if "Item" not in response:
            return None
        return datetime.fromisoformat(response["Item"]["last_seen"]["S"])
