"""What the sign-in service decides on an OTP or help request (auth.service.SignInService), against small
in-memory fakes of the stores it is typed with (core.store.protocols.SignInRecords, RollEntries, WorkSends,
HelpCorrections, EventCommits, CounterTransitions): the request limits, a request that failed giving its
slots back, and a help request opening one mobile-correction request. No I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from auth.service import SignInService
from core.audit import AuditEvent
from core.clock import IST, SettableClock
from core.corrections import Correction, CorrectionStatus, HelpRequest
from core.errors import TooManyRequests
from core.otp import Allowance, BurstLimit, Challenge, SendLimits, SignInLimits
from core.store.dynamo import TxItem
from core.store.protocols import (
    CounterTransitions,
    EventCommits,
    HelpCorrections,
    RollEntries,
    SignInRecords,
    WorkSends,
)
from core.store.roll import RollEntry
from core.store.sign_in import Slot
from tests.factories import PROGRAMME_ID, roll_entry

NOW = datetime(2026, 1, 20, 11, 0, tzinfo=IST)
IP = "203.0.113.7"
LIMITS = SignInLimits(otp=SendLimits(per_hour=5), help=SendLimits(), burst=BurstLimit(requests=30))


class FakeSignIn(SignInRecords):
    """Each limit's window as a list of times, judged by the limit's own rule, and the challenges."""

    def __init__(self) -> None:
        self.windows: dict[str, list[datetime]] = {}
        self.challenges: dict[str, Challenge] = {}
        self.given_back: list[str] = []
        self.forgotten: list[str] = []

    def take(self, kind: str, key: str, limit: SendLimits | BurstLimit, now: datetime) -> tuple[Allowance, Slot | None]:
        pk = f"limit#{kind}#{key}"
        seen = self.windows.get(pk, [])
        allowance = limit.check(seen, now)
        if not allowance.allowed:
            return allowance, None
        self.windows[pk] = [*limit.keep(seen, now), now]
        return allowance, Slot(pk=pk, previous={"seen": seen}, version=len(self.windows[pk]))

    def give_back(self, slot: Slot) -> bool:
        assert slot.previous is not None
        self.windows[slot.pk] = slot.previous["seen"]
        self.given_back.append(slot.pk)
        return True

    def put_challenge(self, challenge: Challenge) -> None:
        self.challenges[challenge.challenge_id] = challenge

    def challenge(self, challenge_id: str) -> Challenge | None:
        return self.challenges.get(challenge_id)

    def forget_challenge(self, challenge_id: str) -> None:
        self.forgotten.append(challenge_id)
        del self.challenges[challenge_id]

    def spend_attempt(self, challenge: Challenge) -> Challenge | None:
        raise AssertionError("not in these tests")

    def mark_answered(self, challenge: Challenge, *, proof_digest: str, username: str, at: datetime) -> bool:
        raise AssertionError("not in these tests")

    def answer_again(self, challenge: Challenge, *, proof_digest: str, at: datetime) -> bool:
        raise AssertionError("not in these tests")


class FakeRoll(RollEntries):
    def __init__(self, *entries: RollEntry) -> None:
        self.by_code = {e.employee_code: e for e in entries}
        self.reads: list[str] = []

    def get(self, employee_code: str, programme_id: str) -> RollEntry | None:
        self.reads.append(employee_code)
        return self.by_code.get(employee_code)


class FakeQueue(WorkSends):
    def __init__(self, *, fails: bool = False) -> None:
        self.fails = fails
        self.sent: list[dict[str, Any]] = []

    def send(self, bodies: Sequence[dict[str, Any]]) -> int:
        if self.fails:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "SendMessageBatch")
        self.sent.extend(bodies)
        return len(bodies)


class FakeCorrections(HelpCorrections):
    """The mobile-correction requests, each written when its change is committed (the fake events never refuse)."""

    def __init__(self) -> None:
        self.by_id: dict[str, Correction] = {}

    def get(self, correction_id: str) -> Correction | None:
        return self.by_id.get(correction_id)

    def pending_id(self, programme_id: str, employee_code: str) -> str | None:
        pending = [c for c in self.by_id.values() if c.employee_code == employee_code and c.status.value == "PENDING"]
        return pending[0].correction_id if pending else None

    def open(self, correction: Correction) -> list[TxItem]:
        self.by_id[correction.correction_id] = correction
        return [TxItem(name="correction", operation="Put", request={"status": correction.status.value})]

    def replace(self, correction: Correction, *, expected_version: int) -> list[TxItem]:
        self.by_id[correction.correction_id] = correction
        return [TxItem(name="correction", operation="Put", request={"version": correction.version})]


class FakeEvents(EventCommits):
    def __init__(self) -> None:
        self.commits: list[list[tuple[str, dict[str, Any]]]] = []

    def append(self, event: AuditEvent, *, record: str) -> TxItem:
        return TxItem(name="event", operation="Put", request={"type": event.type, "seq": event.seq})

    def commit(self, change: Sequence[TxItem]) -> None:
        self.commits.append([(item.name, item.request) for item in change])


class FakeCounters(CounterTransitions):
    def transition(
        self,
        *,
        kind: str,
        programme_id: str,
        shard_key: str,
        before: tuple[Mapping[str, str], Collection[str]] | None,
        after: tuple[Mapping[str, str], Collection[str]],
    ) -> list[TxItem]:
        return [TxItem(name="counters", operation="Update", request={"kind": kind, "labels": sorted(after[1])})]


class Untouched:
    """A dependency these requests must not use (the user pool, the deliverer, the principals)."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"used {name}")


def service(
    sign_in: FakeSignIn,
    roll: FakeRoll,
    queue: FakeQueue,
    clock: SettableClock,
    corrections: FakeCorrections | None = None,
    events: FakeEvents | None = None,
) -> SignInService:
    untouched: Any = Untouched()
    return SignInService(
        programme_id=PROGRAMME_ID,
        programmes=untouched,
        sign_in=sign_in,
        roll=roll,
        directory=untouched,
        principals=untouched,
        user_pool=untouched,
        otp_key=lambda: b"k" * 32,
        queue=queue,
        deliverer=untouched,
        corrections=corrections or FakeCorrections(),
        events=events or FakeEvents(),
        counters=FakeCounters(),
        clock=clock,
        limits=LIMITS,
    )


def clock_at(now: datetime) -> SettableClock:
    clock = SettableClock()
    clock.set(now, frozen=True)
    return clock


def test_an_otp_past_the_codes_hourly_limit_is_refused_before_the_roll_is_read_and_still_counts_for_the_ip() -> None:
    # Given a code on the roll that asked for five OTPs, a minute apart, in the last hour
    sign_in, roll, queue, clock = FakeSignIn(), FakeRoll(roll_entry()), FakeQueue(), clock_at(NOW)
    signing_in = service(sign_in, roll, queue, clock)
    for minute in range(5):
        clock.set(NOW + timedelta(minutes=minute), frozen=True)
        signing_in.request_otp("EMP-0001", IP)
    assert (len(sign_in.challenges), len(queue.sent), len(roll.reads)) == (5, 5, 5)
    # When it asks for a sixth, a minute after the fifth
    clock.set(NOW + timedelta(minutes=5), frozen=True)
    with pytest.raises(TooManyRequests) as refused:
        signing_in.request_otp("EMP-0001", IP)
    # Then it is refused for the hour, until the first of the five leaves the window (55 minutes on)
    assert (refused.value.reason, refused.value.params["retry_after_seconds"]) == ("hour", 55 * 60)
    assert refused.value.params["retry_at"] == NOW + timedelta(hours=1)
    # And nothing was read, stored or queued for it, but the IP's request counted (a refusal is not given back)
    assert (len(sign_in.challenges), len(queue.sent), len(roll.reads)) == (5, 5, 5)
    assert (sign_in.given_back, sign_in.windows[f"limit#ip#{IP}"][-1]) == ([], NOW + timedelta(minutes=5))


def test_an_otp_whose_message_could_not_be_queued_gives_its_slots_back_so_the_retry_is_not_refused() -> None:
    # Given a code on the roll, and a queue that fails
    sign_in, roll, queue, clock = FakeSignIn(), FakeRoll(roll_entry()), FakeQueue(fails=True), clock_at(NOW)
    signing_in = service(sign_in, roll, queue, clock)
    # When it asks for an OTP, then the AWS failure reaches the caller (a 503 to retry)
    with pytest.raises(ClientError):
        signing_in.request_otp("EMP-0001", IP)
    # And the challenge nobody will hear of is gone, and both slots were given back, the last taken first
    assert (sign_in.challenges, len(sign_in.forgotten)) == ({}, 1)
    assert sign_in.given_back == ["limit#otp#EMP-0001", f"limit#ip#{IP}"]
    # When the queue is back and it asks again at once, then it is not refused as a resend
    queue.fails = False
    clock.set(NOW + timedelta(seconds=1), frozen=True)
    challenge, next_at = signing_in.request_otp("EMP-0001", IP)
    assert (challenge.employee_code, next_at) == ("EMP-0001", NOW + timedelta(seconds=31))
    assert queue.sent == [{"challenge_id": challenge.challenge_id}]


def test_a_matching_help_request_opens_one_pending_request_in_one_change_and_the_same_again_writes_nothing() -> None:
    # Given an employee on the roll, with no correction pending
    corrections, events, clock = FakeCorrections(), FakeEvents(), clock_at(NOW)
    signing_in = service(FakeSignIn(), FakeRoll(roll_entry()), FakeQueue(), clock, corrections, events)
    request = HelpRequest(
        employee_code="EMP-0001",
        family_id="FAM12345",
        date_of_birth=datetime(1988, 4, 12).date(),
        new_mobile="9876501234",
    )
    # When they ask for help with the roll's details and a new mobile
    signing_in.ask_for_help(request, IP)
    # Then one pending request was opened, with its first event and its counters, in one transaction
    (opened,) = corrections.by_id.values()
    assert (opened.status, opened.claim.mobile, opened.version) == (CorrectionStatus.PENDING, "9876501234", 1)
    (change,) = events.commits
    assert [name for name, _ in change] == ["correction", "event", "counters"]
    assert change[1][1] == {"type": "correction.opened", "seq": 1}
    # When the same request comes again a minute later, then nothing more is written
    clock.set(NOW + timedelta(minutes=1), frozen=True)
    signing_in.ask_for_help(request, IP)
    assert (len(corrections.by_id), len(events.commits)) == (1, 1)


def test_a_help_request_with_another_date_of_birth_writes_nothing() -> None:
    # Given an employee on the roll
    corrections, events = FakeCorrections(), FakeEvents()
    signing_in = service(FakeSignIn(), FakeRoll(roll_entry()), FakeQueue(), clock_at(NOW), corrections, events)
    # When someone asks for help with the code but another date of birth
    signing_in.ask_for_help(
        HelpRequest(
            employee_code="EMP-0001",
            family_id="FAM12345",
            date_of_birth=datetime(1990, 1, 1).date(),
            new_mobile="9876501234",
        ),
        IP,
    )
    # Then no request is opened and nothing is committed
    assert (corrections.by_id, events.commits) == ({}, [])
