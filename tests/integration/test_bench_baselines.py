"""The benches' baselines make the handler's own AWS calls (bench/replay.py): the same operations on
the same tables, with the same item, key and condition shapes, and the same expected failures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from bench.replay import Comparison, recording, unrecorded
from infra.local.template import LocalContext

ROOT = Path(__file__).resolve().parents[2]


def _create(client: Any, table: str, pk: str) -> None:
    """A create that must not overwrite: what a handler's new record does."""
    client.put_item(
        TableName=table,
        Item={"pk": {"S": pk}, "seq": {"N": "1"}, "text": {"S": "created"}},
        ConditionExpression="attribute_not_exists(pk)",
    )


def test_a_conditional_create_is_replayed_against_the_tables_as_they_were(stack: LocalContext) -> None:
    # Given a handler stand-in that creates an item only if it is not there
    client = boto3.client("dynamodb")
    table = stack.physical["EventsTable"]["Ref"]
    comparison = Comparison()
    # When it is measured: the handler's call, then the same call replayed
    comparison.measure("create", lambda: _create(client, table, "a"))
    # Then the replay passed the same condition (the tables were put back first), made the same call,
    # and the table holds what the handler left, once
    measured = comparison.measured["create"]
    assert measured.replayed == measured.shapes
    assert [name for name, _, _ in measured.shapes] == ["dynamodb:PutItem"]
    assert measured.shapes[0][1]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert client.scan(TableName=table)["Count"] == 1


def test_a_call_the_handler_expected_to_fail_fails_the_same_way_in_the_replay(stack: LocalContext) -> None:
    # Given an item, and a handler stand-in that tries to create it again and handles the refusal
    client = boto3.client("dynamodb")
    table = stack.physical["EventsTable"]["Ref"]
    _create(client, table, "a")

    def create_again() -> str:
        try:
            _create(client, table, "a")
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "created"

    comparison = Comparison()
    # When it is measured
    outcome = comparison.measure("create again", create_again)
    # Then the baseline made the same call and met the same refusal
    assert outcome == "ConditionalCheckFailedException"
    measured = comparison.measured["create again"]
    assert measured.replayed == measured.shapes
    assert measured.shapes[0][2] == "ConditionalCheckFailedException"


def test_a_benchs_own_calls_are_neither_recorded_nor_replayed(stack: LocalContext) -> None:
    # Given a handler stand-in between two calls of the bench's own
    client = boto3.client("dynamodb")
    table = stack.physical["EventsTable"]["Ref"]
    with recording() as made:
        with unrecorded():
            client.scan(TableName=table)
        _create(client, table, "a")
        with unrecorded():
            client.scan(TableName=table)
    # Then only the handler's call is recorded
    assert [call.name for call in made.calls] == ["dynamodb:PutItem"]


def test_a_calls_shape_keeps_what_it_does_and_masks_the_values(stack: LocalContext) -> None:
    # Given two creates of different items
    client = boto3.client("dynamodb")
    table = stack.physical["EventsTable"]["Ref"]
    # When they are recorded
    with recording() as made:
        _create(client, table, "a")
        _create(client, table, "b")
    first, second = made.shapes()
    # Then two creates of different items have one shape: table, condition and attribute types
    assert first == second
    assert first[1] == {
        "ConditionExpression": "attribute_not_exists(pk)",
        "Item": {"pk": {"S": "str"}, "seq": {"N": "str"}, "text": {"S": "str"}},
        "TableName": table,
    }


_SCRIPT = """
import json
from bench import {module} as bench
measured = {measured}
print("SHAPES " + json.dumps({{label: [m.shapes, m.replayed] for label, m in measured.items()}}))
"""

# Each bench at its smallest: one sample of every request, small tables.
BENCHES = {
    "register_routes": "bench.compare(1).measured",
    "verify_routes": "bench.compare(1, (30, 31), 1).measured",
    "grievance_routes": "bench.compare(1, (30, 31), 1).measured",
    "certificate_routes": "bench.compare(1)[0].measured",
    "roll_import": '{"import": bench._import(300)["measured"]}',
}


def _shapes(module: str) -> dict[str, list[Any]]:
    """The bench run in a process of its own, as `python -m bench` runs it."""
    script = _SCRIPT.format(module=module, measured=BENCHES[module])
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("SHAPES "))
    return dict(json.loads(line.removeprefix("SHAPES ")))


def _registration_checks(shapes: dict[str, list[Any]]) -> None:
    """The two shortcuts the hand-written registration baselines took are gone: the document route's
    baseline sends the handler's ConditionCheck and conditional Put, and the confirm route's locks the
    object as the handler does."""
    (documents,) = shapes["POST /v1/registrations/{id}/documents"][1]
    assert documents[0] == "dynamodb:TransactWriteItems"
    items = documents[1]["TransactItems"]
    assert [next(iter(item)) for item in items] == ["ConditionCheck", "Put"]
    assert items[1]["Put"]["ConditionExpression"] == "attribute_not_exists(pk)"
    confirm = [name for name, _, _ in shapes["POST .../documents/{doc}/confirm"][1]]
    assert "s3:PutObjectRetention" in confirm


CHECKS = {"register_routes": _registration_checks}


@pytest.mark.parametrize("module", sorted(BENCHES))
def test_each_benchs_baseline_makes_the_handlers_calls(module: str) -> None:
    # When the bench measures each of its requests once (in a process of its own)
    shapes = _shapes(module)
    # Then for every request the baseline made the handler's calls: the same operations, in order, on
    # the same tables, with the same item, key and condition shapes
    assert shapes
    for label, (handler, baseline) in shapes.items():
        assert handler, label
        assert baseline == handler, label
    # And what the issue found missing from a baseline is there
    CHECKS.get(module, lambda _: None)(shapes)
