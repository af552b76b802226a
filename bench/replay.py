"""Baselines that replay a handler's own AWS calls, and the time a handler spends inside them.

A route's baseline is not written by hand. The handler's request is recorded at the botocore edge,
by every boto3 client's own event hooks (from the parameters it was given to the answer it parsed;
every client counts, whoever built it and whenever). moto's DynamoDB tables are then put back as
they were before the request, and the recorded calls are sent again, verbatim, through the same
boto3 clients. The baseline so makes the same operations with the same items, keys and conditions
against tables of the same content (a create conditioned on `attribute_not_exists` or an update on
`version = :v` passes again, as it did for the handler; a call the handler expected to fail fails
again), and leaves the tables as the handler left them. Each sample checks that the baseline made
the same calls as the handler and that DynamoDB answered them the same. What the handler costs on
top is its own work: parsing, authorising, validating, building models, signing payloads, answering.

Each request also reports the time its own AWS calls took, summed: the handler's time over it is
the share of the request that is ours, from the same request, with no second run.

    comparison = Comparison()
    result = comparison.measure("POST /v1/registrations", lambda: call(...))
    comparison.measured["POST /v1/registrations"].cells()  # medians and both ratios

Run the benches with `on_one_frame_chunk` (bench/__main__.py does): see there why.
"""

from __future__ import annotations

import copy
import functools
import gc
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from botocore import xform_name
from botocore.client import BaseClient
from botocore.exceptions import ClientError

# Parameters kept verbatim in a call's shape: what it does and to what, not the values it carries.
_KEPT = frozenset(
    {
        "TableName",
        "IndexName",
        "ConditionExpression",
        "UpdateExpression",
        "KeyConditionExpression",
        "FilterExpression",
        "ProjectionExpression",
        "ExpressionAttributeNames",
        "ReturnValues",
        "ReturnValuesOnConditionCheckFailure",
        "ConsistentRead",
        "ScanIndexForward",
        "Select",
        "Limit",
        "Bucket",
        "Mode",
        "MessageType",
        "SigningAlgorithm",
    }
)
# DynamoDB operations that change nothing: a request made of these alone needs no tables put back.
_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable"})


@dataclass
class Call:
    client: BaseClient
    operation: str  # the API's name: "TransactWriteItems"
    params: dict[str, Any]  # a deep copy of what the caller passed, taken before botocore's own handlers
    seconds: float = 0.0
    response: Any = None
    error: str | None = None  # the ClientError code it raised, if any

    @property
    def service(self) -> str:
        return str(self.client.meta.service_model.service_name)

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"

    @property
    def writes(self) -> bool:
        return self.service == "dynamodb" and self.operation not in _READS

    def shape(self) -> tuple[str, Any, str | None]:
        """The operation and its parameters with every value masked by its type, but for the table,
        index, bucket and the expressions: equal shapes are the same work on the same kind of items."""
        return self.name, _shape(self.params), self.error

    def answer(self) -> Any:
        """What DynamoDB answered, without its request metadata (None for other services: a KMS
        signature, say, differs every time)."""
        if self.service != "dynamodb" or not isinstance(self.response, dict):
            return None
        return {k: v for k, v in self.response.items() if k != "ResponseMetadata"}


def _shape(value: Any, key: str | None = None) -> Any:
    if key in _KEPT:
        return value
    if isinstance(value, dict):
        return {k: _shape(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_shape(v) for v in value]
    return type(value).__name__


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)
    overhead: float = 0.0  # seconds spent recording (copying parameters): not the caller's time
    excluded: float = 0.0  # seconds inside `unrecorded()`: a bench's own work between invocations

    @property
    def aws_ms(self) -> float:
        return sum(call.seconds for call in self.calls) * 1000

    @property
    def writes(self) -> bool:
        return any(call.writes for call in self.calls)

    def names(self) -> list[str]:
        return [call.name for call in self.calls]

    def shapes(self) -> list[tuple[str, Any, str | None]]:
        return [call.shape() for call in self.calls]

    def answers(self) -> list[Any]:
        return [call.answer() for call in self.calls]


_ACTIVE: list[Recording | None] = []


def _watch(client: BaseClient) -> None:
    """Time and record a client's calls with its own event hooks: a wrapper around `_make_api_call`
    would put a frame of ours between the handler and botocore, and CPython allocates its frame
    stack in 16 KB chunks: one frame more can move a hot call path across a chunk's end, which then
    maps and unmaps a chunk on every call (3,108 times in one Query, measured): not the handler's cost."""

    def before(params: dict[str, Any], context: dict[str, Any], model: Any, **_: Any) -> None:
        recording = _ACTIVE[-1] if _ACTIVE else None
        if recording is None:
            return
        copying = time.perf_counter()
        call = Call(client, model.name, copy.deepcopy(params))
        started = time.perf_counter()
        recording.overhead += started - copying
        context["bench.replay"] = (recording, call, started)

    def after(context: dict[str, Any], parsed: Any = None, http_response: Any = None, **_: Any) -> None:
        recorded = context.pop("bench.replay", None)
        if recorded is None:
            return
        recording, call, started = recorded
        call.seconds = time.perf_counter() - started
        call.response = parsed
        if http_response is None:
            call.error = "no response"
        elif http_response.status_code >= 300:
            call.error = str((parsed or {}).get("Error", {}).get("Code", http_response.status_code))
        recording.calls.append(call)

    client.meta.events.register("provide-client-params", before, unique_id="bench.replay.before")
    client.meta.events.register_last("after-call", after, unique_id="bench.replay.after")
    client.meta.events.register_last("after-call-error", after, unique_id="bench.replay.error")


def _install() -> None:
    """Every boto3 client built from now on is watched, whoever builds it and whenever."""
    original = BaseClient.__init__
    if getattr(original, "_watched", False):
        return

    @functools.wraps(original)
    def watched(self: BaseClient, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _watch(self)

    watched._watched = True  # type: ignore[attr-defined]
    BaseClient.__init__ = watched  # type: ignore[method-assign,unused-ignore]


_install()  # before any handler builds its clients (they are built on first use)


@contextmanager
def recording() -> Iterator[Recording]:
    """Every AWS call made inside, by any boto3 client built since this module was imported, with its time."""
    made = Recording()
    _ACTIVE.append(made)
    try:
        yield made
    finally:
        _ACTIVE.pop()


@contextmanager
def unrecorded() -> Iterator[None]:
    """A bench's own calls inside a recording (receiving the next SQS message, say): not recorded,
    not replayed, and their time not counted as the handler's."""
    enclosing = _ACTIVE[-1] if _ACTIVE else None
    _ACTIVE.append(None)
    started = time.perf_counter()
    try:
        yield
    finally:
        _ACTIVE.pop()
        if enclosing is not None:
            enclosing.excluded += time.perf_counter() - started


class Replay:
    """A recording's calls, ready to be sent again as they were (the copying done outside any timing)."""

    def __init__(self, recorded: Recording) -> None:
        self._calls: list[tuple[Callable[..., Any], dict[str, Any], str | None]] = []
        for call in recorded.calls:
            params = copy.deepcopy(call.params)
            for value in params.values():
                if hasattr(value, "seek"):
                    value.seek(0)
            self._calls.append((getattr(call.client, xform_name(call.operation)), params, call.error))

    def run(self) -> None:
        """Each call through the same boto3 client; a call that failed in the handler (a condition it
        expects to fail) must fail the same way here; a streamed body is read, as the handler read it."""
        for method, params, error in self._calls:
            try:
                response = method(**params)
            except ClientError as raised:
                if raised.response.get("Error", {}).get("Code") != error:
                    raise
                continue
            if error is not None:
                raise AssertionError(f"the replayed {method.__name__} succeeded; the handler's failed with {error}")
            for value in response.values():
                if hasattr(value, "read"):
                    value.read()


class Tables:
    """Every moto DynamoDB table's items, copied; `restore` puts them back."""

    def __init__(self) -> None:
        from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends  # noqa: PLC0415 - only when benching

        backends = [cast(DynamoDBBackend, backend) for _, _, backend in dynamodb_backends.iter_backends()]
        self._kept = [(table, copy.deepcopy(table.items)) for backend in backends for table in backend.tables.values()]

    def restore(self) -> None:
        for table, items in self._kept:
            table.items = items


# CPython (3.11, 3.12) keeps its frames in 16 KB chunks, allocated when a call needs room past the
# last one and freed when that call returns: a hot call path that straddles a chunk's end maps and
# unmaps a chunk on every call, and where that end falls depends on how deep the caller is. A handler
# calling moto in-process sat across one (3,108 chunks mapped in one Query of the submit route): the
# same calls replayed from the bench's shallower stack did not, and cost half as much. One frame of
# 66,000 slots takes a 1 MB chunk whose rest (about 500 KB) holds every frame the bench pushes after
# it: no chunk is mapped or freed while it runs, at any depth, on either side.
_PADDING_SLOTS = 66_000


def on_one_frame_chunk(run: Callable[[], Any]) -> Any:
    """`run()`, from a frame that reserves a frame-stack chunk large enough for all it calls."""
    names = " = ".join(f"v{n}" for n in range(_PADDING_SLOTS))
    namespace: dict[str, Any] = {}
    exec(f"def padded(run):\n    {names} = None\n    return run()\n", namespace)
    return namespace["padded"](run)


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


@dataclass
class Sample:
    handler_ms: float
    aws_ms: float  # inside the handler's own AWS calls
    replay_ms: float
    calls: list[Call]  # the handler's


@dataclass
class Measured:
    label: str
    samples: list[Sample]
    shapes: list[tuple[str, Any, str | None]]  # the handler's calls (the first sample's)
    replayed: list[tuple[str, Any, str | None]]  # the baseline's calls (the first sample's)

    @property
    def median(self) -> float:
        return statistics.median(s.handler_ms for s in self.samples)

    @property
    def p95(self) -> float:
        return _p95([s.handler_ms for s in self.samples])

    @property
    def replay(self) -> float:
        return statistics.median(s.replay_ms for s in self.samples)

    @property
    def aws(self) -> float:
        return statistics.median(s.aws_ms for s in self.samples)

    def per_request(self) -> Counter[str]:
        """AWS calls per request, by service:operation: each one's median count over the samples."""
        made = [Counter(call.name for call in s.calls) for s in self.samples]
        names = {name for counts in made for name in counts}
        counts = {name: statistics.median_low(counted[name] for counted in made) for name in names}
        return Counter({name: count for name, count in counts.items() if count})

    def mean_per_request(self) -> dict[str, float]:
        """AWS calls per request, by service:operation: each one's mean count over the samples."""
        made = Counter(call.name for s in self.samples for call in s.calls)
        return {name: count / len(self.samples) for name, count in made.items()}

    def cells(self) -> str:
        """median | p95 | replayed baseline | ratio | inside AWS calls | ratio"""
        return (
            f"{self.median:.1f} | {self.p95:.1f} | {self.replay:.1f} | {self.median / self.replay:.2f} | "
            f"{self.aws:.1f} | {self.median / self.aws:.2f}"
        )


COLUMNS = "median ms | p95 ms | replayed calls ms | ratio | in its AWS calls ms | ratio"
ALIGN = "---:|---:|---:|---:|---:|---:"
NOTE = (
    "*Replayed calls*: the baseline sends, through the same boto3 clients and right after each sample, the AWS "
    "calls the handler made in it, verbatim (the same operations, items, keys and conditions), with moto's "
    "DynamoDB tables put back as they were before the request; each sample checks that the baseline made the "
    "same calls and got the same DynamoDB answers (bench/replay.py). *In its AWS calls*: the time the "
    "handler's request spent inside those calls, summed. Ratios are of medians."
)


class Comparison:
    """Handler samples, each followed by its replayed baseline against the same table content."""

    def __init__(self) -> None:
        self.measured: dict[str, Measured] = {}

    def measure(self, label: str, action: Callable[[], Any]) -> Any:
        seen = self.measured.get(label)
        # A label whose first sample wrote nothing to DynamoDB needs no tables put back (the
        # answers are checked all the same).
        before = Tables() if seen is None or any(c.writes for c in seen.samples[0].calls) else None
        gc.collect(1)  # neither side pays for the young garbage of the other (a full collection takes 0.5 s)
        with recording() as handler:
            started = time.perf_counter()
            result = action()
            handler_ms = (time.perf_counter() - started - handler.overhead - handler.excluded) * 1000
        replay = Replay(handler)
        if before is not None:
            before.restore()
        elif handler.writes:
            raise AssertionError(f"{label}: wrote to DynamoDB, but its first sample did not")
        gc.collect(1)
        with recording() as baseline:
            started = time.perf_counter()
            replay.run()
            replay_ms = (time.perf_counter() - started - baseline.overhead) * 1000
        shapes, replayed = handler.shapes(), baseline.shapes()
        if shapes != replayed:
            raise AssertionError(f"{label}: the baseline's calls differ from the handler's: {replayed} != {shapes}")
        if handler.answers() != baseline.answers():
            raise AssertionError(f"{label}: DynamoDB answered the baseline's calls differently from the handler's")
        sample = Sample(handler_ms, handler.aws_ms, replay_ms, handler.calls)
        if seen is None:
            self.measured[label] = Measured(label, [sample], shapes, replayed)
        else:
            seen.samples.append(sample)
        return result
