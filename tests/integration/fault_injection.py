"""Faults at the botocore edge, and the state they must not tear.

`Edge` wraps `BaseClient._make_api_call`, the one door every AWS call of every function goes through
(botocore's own retries happen behind it, so a fault raised here is one that outlasted them). It
records the calls an action makes, or fails the n-th of them with an AWS error of that call's
service; the action's own retries of the very same call fail too, as they would while a throttle lasts.

`state()` is what a fault must leave exactly as before or exactly as after: every DynamoDB table
(records, events, counters, the outbox, ledgers; not the idempotency table, whose records are
Powertools' bookkeeping), the S3 objects and their locks, the messages in every queue, the SMS and
e-mail sent. Read from moto's backends directly, so reading it makes no call at the edge.

`Lab.sweep(action)` runs the action clean, then once per call position with a fault there, each time
from the same snapshot and the same random draws, and checks every outcome (see `Sweep`).
"""

from __future__ import annotations

import base64
import itertools
import json
import random
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto.cognitoidp.models import cognitoidp_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.kms.models import KmsBackend
from moto.moto_api._internal import mock_random
from moto.s3.models import s3_backends
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

from core import ids
from core.clock import current_clock
from core.wiring import Wiring
from tests.integration.moto_snapshot import MotoSnapshot

REGION = "ap-south-1"


@dataclass(frozen=True)
class AwsCall:
    service: str
    operation: str

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}"


@dataclass(frozen=True)
class Fault:
    """An AWS error as botocore raises it once its retries are spent."""

    code: str
    http_status: int
    cancellation: str | None = None  # TransactionCanceledException: the reason of its first item

    def error(self, operation: str, params: dict[str, Any]) -> ClientError:
        response: dict[str, Any] = {
            "Error": {"Code": self.code, "Message": "injected fault"},
            "ResponseMetadata": {"HTTPStatusCode": self.http_status, "RetryAttempts": 2},
        }
        if self.cancellation is not None:
            items = len(params.get("TransactItems", [])) or 1
            response["CancellationReasons"] = [{"Code": self.cancellation}] + [{"Code": "None"}] * (items - 1)
        return ClientError(response, operation)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.code}({self.cancellation})" if self.cancellation else self.code


# The kinds of the issue, per service; each call position gets the next kind of its service in turn.
DYNAMODB_FAULTS = (
    Fault("ProvisionedThroughputExceededException", 400),
    Fault("ThrottlingException", 400),
    Fault("InternalServerError", 500),
)
TRANSACTION_FAULTS = (Fault("TransactionCanceledException", 400, cancellation="ThrottlingError"), *DYNAMODB_FAULTS)
FAULTS: dict[str, tuple[Fault, ...]] = {
    "dynamodb": DYNAMODB_FAULTS,
    "kms": (Fault("ThrottlingException", 400), Fault("KMSInternalException", 500)),
    "s3": (Fault("SlowDown", 503),),
    "sns": (Fault("Throttled", 429),),
    "ses": (Fault("Throttling", 400),),
    "sqs": (Fault("RequestThrottled", 403),),
    "cognito-idp": (Fault("TooManyRequestsException", 429),),
    "secretsmanager": (Fault("ThrottlingException", 400),),
}


class FaultCycle:
    """The next kind of fault for a call: each service's kinds in turn, so that every kind is injected."""

    def __init__(self) -> None:
        self._turns: dict[str, Iterator[Fault]] = {}

    def next_for(self, call: AwsCall) -> Fault:
        kinds = TRANSACTION_FAULTS if call.operation == "TransactWriteItems" else FAULTS[call.service]
        key = f"{call.service}.{call.operation == 'TransactWriteItems'}"
        return next(self._turns.setdefault(key, itertools.cycle(kinds)))


@dataclass
class _Window:
    fail_at: int | None = None
    fault: Fault | None = None
    calls: list[AwsCall] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)  # the faulted calls, as sent: their retries fail too
    injected: int = 0


class Edge:
    """Every AWS call of the process, recorded or failed while a window is open."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._window: _Window | None = None
        original = BaseClient._make_api_call

        def edge(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            window = self._window
            if window is None:
                return original(client, operation, params)
            call = AwsCall(client.meta.service_model.service_name, operation)
            sent = f"{call}:{json.dumps(params, sort_keys=True, default=repr)}"
            if sent in window.failing and window.fault is not None:
                window.injected += 1
                raise window.fault.error(operation, params)
            position = len(window.calls)
            window.calls.append(call)
            if position == window.fail_at and window.fault is not None:
                window.failing.add(sent)
                window.injected += 1
                raise window.fault.error(operation, params)
            return original(client, operation, params)

        monkeypatch.setattr(BaseClient, "_make_api_call", edge)

    @contextmanager
    def open(self, fail_at: int | None = None, fault: Fault | None = None) -> Iterator[_Window]:
        self._window = _Window(fail_at=fail_at, fault=fault)
        try:
            yield self._window
        finally:
            self._window = None


# ---------------------------------------------------------------- the state a fault must not tear
_deserializer = TypeDeserializer()
_SIGNATURE = re.compile(r"signature", re.IGNORECASE)
IDEMPOTENCY_TABLE = re.compile(r"idempotency", re.IGNORECASE)
# When an officer or a HoD was last seen (for the daily digest): noted as they call, whatever their
# request then does, and a failed note never fails the request (GrievanceService.note_activity).
NOTED_REGARDLESS = "activity#"


# Fields no two runs can agree on, read as their names: a sign-out's cut-off (real time on purpose: it is
# compared with Cognito's `iat`), the id SNS or SES gave a message (moto's, drawn as it goes), and how
# many invocations worked on an import (a redelivery is one more, rightly).
NOT_COMPARED = frozenset({"tokens_valid_after", "message_id", "invocations"})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {
            k: ("<signature>" if _SIGNATURE.search(k) else f"<{k}>" if k in NOT_COMPARED else _plain(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), bytes):  # boto3 Binary
        return base64.b64encode(value.value).decode()
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return {"json": _plain(json.loads(value))}
        except ValueError:
            return value
    return value


def _tables() -> dict[str, list[str]]:
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
    dumped = {}
    for name, table in backend.tables.items():
        if IDEMPOTENCY_TABLE.search(name):
            continue
        items = []
        for item in table.all_items():
            raw = item.to_json()["Attributes"]
            if raw.get("pk", {}).get("S", "").startswith(NOTED_REGARDLESS):
                continue
            plain = _plain({k: _deserializer.deserialize(v) for k, v in raw.items()})
            items.append(json.dumps(plain, sort_keys=True))
        dumped[name] = sorted(items)
    return dumped


def _objects() -> dict[str, list[str]]:
    """Each object's key and lock. A COMPLIANCE lock is the bucket's default retention, dated from real
    time when the object is written: its date is left out. Versions alike (a checkpoint archived again,
    identical) read as one."""
    dumped = {}
    for name, bucket in s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets.items():
        found = set()
        for key, versions in bucket.keys.lists():
            for version in versions:
                if version.lock_mode == "COMPLIANCE":
                    lock = "COMPLIANCE"
                else:
                    lock = f"{version.lock_mode}:{version.lock_until}" if version.lock_mode else "unlocked"
                found.add(f"{key} {lock}")
        dumped[name] = sorted(found)
    return dumped


def _queues() -> dict[str, list[str]]:
    backend = sqs_backends[DEFAULT_ACCOUNT_ID][REGION]
    return {name: sorted(m.body for m in queue._messages) for name, queue in backend.queues.items()}


def _sent() -> dict[str, list[str]]:
    sms = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
    mail = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    return {
        "sms": sorted(f"{phone} {text}" for phone, text in sms),
        "email": sorted(
            json.dumps(_plain({k: v for k, v in vars(m).items() if k != "id"}), sort_keys=True, default=repr)
            for m in mail
        ),
    }


def _users() -> dict[str, list[str]]:
    """Each user of each pool: status, groups, and whether a refresh token of theirs is still live."""
    dumped = {}
    for pool_id, pool in cognitoidp_backends[DEFAULT_ACCOUNT_ID][REGION].user_pools.items():
        live = {entry[1] for entry in pool.refresh_tokens.values() if entry}
        dumped[pool_id] = sorted(
            f"{user.username} {user.status} {user.enabled} {sorted(g.group_name for g in user.groups)} "
            f"{'signed-in' if user.username in live else 'signed-out'}"
            for user in pool.users.values()
        )
    return dumped


def state() -> dict[str, Any]:
    return {"dynamodb": _tables(), "s3": _objects(), "sqs": _queues(), "sent": _sent(), "cognito": _users()}


# What may move ahead of the records when a later call of the request fails, because the retry then
# completes it exactly (a step that is safe to repeat, done first on purpose):
# * a document's S3 Object Lock, applied before the record names it so that no record ever points at a
#   deletable file (core.uploads); the retry locks it again (a lock only ever extends) and records it;
# * Cognito's side of a sign-in or sign-out: the employee's user made at the first sign-in and its
#   directory link (finished by the next one, which finds both), the refresh tokens revoked and the
#   sessions' cut-off in the link (both done again);
# * an OTP challenge answered but whose proof Cognito never redeemed (the same OTP answers it again).
# The records, their events, the counters, the outbox, the queues and the messages sent may not.
AHEAD = "ahead"


# A notification that went out but whose ledger entry could not then be confirmed (SENT): failing the
# work would send it again once the claim's lease ends, so the work carries on and the ledger keeps the
# claim (core.delivery). Nothing else may differ from the clean run's state.
UNCONFIRMED = "unconfirmed"


def _confirmed(found: dict[str, Any]) -> dict[str, Any]:
    """The state with every ledger entry's claim read as its confirmation."""

    def confirmed(item: str) -> str:
        entry = json.loads(item)
        if not (str(entry.get("pk", "")).startswith("ledger#") and entry.get("status") in ("CLAIMED", "SENT")):
            return item
        return json.dumps({k: v for k, v in entry.items() if k not in ("status", "message_id", "sent_at")})

    return {**found, "dynamodb": {t: sorted(map(confirmed, items)) for t, items in found["dynamodb"].items()}}


def _settled(found: dict[str, Any]) -> dict[str, Any]:
    return {
        **found,
        "s3": {bucket: [entry.split(" ")[0] for entry in keys] for bucket, keys in found["s3"].items()},
        "cognito": {},
        "dynamodb": {
            table: [item for item in items if not _ahead(table, item)] for table, items in found["dynamodb"].items()
        },
    }


def _ahead(table: str, item: str) -> bool:
    found = json.loads(item)
    employee_link = "directory" in table.lower() and found.get("role") == "employee"
    return employee_link or str(found.get("pk", "")).startswith("challenge#")


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Where two states differ (for an assertion's message): an item changed shows its changed fields."""
    found = []
    for part, first in a.items():
        second = b[part]
        for name in sorted(set(first) | set(second)):
            left = list((Counter(first.get(name, [])) - Counter(second.get(name, []))).elements())
            right = list((Counter(second.get(name, [])) - Counter(first.get(name, []))).elements())
            for old in left:
                new = _counterpart(old, right)
                if new is None:
                    found.append(f"{part}/{name} only in the first: {old[:200]}")
                    continue
                right.remove(new)
                was, now = json.loads(old), json.loads(new)
                changed = {k: (was.get(k), now.get(k)) for k in sorted(set(was) | set(now)) if was.get(k) != now.get(k)}
                same = {k: v for k, v in was.items() if k in ("pk", "sk", "employee_code")}
                found.append(f"{part}/{name} {same} changed: {str(changed)[:400]}")
            found += [f"{part}/{name} only in the second: {x[:200]}" for x in right]
    return found


def _counterpart(item: str, candidates: list[str]) -> str | None:
    """The candidate sharing most fields with `item`, if both are JSON objects sharing any."""
    try:
        mine = json.loads(item)
    except ValueError:
        return None
    best, score = None, 0
    for candidate in candidates:
        try:
            theirs = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(mine, dict) or not isinstance(theirs, dict):
            continue
        shared = sum(1 for k, v in mine.items() if theirs.get(k) == v)
        if shared > score:
            best, score = candidate, shared
    return best


# ---------------------------------------------------------------- the same random draws every run
class Draws:
    """Identifiers, OTP proofs and UUIDs drawn from one seed that every run starts again, so the run
    with a fault and the clean run name what they create alike (and their states compare)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._random = random.Random(0)
        draw = self._random
        monkeypatch.setattr(secrets, "randbits", draw.getrandbits)
        monkeypatch.setattr(secrets, "randbelow", draw.randrange)
        monkeypatch.setattr(secrets, "choice", draw.choice)
        monkeypatch.setattr(secrets, "token_bytes", lambda n=32: draw.randbytes(n))
        monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=draw.getrandbits(128), version=4))
        # KMS signs with ECDSA, whose signatures are random: the same message gets its first signature.
        signed: dict[tuple[str, bytes, str], tuple[str, bytes, str]] = {}
        sign = KmsBackend.sign

        def same_signature(
            backend: KmsBackend, key_id: str, message: bytes, signing_algorithm: str
        ) -> tuple[str, bytes, str]:
            key = (key_id, message, signing_algorithm)
            if key not in signed:
                signed[key] = sign(backend, key_id, message, signing_algorithm)
            return signed[key]

        monkeypatch.setattr(KmsBackend, "sign", same_signature)
        # A ULID's time part: the settable clock's instant, which the tests freeze.
        monkeypatch.setattr(ids, "time", SimpleNamespace(time_ns=lambda: int(current_clock().now().timestamp() * 1e9)))

    def restart(self, seed: int) -> None:
        self._random.seed(seed)
        mock_random.seed(seed)  # moto's own: a Cognito user's sub, for one

    @staticmethod
    def close() -> None:
        mock_random.seed()  # unpredictable again, as moto keeps it


def fresh_environments() -> None:
    """A new execution environment for every function, but with its AWS clients kept: everything else
    its wiring built (the caller's directory entry, the programme's settings, keys, secrets, services) is
    read again, so those calls are among the ones faulted; building the clients again would cost more
    than the request."""
    for wiring in Wiring.every:
        built = [name for name in vars(wiring) if name not in ("_load_settings", "aws")]
        if built:
            wiring.reset(*built)


# ---------------------------------------------------------------- one sweep of an action's calls
@dataclass
class Answer:
    """What the caller saw: an HTTP reply, or a worker's batch response (or what the action raised)."""

    status: int | None = None  # the HTTP status; None for a worker
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    failed_messages: list[str] | None = None  # a worker's batchItemFailures
    raised: str | None = None

    @property
    def succeeded(self) -> bool:
        if self.raised is not None:
            return False
        if self.status is None:
            return not self.failed_messages
        return self.status < 400

    def __str__(self) -> str:
        if self.raised:
            return f"raised {self.raised}"
        if self.status is None:
            return f"failed messages {self.failed_messages}"
        code = self.body.get("code") if isinstance(self.body, dict) else None
        return f"{self.status} {code or ''}".strip()


@dataclass
class Position:
    """One fault: where, what, what the caller saw, and what it left."""

    index: int
    call: AwsCall
    fault: Fault
    answer: Answer
    left: str  # "before", "after", AHEAD, UNCONFIRMED or "torn": the state the fault left, against the clean run's
    torn: list[str]
    retried: Answer | None = None  # the client's (or SQS's) retry, after a failure
    after_retry: list[str] = field(default_factory=list)  # how the state then differs from the clean run's


@dataclass
class Sweep:
    name: str
    clean: Answer
    calls: list[AwsCall]
    positions: list[Position]

    @property
    def injected(self) -> int:
        return len(self.positions)


class Lab:
    """Runs actions clean and under faults, each run from the same snapshot and the same draws."""

    def __init__(
        self, edge: Edge, draws: Draws, fresh: Callable[[], None], record: Callable[[str, object], None]
    ) -> None:
        self._edge = edge
        self._draws = draws
        self._fresh = fresh
        self._record = record  # pytest's record_property: the faults per action, for the run's summary
        self.sweeps: list[Sweep] = []

    def run(
        self,
        action: Callable[[], Answer],
        fail_at: int | None = None,
        fault: Fault | None = None,
        *,
        seed: int | None = None,
    ) -> tuple[Answer, list[AwsCall]]:
        """The action once, in a fresh environment, with its calls recorded (and the `fail_at`-th failed)."""
        # Every run of a sweep alike, each sweep its own (unless `seed` asks for other draws: a later run).
        self._draws.restart(seed=len(self.sweeps) + 1 if seed is None else seed)
        self._fresh()
        with self._edge.open(fail_at, fault) as window:
            answer = action()
        return answer, window.calls

    def sweep(
        self,
        name: str,
        action: Callable[[], Answer],
        *,
        retry: Callable[[], Answer] | None = None,
        changes: bool = True,
    ) -> Sweep:
        """The action clean, then with a fault at each of its calls in turn. After a failure, `retry`
        (the action again, by default) is what the client, or SQS, does next."""
        before = state()  # first: it makes every backend the state reads, so that the snapshot has them all
        snapshot = MotoSnapshot.take()
        clean, calls = self.run(action)
        assert clean.succeeded, f"{name}: the clean run failed: {clean} {clean.body}"
        after = state()
        done = MotoSnapshot.take()
        assert (after != before) == changes, f"{name}: the clean run {'changed nothing' if changes else 'changed'}"
        positions = []
        cycle = FaultCycle()
        for index, call in enumerate(calls):
            snapshot.restore()
            fault = cycle.next_for(call)
            answer, _ = self.run(action, index, fault)
            found = state()
            left = "before" if found == before else "after" if found == after else "torn"
            if left == "torn" and _settled(found) == _settled(before):
                left = AHEAD
            elif left == "torn" and _confirmed(found) == _confirmed(after):
                left = UNCONFIRMED
            position = Position(index, call, fault, answer, left, differences(before, found) if left == "torn" else [])
            if not answer.succeeded:
                position.retried, _ = self.run(retry or action)
                position.after_retry = differences(state(), after)
            positions.append(position)
        done.restore()  # as the clean run left it: the next step of a journey starts from there
        sweep = Sweep(name, clean, calls, positions)
        self.sweeps.append(sweep)
        self._record(f"faults {name}", sweep.injected)
        return sweep
