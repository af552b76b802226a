"""The transparency log on moto: sequencing, signed checkpoints under Object Lock, record proofs,
consistency proofs, and a sequencer that two runs at once cannot fork."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from core import merkle
from core.audit import sha256_hex
from core.clock import SettableClock
from core.kms_key import key_from_jwks
from core.store.events import EventStore
from core.transparency import SignedCheckpoint, event_leaf
from infra.local.events import LocalLambdaContext
from infra.local.template import LocalContext
from tests.factories import claims, employee
from tests.integration.conftest import call
from tests.integration.test_deadline_jobs import AFTER_REGISTRATION, drain, run_job
from tests.integration.test_registration_journey import complete_draft, submit
from transparency import handler as transparency_handler
from transparency import log

pytestmark = pytest.mark.usefixtures("seeded")


def run(job: str, **options: Any) -> dict[str, Any]:
    return log.lambda_handler({"job": job, **options}, LocalLambdaContext("TransparencyLogFunction"))


def verify_record_proof(proof: dict[str, Any], jwks: dict[str, Any]) -> None:
    """What `anubandh verify record` checks, asserted step by step."""
    signed = SignedCheckpoint.model_validate(proof["checkpoint"])
    key = key_from_jwks(jwks, signed.key_id)
    assert key is not None and signed.verifies(key)
    root = bytes.fromhex(signed.checkpoint.root_hash)
    previous = "0" * 64
    for event in proof["events"]:
        assert sha256_hex(event["body"]) == event["hash"]
        assert json.loads(event["body"])["prev_hash"] == previous
        previous = event["hash"]
        path = [bytes.fromhex(h) for h in event["inclusion_proof"]]
        assert merkle.verify_inclusion(
            event_leaf(event["hash"]), event["leaf_index"], signed.checkpoint.tree_size, path, root
        )


def count_calls(client: Any) -> dict[str, int]:
    counted: dict[str, int] = {}

    def count(event_name: str, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        counted[operation] = counted.get(operation, 0) + 1

    client.meta.events.register("before-call.dynamodb", count)
    return counted


# ---------------------------------------------------------------- sequencing and checkpoints
def test_a_record_is_proven_against_a_signed_checkpoint(clock: SettableClock, stack: LocalContext) -> None:
    # Given a submitted registration with ten events (create, documents, four edits, submit)
    reg_id, version = complete_draft()
    for family_id in ("FAMILY01", "FAMILY02", "FAMILY03", "FAMILY04"):
        version = edit(reg_id, version, family_id)
    assert submit(reg_id, version).status == 200
    # When the hourly checkpoint runs
    answer = run("transparency-checkpoint")
    # Then every event is a leaf, and the record's proof checks out against the published key
    proof = call("GET", f"/v1/registrations/{reg_id}/proof", as_=employee())
    assert proof.status == 200, proof.body
    events = proof.body["events"]
    assert len(events) == 10
    assert proof.body["checkpoint"]["checkpoint"]["tree_size"] == answer["checkpoint"]["checkpoint"]["tree_size"]
    assert all(e["leaf_index"] is not None and e["pending_until"] is None for e in events)
    keys = call("GET", "/v1/transparency/keys", as_=None)
    assert keys.status == 200
    verify_record_proof(proof.body, keys.body)
    # And the public reads the same checkpoint, by size or as the latest, with no token
    latest = call("GET", "/v1/transparency/checkpoints/latest", as_=None)
    size = latest.body["checkpoint"]["tree_size"]
    assert latest.body == call("GET", f"/v1/transparency/checkpoints/{size}", as_=None).body


def test_a_new_event_is_pending_until_the_next_checkpoint(clock: SettableClock) -> None:
    reg_id, _ = complete_draft()
    run("transparency-checkpoint")
    # Given one more event after the checkpoint
    edit(reg_id, _current(reg_id), "FAMILY09")
    proof = call("GET", f"/v1/registrations/{reg_id}/proof", as_=employee()).body
    # Then it is listed, with no proof yet and the hour it will be covered by
    pending = proof["events"][-1]
    assert pending["leaf_index"] is None and pending["inclusion_proof"] is None
    assert (
        pending["pending_until"]
        == (clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).isoformat()
    )
    # When the sequencer runs (every minute) it gets a leaf, but stays pending until the checkpoint
    assert run("transparency-sequence")["appended"] == 1
    sequenced = call("GET", f"/v1/registrations/{reg_id}/proof", as_=employee()).body["events"][-1]
    assert sequenced["leaf_index"] is not None and sequenced["inclusion_proof"] is None
    # And the next checkpoint covers it, consistently with the previous one
    before = call("GET", "/v1/transparency/checkpoints/latest", as_=None).body["checkpoint"]
    clock.set(clock.now() + timedelta(hours=1), frozen=True)
    after = run("transparency-checkpoint")["checkpoint"]["checkpoint"]
    covered = call("GET", f"/v1/registrations/{reg_id}/proof", as_=employee()).body["events"][-1]
    assert covered["inclusion_proof"] is not None
    consistency = call(
        "GET", "/v1/transparency/consistency", as_=None, query=f"from={before['tree_size']}&to={after['tree_size']}"
    )
    assert consistency.status == 200, consistency.body
    assert merkle.verify_consistency(
        before["tree_size"],
        after["tree_size"],
        bytes.fromhex(before["root_hash"]),
        bytes.fromhex(after["root_hash"]),
        [bytes.fromhex(h) for h in consistency.body["proof"]],
    )


def edit(reg_id: str, version: int, family_id: str) -> int:
    reply = call(
        "PATCH", f"/v1/registrations/{reg_id}", as_=employee(), body={"version": version, "family_id": family_id}
    )
    assert reply.status == 200, reply.body
    return int(reply.body["version"])


def _current(reg_id: str) -> int:
    return int(call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body["version"])


def test_the_proof_is_for_whoever_may_read_the_record_only() -> None:
    reg_id, _ = complete_draft()
    stranger = call("GET", f"/v1/registrations/{reg_id}/proof", as_=employee("EMP-0003"))
    assert (stranger.status, stranger.code) == (403, "forbidden")
    ddo = call("GET", f"/v1/registrations/{reg_id}/proof", as_=claims("ddo-pkl", "ddo", ddo_code="DDO-PKL-001"))
    assert ddo.status == 200
    assert call("GET", "/v1/registrations/REG-NOSUCH/proof", as_=employee()).status == 404
    assert call("GET", f"/v1/registrations/{reg_id}/proof", as_=None).status == 401


def test_public_routes_refuse_what_no_checkpoint_answers() -> None:
    assert call("GET", "/v1/transparency/checkpoints/latest", as_=None).code == "checkpoint_not_found"
    run("transparency-checkpoint")
    assert call("GET", "/v1/transparency/checkpoints/99999", as_=None).code == "checkpoint_not_found"
    backwards = call("GET", "/v1/transparency/consistency", as_=None, query="from=5&to=2")
    assert (backwards.status, backwards.code) == (422, "invalid_proof_range")
    assert call("GET", "/v1/transparency/consistency", as_=None, query="from=x&to=2").status == 422
    assert call("GET", "/v1/transparency/checkpoints/abc", as_=None).status == 422


# ---------------------------------------------------------------- the locked archive
def test_a_checkpoint_in_the_archive_cannot_be_deleted_or_its_lock_shortened(stack: LocalContext) -> None:
    signed = run("transparency-checkpoint")["checkpoint"]
    bucket = stack.physical["CheckpointsBucket"]["Ref"]
    s3 = boto3.client("s3")
    (version,) = s3.list_object_versions(Bucket=bucket)["Versions"]
    stored = json.loads(s3.get_object(Bucket=bucket, Key=version["Key"])["Body"].read())
    assert stored == signed
    head = s3.head_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=3649)
    # When an insider tries to delete that version, or to shorten its lock, S3 refuses
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.put_object_retention(
            Bucket=bucket,
            Key=version["Key"],
            VersionId=version["VersionId"],
            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": head["ObjectLockRetainUntilDate"] - timedelta(days=1)},
            BypassGovernanceRetention=True,
        )
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(
            Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"], BypassGovernanceRetention=True
        )
    assert s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])["Body"].read()


# ---------------------------------------------------------------- one order, however many sequencers
def _events_table() -> str:
    return transparency_handler.get_settings().events_table


def test_two_sequencers_at_once_give_every_event_exactly_one_leaf() -> None:
    # Given three drafts' worth of events
    for code in ("EMP-0001", "EMP-0002", "EMP-0003"):
        complete_draft(as_=employee(code))
    # When two sequencer runs race
    errors: list[BaseException] = []

    def sequence() -> None:
        try:
            transparency_handler.wiring.service.sequence()
        except BaseException as error:  # noqa: BLE001 - the thread's failure is the test's
            errors.append(error)

    threads = [threading.Thread(target=sequence) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # Then the leaf indexes are exactly 0..n-1 and the tree's root is the root over them in that order
    items = boto3.client("dynamodb").scan(TableName=_events_table())["Items"]
    leaves = sorted((int(i["leaf_index"]["N"]), i["hash"]["S"]) for i in items)
    assert [index for index, _ in leaves] == list(range(len(items)))
    assert all("unsequenced" not in i for i in items)
    checkpoint = run("transparency-checkpoint")["checkpoint"]["checkpoint"]
    assert checkpoint["tree_size"] == len(items)
    assert checkpoint["root_hash"] == merkle.root_of(event_leaf(h) for _, h in leaves).hex()


def test_sequencing_costs_a_fixed_number_of_calls_per_batch() -> None:
    # Given more than one batch of events
    for code in ("EMP-0001", "EMP-0002", "EMP-0003"):
        complete_draft(as_=employee(code))
    pending = len(EventStore(boto3.client("dynamodb"), _events_table()).unsequenced(1000))
    assert pending > 10
    # When the sequencer runs, counting its DynamoDB calls
    counted = count_calls(transparency_handler.wiring.aws.dynamodb)
    report = transparency_handler.wiring.service.sequence()
    # Then: per batch one query and one transaction, plus one write per 25 nodes (~2 per leaf)
    assert report.appended == pending
    assert counted["TransactWriteItems"] == report.batches == 1
    assert counted["Query"] == 2  # the batch, then the empty page that ends the sweep
    assert counted["BatchWriteItem"] <= -(-2 * pending // 25)
    assert counted.get("GetItem", 0) == 1  # the state, read once


def test_a_dry_run_reports_what_is_pending_and_changes_nothing() -> None:
    complete_draft()
    answer = run("transparency-sequence", dry_run=True)
    assert answer["dry_run"] is True and answer["pending"] > 0
    assert run("transparency-sequence")["appended"] == answer["pending"]


def test_a_deadline_job_that_changed_records_is_checkpointed_at_once(stack: LocalContext, clock: SettableClock) -> None:
    # Given two drafts when registration closes
    complete_draft()
    complete_draft(as_=employee("EMP-0003"))
    clock.set(AFTER_REGISTRATION, frozen=True)
    # When close-registration is planned and its workers lapse the drafts
    run_job("close-registration")
    assert drain(stack) == 2
    # Then the workers have asked the log for a checkpoint, and one checkpoint answers both requests
    assert drain(stack, "TransparencyLogFunction") == 2
    latest = call("GET", "/v1/transparency/checkpoints/latest", as_=None).body["checkpoint"]
    events = boto3.client("dynamodb").scan(TableName=_events_table(), Select="COUNT")["Count"]
    assert latest["tree_size"] == events  # the lapses included
    assert latest["issued_at"] == AFTER_REGISTRATION.isoformat()
    # And a deadline run that changes nothing asks for none
    run_job("close-registration")
    assert drain(stack) == 0
    assert drain(stack, "TransparencyLogFunction") == 0
