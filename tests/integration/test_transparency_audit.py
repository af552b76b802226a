"""The transparency auditor on moto: a clean log of every record kind audits clean; an insider's direct
edit of DynamoDB (an event's text, an event deleted, a chain rewritten with fresh hashes, a record's
head moved, the stored tree, a served checkpoint) is found, naming the record and the event's seq;
the alarm's metric is published, the admins are told once, and only admins read the runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from auditor import handler as auditor_handler
from auditor import settings as auditor_settings
from core.audit import Actor, AuditEvent
from core.auth import Role
from core.clock import SettableClock
from core.http import encode_cursor
from core.identity import Official
from core.officials import plan, record
from core.store.directory import DirectoryStore
from core.store.dynamo import transact_write
from core.store.events import EventStore
from core.transparency import event_leaf
from infra.local.events import LocalLambdaContext
from tests import factories
from tests.factories import employee
from tests.integration.conftest import call
from tests.integration.test_grievances import filed
from tests.integration.test_mobile_corrections import ask, decide, only_item
from tests.integration.test_registration_journey import complete_draft, submit
from tests.integration.test_transparency_log import run as run_log_job

pytestmark = pytest.mark.usefixtures("seeded")

ADMIN = factories.claims("admin1", "admin")
ADMIN_OFFICIAL = Official(
    username="admin1", name="State Nodal Officer", email="nodal@example.gov.in", mobile="9876510001", role=Role.ADMIN
)
OPERATOR = Actor(id="system:operator", role="operator")


def audit(**options: Any) -> dict[str, Any]:
    """The hourly job, invoked as EventBridge Scheduler invokes it; returns the run."""
    answer = auditor_handler.lambda_handler(
        {"job": "transparency-audit", **options}, LocalLambdaContext("TransparencyAuditFunction")
    )
    return dict(answer["run"])


def ddb() -> Any:
    return boto3.client("dynamodb")


def settings() -> auditor_settings.AuditorSettings:
    return auditor_settings.get_settings()


def kinds(run: dict[str, Any]) -> set[tuple[str, str | None, int | None]]:
    return {(f["kind"], f["entity"], f["seq"]) for f in run["findings"]}


@dataclass(frozen=True)
class World:
    registration: str  # its entity: "registration#REG-..."
    events: int  # how many events its chain has


def build_world(clock: SettableClock, *, every_kind: bool) -> World:
    """An admin official and a submitted registration (with, if `every_kind`, a grievance, a help request
    and the roll entry it corrected), then the programme's windows moved an hour later: two hourly
    checkpoints, and the audit at half past."""
    items, _ = record(
        plan(None, ADMIN_OFFICIAL),
        sub=ADMIN["sub"],
        at=clock.now(),
        actor=OPERATOR,
        reason="appointed",
        directory=DirectoryStore(ddb(), settings().directory_table),
        events=EventStore(ddb(), settings().events_table),
    )
    transact_write(ddb(), items)
    reg_id, version = complete_draft()
    assert submit(reg_id, version).status == 200
    if every_kind:
        filed()
        ask("EMP-0002")
        assert decide(only_item()).status == 200
    run_log_job("transparency-checkpoint")
    clock.set(clock.now() + timedelta(hours=1), frozen=True)
    order = {"order_ref": "HR/GAD/2026/17", "reason": "Server outage in three districts."}
    extended = {**order, "registration_closes_at": "2026-02-07T23:59:59+05:30"}
    assert call("PUT", "/v1/admin/windows", as_=ADMIN, body=extended).status == 200
    run_log_job("transparency-checkpoint")
    clock.set(clock.now() + timedelta(minutes=30), frozen=True)
    events = EventStore(ddb(), settings().events_table).history(f"registration#{reg_id}")
    return World(registration=f"registration#{reg_id}", events=len(events))


@pytest.fixture
def world(clock: SettableClock) -> World:
    return build_world(clock, every_kind=False)


@pytest.fixture
def every_kind(clock: SettableClock) -> World:
    return build_world(clock, every_kind=True)


def event_item(entity: str, seq: int) -> dict[str, Any]:
    key = {"pk": {"S": entity}, "seq": {"N": str(seq)}}
    return dict(ddb().get_item(TableName=settings().events_table, Key=key, ConsistentRead=True)["Item"])


# ---------------------------------------------------------------- what an insider with table access does
def alter_text(world: World) -> None:
    """An event's text changed (its reason rewritten), its hash left as it was."""
    item = event_item(world.registration, 2)
    body = json.loads(item["body"]["S"])
    body["reason"] = "Documents were never uploaded."
    item["body"] = {"S": json.dumps(body, sort_keys=True, separators=(",", ":"))}
    ddb().put_item(TableName=settings().events_table, Item=item)


def delete_event(world: World) -> None:
    key = {"pk": {"S": world.registration}, "seq": {"N": "2"}}
    ddb().delete_item(TableName=settings().events_table, Key=key)


def rewrite_chain(world: World) -> None:
    """The whole chain made again with other data and fresh, self-consistent hashes (each event keeps
    its leaf index), and the record's head moved to the new last event: every chain check passes."""
    prev = "0" * 64
    for seq in range(1, world.events + 1):
        item = event_item(world.registration, seq)
        old = AuditEvent(**json.loads(item["body"]["S"]), hash=item["hash"]["S"])
        new = AuditEvent.create(
            entity=old.entity,
            seq=seq,
            type=old.type,
            at=old.at,
            actor=old.actor,
            prev_hash=prev,
            data={**old.data, "forged": True},
            reason=old.reason,
        )
        ddb().put_item(
            TableName=settings().events_table,
            Item={**item, "body": {"S": new.body_json()}, "hash": {"S": new.hash}},
        )
        prev = new.hash
    move_record(world, version=world.events, head=prev)


def move_head(world: World) -> None:
    """The record's head moved back one event, as if its last change never happened."""
    previous = event_item(world.registration, world.events - 1)["hash"]["S"]
    move_record(world, version=world.events - 1, head=previous)


def move_record(world: World, *, version: int, head: str) -> None:
    ddb().update_item(
        TableName=settings().registrations_table,
        Key={"pk": {"S": world.registration.split("#", 1)[1]}, "sk": {"S": "REGISTRATION"}},
        UpdateExpression="SET version = :v, event_head = :h",
        ExpressionAttributeValues={":v": {"N": str(version)}, ":h": {"S": head}},
    )


def published(capsys: pytest.CaptureFixture[str]) -> dict[str, list[float]]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"CloudWatchMetrics"' in line]
    return {name: values for line in lines for name, values in line.items() if name.startswith("TransparencyAudit")}


# ---------------------------------------------------------------- clean
def test_a_clean_log_of_every_record_kind_audits_clean(
    every_kind: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given metrics on (EMF lines on stdout, as CloudWatch reads them)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    # When the hourly audit runs
    run = audit()
    # Then every event, chain and head of every kind of record agrees with the two signed checkpoints
    chains = {e.entity for e in EventStore(ddb(), settings().events_table).every_event()}
    assert {c.split("#", 1)[0] for c in chains} == {
        "registration",
        "grievance",
        "correction",
        "roll",
        "programme",
        "official",
    }
    assert run["verdict"] == "clean" and run["findings"] == [] and run["notified"] == []
    assert run["checkpoint"]["tree_size"] == run["events_checked"]
    assert 0 < run["previous_checkpoint"]["tree_size"] < run["checkpoint"]["tree_size"]
    assert run["records_checked"] >= len(chains) and run["sampled_records"] == run["records_checked"]
    # And the alarm's metric says 0, and a run was counted (its absence pages too)
    assert published(capsys) == {"TransparencyAuditRuns": [1.0], "TransparencyAuditFindings": [0.0]}
    # And the admin reads the run
    listed = call("GET", "/v1/admin/transparency/audits", as_=ADMIN)
    assert listed.status == 200, listed.body
    assert [r["run_id"] for r in listed.body["items"]] == [run["run_id"]]
    assert listed.body["items"][0]["verdict"] == "clean"


# ---------------------------------------------------------------- an insider's edits
TAMPERING: dict[str, tuple[Callable[[World], None], Callable[[World], set[tuple[str, str | None, int | None]]]]] = {
    "an event's text altered": (alter_text, lambda w: {("event_altered", w.registration, 2)}),
    "an event deleted": (delete_event, lambda w: {("event_missing", w.registration, 2), ("leaf_missing", None, None)}),
    "a whole chain rewritten with fresh hashes": (
        rewrite_chain,
        lambda w: {("leaf_differs", w.registration, seq) for seq in range(1, w.events + 1)},
    ),
    "a record's head moved": (move_head, lambda w: {("head_moved", w.registration, w.events)}),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_an_insiders_direct_edit_is_found_naming_the_record_and_seq(
    case: str, world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper, expected = TAMPERING[case]
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    # Given a clean log
    assert audit()["verdict"] == "clean"
    assert published(capsys)["TransparencyAuditFindings"] == [0.0]
    # When an insider edits DynamoDB directly
    tamper(world)
    # Then the next hour's audit finds it, naming the record and the event's seq, and nothing else
    run = audit()
    assert run["verdict"] == "mismatch"
    assert kinds(run) == expected(world), run["findings"]
    assert all(f["detail"] and (f["expected"] or f["found"]) for f in run["findings"])
    # And the alarm's metric counts the findings
    assert published(capsys)["TransparencyAuditFindings"] == [float(run["findings_total"])]


def test_the_log_tables_themselves_are_checked_against_the_archive(world: World) -> None:
    # Given the stored tree's leaf of the registration's third event overwritten (the leaf its
    # neighbour's inclusion proof is made from), and the checkpoint the public routes serve given
    # another root
    third = event_item(world.registration, 3)
    leaf = int(third["leaf_index"]["N"])
    neighbour = next(e for e in EventStore(ddb(), settings().events_table).every_event() if e.leaf_index == leaf ^ 1)
    table = settings().transparency_table
    ddb().put_item(TableName=table, Item={"pk": {"S": f"node#0#{leaf}"}, "sk": {"S": "-"}, "hash": {"S": "ab" * 32}})
    served = ddb().query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "checkpoint"}},
        ScanIndexForward=False,
        Limit=1,
    )["Items"][0]
    document = json.loads(served["document"]["S"])
    document["checkpoint"]["root_hash"] = "cd" * 32
    ddb().put_item(TableName=table, Item={**served, "document": {"S": json.dumps(document)}})
    # When the audit runs (its sample covers every record of this small world)
    run = audit()
    # Then the events still make the signed tree, but the stored leaf, the proof served from it and the
    # served checkpoint do not agree with the archive
    size = run["checkpoint"]["tree_size"]
    assert kinds(run) == {
        ("stored_leaf_differs", world.registration, 3),
        ("proof_fails", neighbour.entity, neighbour.seq),
        ("checkpoint_served_differs", f"checkpoint#{size}", None),
    }
    stored = next(f for f in run["findings"] if f["kind"] == "stored_leaf_differs")
    assert stored["expected"] == event_leaf(third["hash"]["S"]).hex() and stored["found"] == "ab" * 32


# ---------------------------------------------------------------- telling the admins
def audit_notices() -> list[dict[str, Any]]:
    items = ddb().scan(TableName=settings().notifications_table)["Items"]
    return [i for i in items if i["pk"]["S"].startswith("request#job#transparency-audit#")]


def test_the_admins_are_told_once_per_set_of_findings(world: World) -> None:
    # Given an event's text altered
    alter_text(world)
    # When a dry run reports it, nothing is recorded and nobody is told
    assert audit(dry_run=True)["verdict"] == "mismatch"
    assert audit_notices() == [] and call("GET", "/v1/admin/transparency/audits", as_=ADMIN).body["items"] == []
    # When the audit runs, and runs again the next hour on the same tables
    first = audit()
    second = audit()
    # Then the admin was told once, in the outbox the notices job delivers, to their own contact
    assert first["notified"] == ["admin1"] and second["notified"] == []
    (notice,) = audit_notices()
    assert notice["sk"]["S"] == "official:admin1" and notice["template"]["S"] == "transparency_audit_alert"
    assert notice["contact"]["M"]["email"]["S"] == ADMIN_OFFICIAL.email
    assert f"{world.registration} #2" in notice["data"]["M"]["first"]["S"]
    assert second["verdict"] == "mismatch" and second["findings"] == first["findings"]
    # When a second edit adds a finding, the admins hear of the new one
    move_head(world)
    third = audit()
    assert third["notified"] == ["admin1"] and len(audit_notices()) == 2


# ---------------------------------------------------------------- the admin route
def test_only_admins_list_the_runs_newest_first_page_by_page(clock: SettableClock) -> None:
    # Given three runs an hour apart (on a log with nothing in it yet)
    runs = []
    for _ in range(3):
        runs.append(audit()["run_id"])
        clock.set(clock.now() + timedelta(hours=1), frozen=True)
    # When the admin pages through them two at a time
    first = call("GET", "/v1/admin/transparency/audits", as_=ADMIN, query="limit=2")
    assert first.status == 200 and first.body["next_cursor"]
    second = call(
        "GET", "/v1/admin/transparency/audits", as_=ADMIN, query=f"limit=2&cursor={first.body['next_cursor']}"
    )
    # Then they come newest first, each once
    listed = [r["run_id"] for r in first.body["items"] + second.body["items"]]
    assert listed == runs[::-1] and second.body["next_cursor"] is None
    # And nobody else may read them; a cursor not given out by this list is refused
    for other in (employee(), factories.ddo(), factories.hod()):
        reply = call("GET", "/v1/admin/transparency/audits", as_=other)
        assert (reply.status, reply.code) == (403, "forbidden")
    assert call("GET", "/v1/admin/transparency/audits", as_=None).status == 401
    foreign = encode_cursor({"pk": {"S": "notified"}, "sk": {"S": "x"}})
    for cursor in (foreign, "not-a-cursor"):
        reply = call("GET", "/v1/admin/transparency/audits", as_=ADMIN, query=f"cursor={cursor}")
        assert (reply.status, reply.code) == (400, "invalid_cursor")
