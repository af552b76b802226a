"""The transparency audit at 10,000 and 100,000 events on moto: seconds and DynamoDB calls per run.

The log is loaded as the sequencer leaves it: registrations of ten events each (bodies the size of real
ones), every event with its leaf index, every tree node stored, the log's state, and two signed
checkpoints (at half the events and at all of them) archived in the Object Lock bucket. Each run is the
hourly job as Scheduler invokes it. Then one registration's chain is rewritten with fresh hashes, as an
insider would, and one more run shows what finding it costs: the walk down the signed tree.

The audit reads every event once (one Scan, in 1 MB pages) and every record's head (a Scan of the head
attributes), so its calls grow with the tables, once an hour; its other reads (the stored tree for the
sample and for each difference) grow with log2 of the tree.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import boto3

from bench.register_routes import Calls, _environment
from core.audit import Actor, AuditEvent, RecordHead, StoredEvent
from core.clock import IST, SettableClock, install_clock
from core.merkle import CompactRange
from core.observability import logger
from core.store.dynamo import marshal, transact_write
from core.store.transparency import TransparencyStore
from core.transparency import Checkpoint, LogState, event_leaf
from core.transparency_audit import EventLedger, chain_findings, tree_findings
from infra.local.events import LocalLambdaContext

SIZES = tuple(int(n) for n in os.environ.get("BENCH_AUDIT_SIZES", "10000,100000").split(","))
RUNS = int(os.environ.get("BENCH_AUDIT_RUNS", "3"))
CHAIN = 10  # events per registration
STARTED = datetime(2026, 1, 5, 10, 0, tzinfo=IST)
DDO = Actor(id="user:ddo1", role="ddo")


def _events(size: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Event items in leaf order, the registrations' record items (their heads), and the event hashes."""
    events, records, hashes = [], [], []
    for n in range(size // CHAIN):
        registration_id = f"REG-{n:026d}"
        entity = f"registration#{registration_id}"
        prev = "0" * 64
        for seq in range(1, CHAIN + 1):
            event = AuditEvent.create(
                entity=entity,
                seq=seq,
                type="registration.updated",
                at=STARTED + timedelta(seconds=n * CHAIN + seq),
                actor=DDO,
                prev_hash=prev,
                data={
                    "status": "SUBMITTED",
                    "fields": ["family_id", "bank_account_last4", "service_spells"],
                    "ddo_code": "DDO-PKL-001",
                    "department": "Health",
                },
                reason="The employee corrected the service record after the DDO sent it back.",
            )
            events.append(
                marshal(
                    {
                        "pk": entity,
                        "seq": seq,
                        "body": event.body_json(),
                        "hash": event.hash,
                        "type": event.type,
                        "at": event.at.isoformat(),
                        "leaf_index": len(hashes),
                    }
                )
            )
            hashes.append(event.hash)
            prev = event.hash
        records.append(marshal({"pk": registration_id, "sk": "REGISTRATION", "version": CHAIN, "event_head": prev}))
    return events, records, hashes


def _domain_seconds(events: list[dict[str, Any]], hashes: list[str], records: list[dict[str, Any]]) -> float:
    """The audit's own work on the same events, with no I/O: hashing every body, the chains and heads,
    and the root at both checkpoints' sizes (what the function's CPU does besides waiting for DynamoDB)."""
    stored = [
        StoredEvent(
            entity=e["pk"]["S"],
            seq=int(e["seq"]["N"]),
            body=e["body"]["S"],
            hash=e["hash"]["S"],
            leaf_index=int(e["leaf_index"]["N"]),
        )
        for e in events
    ]
    heads = [
        RecordHead(entity=f"registration#{r['pk']['S']}", version=CHAIN, event_head=r["event_head"]["S"])
        for r in records
    ]
    tree = CompactRange()
    half_root = b""
    for n, value in enumerate(hashes, start=1):
        tree.append(event_leaf(value))
        if n == len(hashes) // 2:
            half_root = tree.root()
    checkpoints = [
        Checkpoint(log_id="bench", tree_size=len(hashes), root_hash=tree.root().hex(), issued_at=STARTED),
        Checkpoint(log_id="bench", tree_size=len(hashes) // 2, root_hash=half_root.hex(), issued_at=STARTED),
    ]
    started = time.perf_counter()
    ledger = EventLedger()
    for event in stored:
        ledger.add(event)
    findings = ledger.findings + chain_findings(ledger.chains, heads, STARTED + timedelta(hours=2))
    tree_found, _ = tree_findings(ledger.leaves, checkpoints, lambda _: {})
    seconds = time.perf_counter() - started
    assert findings == [] and tree_found == [], (findings + tree_found)[:3]
    return seconds


def _load(raw: Any, table: str, items: list[dict[str, Any]]) -> None:
    for i in range(0, len(items), 25):
        batch: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[i : i + 25]]}
        while batch:
            batch = raw.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}


def _sequence_and_checkpoint(
    store: TransparencyStore, tree: CompactRange, leaves: list[str], state: LogState
) -> LogState:
    """What the sequencer and the checkpoint job would have left: nodes, state, a signed checkpoint."""
    from transparency import handler as log_handler  # noqa: PLC0415 - after the environment it reads is set

    nodes: dict[tuple[int, int], str] = {}
    for value in leaves:
        for node, digest in tree.append(event_leaf(value)):
            nodes[(node.level, node.offset)] = digest.hex()
    store.put_nodes(nodes)
    after = LogState(tree_size=tree.size, border=[h.hex() for h in tree.hashes], version=state.version + 1)
    transact_write(boto3.client("dynamodb"), [store.commit_state(state, after)])
    log_handler.service().checkpoint()
    return after


def _audit_once(handler: Any) -> dict[str, Any]:
    return dict(
        handler.lambda_handler({"job": "transparency-audit"}, LocalLambdaContext("TransparencyAuditFunction"))["run"]
    )


def _measure(size: int) -> dict[str, Any]:
    with _environment():
        clock = SettableClock()
        clock.set(STARTED, frozen=True)
        install_clock(clock)
        logger.setLevel("ERROR")  # a finding is a warning: the bench's own tampering is not news
        from auditor import handler  # noqa: PLC0415 - after the environment it reads is set
        from auditor import settings as auditor_settings  # noqa: PLC0415
        from transparency import handler as log_handler  # noqa: PLC0415

        handler.wiring.reset()
        log_handler.wiring.reset()
        settings = auditor_settings.get_settings()
        raw = boto3.client("dynamodb")
        events, records, hashes = _events(size)
        domain = statistics.median(_domain_seconds(events, hashes, records) for _ in range(RUNS))
        loading = time.perf_counter()
        _load(raw, settings.events_table, events)
        _load(raw, settings.registrations_table, records)
        store = TransparencyStore(raw, settings.transparency_table)
        tree = CompactRange()
        half = size // 2
        state = _sequence_and_checkpoint(store, tree, hashes[:half], LogState())
        clock.set(STARTED + timedelta(hours=1), frozen=True)
        _sequence_and_checkpoint(store, tree, hashes[half:], state)
        loaded = time.perf_counter() - loading
        clock.set(STARTED + timedelta(hours=1, minutes=30), frozen=True)

        calls = Calls()
        aws = handler.wiring.aws
        for client in (aws.dynamodb, aws.s3, aws.client("kms")):
            client.meta.events.register("before-call.*", calls)
        seconds, counted = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            run = _audit_once(handler)
            seconds.append(time.perf_counter() - started)
            counted.append(Counter(calls.take()))
            assert run["verdict"] == "clean" and run["events_checked"] == size, run["findings"][:3]

        # An insider rewrites one registration's chain with fresh hashes (leaf indexes kept), and its head
        victim = f"registration#REG-{(size // CHAIN) // 3:026d}"
        prev = "0" * 64
        for seq in range(1, CHAIN + 1):
            key = {"pk": {"S": victim}, "seq": {"N": str(seq)}}
            item = raw.get_item(TableName=settings.events_table, Key=key)["Item"]
            old = AuditEvent(**json.loads(item["body"]["S"]), hash=item["hash"]["S"])
            new = AuditEvent.create(
                entity=victim, seq=seq, type=old.type, at=old.at, actor=old.actor, prev_hash=prev, data={}, reason=None
            )
            raw.put_item(
                TableName=settings.events_table, Item={**item, "body": {"S": new.body_json()}, "hash": {"S": new.hash}}
            )
            prev = new.hash
        raw.update_item(
            TableName=settings.registrations_table,
            Key={"pk": {"S": victim.split("#", 1)[1]}, "sk": {"S": "REGISTRATION"}},
            UpdateExpression="SET event_head = :h",
            ExpressionAttributeValues={":h": {"S": prev}},
        )
        started = time.perf_counter()
        tampered = _audit_once(handler)
        tampered_seconds = time.perf_counter() - started
        tampered_calls = Counter(calls.take())
        named = sorted({(f["kind"], f["seq"]) for f in tampered["findings"] if f["entity"] == victim})
        assert named == [("leaf_differs", seq) for seq in range(1, CHAIN + 1)], tampered["findings"][:3]
        return {
            "size": size,
            "loaded": loaded,
            "seconds": statistics.median(seconds),
            "domain": domain,
            "calls": counted[len(counted) // 2],
            "records": run["records_checked"],
            "tampered_seconds": tampered_seconds,
            "tampered_calls": tampered_calls,
            "tampered_findings": tampered["findings_total"],
        }


def _calls(counter: Counter[str]) -> str:
    return ", ".join(f"{name.split(':')[1]} {count}" for name, count in sorted(counter.items()) if count)


def run() -> str:
    results = [_measure(size) for size in SIZES]
    rows = []
    for r in results:
        dynamodb = sum(c for name, c in r["calls"].items() if name.startswith("dynamodb:"))
        extra = Counter(r["tampered_calls"])
        extra.subtract(r["calls"])
        rows.append(
            f"| {r['size']:,} | {r['records']:,} | {r['seconds']:.1f} | {r['domain']:.2f} | "
            f"{dynamodb} | {1000 * dynamodb / r['size']:.2f} | {_calls(r['calls'])} | "
            f"{r['tampered_seconds']:.1f} | {r['tampered_findings']} | {_calls(+extra) or '-'} |"
        )
    lines = [
        f"## Transparency audit, in-process on moto (median of {RUNS} runs)\n",
        "| events | records | seconds (on moto) | of which the audit's own work, no I/O | DynamoDB calls "
        "| per 1,000 events | calls (DynamoDB, S3, KMS) "
        "| one chain rewritten: seconds | findings | its extra calls |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
        *rows,
        f"\nRegistrations of {CHAIN} events each, every event sequenced, two signed checkpoints (half and all "
        "of the events). A run: the served checkpoint (1 Query), the archive (ListObjectsV2, 2 GetObject), the "
        "log's key (1 GetPublicKey, cached per container), the records' heads (a Scan per record table, head "
        "attributes only), every event (one consistent Scan, 1 MB pages), the sample's stored leaves and audit "
        "paths (BatchGetItem, 100 keys each), and its own writes (run, cursor). The rewritten chain is named "
        "event by event by a walk down the signed tree: one BatchGetItem per tree level. moto's Scan time "
        "grows with the table; the calls carry over to DynamoDB, the seconds do not.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
