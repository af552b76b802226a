"""The officer digest's plan (reminders.planners.digest.OfficerDigest), against small in-memory fakes of
what it is typed with (core.store.protocols.Programmes, RegistrationSweeps, GrievanceCounts, Members,
WorkSends): who gets a digest, what each says, and what is queued. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from core.auth import Role
from core.clock import IST, SettableClock
from core.identity import Official
from core.programme import GrievanceUnit, Programme
from core.registration import RegistrationStatus
from core.store.dynamo import Page
from core.store.grievances import L2_QUEUE, UNIT_QUEUE
from core.store.protocols import GrievanceCounts, Members, Programmes, RegistrationSweeps, WorkSends
from core.store.registrations import SweepItem, SweepPage
from reminders.models import JobName, JobRequest, Outcome, ReminderBatch
from reminders.planners.base import Batches, Scope
from reminders.planners.digest import OfficerDigest
from tests.factories import PROGRAMME_ID, grievance_policy, programme

NOW = datetime(2026, 2, 10, 7, 0, tzinfo=IST)  # verification is open: 18 days left
YESTERDAY = datetime(2026, 2, 9, 16, 0, tzinfo=IST)
UNITS = (
    GrievanceUnit(unit_id="GRV-PKL-L1", name="Grievance cell, Panchkula", department="Health"),
    GrievanceUnit(unit_id="GRV-HSR-L1", name="Grievance cell, Hisar", department="Public Works"),
)


def official(username: str, role: Role, **scope: str) -> Official:
    return Official(
        username=username, name="An Officer", email="o@example.gov.in", mobile="9811100000", role=role, **scope
    )


class FakeProgrammes(Programmes):
    def get(self, programme_id: str) -> Programme:
        return programme(grievances=grievance_policy(units=UNITS, route_by_ddo={}, default_unit="GRV-PKL-L1"))


class FakeRegistrations(RegistrationSweeps):
    """The sweep index: records by (status, shard), one page each."""

    def __init__(self, listed: dict[tuple[RegistrationStatus, int], list[SweepItem]]) -> None:
        self.listed = listed

    def sweep(
        self, *, programme_id: str, status: RegistrationStatus, shard: int, start: dict[str, Any] | None = None
    ) -> SweepPage:
        return Page(items=self.listed.get((status, shard), []), last_key=None)


class FakeGrievances(GrievanceCounts):
    """Each queue partition's open and overdue counts, and when each officer was last seen."""

    def __init__(self, counts: dict[tuple[str, str], tuple[int, int]], seen: dict[str, datetime]) -> None:
        self.counts = counts
        self.seen = seen

    def count(self, *, index: str, partition: str, ranks: tuple[str, ...], overdue_at: datetime | None = None) -> int:
        open_, overdue = self.counts.get((index, partition), (0, 0))
        if overdue_at is not None:
            assert overdue_at == NOW
            return overdue
        assert ranks == ("0", "1")
        return open_

    def last_seen(self, username: str) -> datetime | None:
        return self.seen.get(username)


class FakeDirectory(Members):
    def __init__(self, *officials: Official) -> None:
        self.officials = officials

    def members(self, role: Role) -> list[Official]:
        return [o for o in self.officials if o.role == role]


class FakeQueue(WorkSends):
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, bodies: Sequence[dict[str, Any]]) -> int:
        self.sent.extend(bodies)
        return len(bodies)


def submitted(registration_id: str, ddo_code: str) -> SweepItem:
    return SweepItem(
        registration_id=registration_id,
        employee_code=f"EMP-{registration_id}",
        ddo_code=ddo_code,
        department="Health",
        district="Panchkula",
    )


def digest(queue: FakeQueue) -> OfficerDigest:
    clock = SettableClock()
    clock.set(NOW, frozen=True)
    return OfficerDigest(
        scope=Scope(programme_id=PROGRAMME_ID, clock=clock),
        batches=Batches(queue=queue, size=100),
        programmes=FakeProgrammes(),
        registrations=FakeRegistrations(
            {
                (RegistrationStatus.SUBMITTED, 0): [submitted("R1", "DDO-PKL-001"), submitted("R2", "DDO-HSR-001")],
                (RegistrationStatus.SUBMITTED, 3): [submitted("R3", "DDO-PKL-001")],
                (RegistrationStatus.DRAFT, 0): [submitted("R4", "DDO-PKL-002")],
            }
        ),
        grievances=FakeGrievances(
            {(UNIT_QUEUE, "GRV-PKL-L1"): (5, 2), (L2_QUEUE, "Health"): (3, 1)},
            seen={"officer-pkl-a": YESTERDAY, "officer-hsr": YESTERDAY - timedelta(days=1)},
        ),
        officials=FakeDirectory(
            official("officer-pkl-a", Role.OFFICER, unit="GRV-PKL-L1"),
            official("officer-pkl-b", Role.OFFICER, unit="GRV-PKL-L1"),
            official("officer-hsr", Role.OFFICER, unit="GRV-HSR-L1"),
            official("hod-health", Role.HOD, department="Health"),
            official("hod-pwd", Role.HOD, department="Public Works"),
        ),
    )


def test_the_digest_tells_each_unit_hod_and_ddo_its_counts_and_who_was_absent_yesterday() -> None:
    # Given two units with their officers (one never signed in, one last seen the day before yesterday), two
    # HoDs, and records submitted to two DDOs while verification is open
    queue = FakeQueue()
    # When the morning's digest is planned
    plan = digest(queue).plan(JobRequest(job=JobName.OFFICER_DIGEST))
    # Then each unit, each HoD and each DDO with submitted records gets one digest
    assert (plan.outcome, plan.actions) == (Outcome.PLANNED, {"officer_digest": 2, "hod_digest": 2, "ddo_digest": 2})
    batches = [ReminderBatch.model_validate(body) for body in queue.sent]
    assert [(b.template, b.campaign, b.day) for b in batches] == [
        (template, "officer-digest#2026-02-10", "2026-02-10")
        for template in ("officer_digest", "hod_digest", "ddo_digest")
    ]
    said = {item.recipient: item.data for b in batches for item in b.items}
    day = "10-02-2026"
    # And a unit's says its open and overdue grievances and its officers not signed in since yesterday began
    assert said["unit:GRV-PKL-L1"] == {"day": day, "open": 5, "overdue": 2, "absent": "officer-pkl-b"}
    assert said["unit:GRV-HSR-L1"] == {"day": day, "open": 0, "overdue": 0, "absent": "officer-hsr"}
    # And a HoD's says the L2 queue's counts and the absent officers of the department's units
    assert said["hod:Health"] == {"day": day, "open": 3, "overdue": 1, "absent": "officer-pkl-b"}
    assert said["hod:Public Works"] == {"day": day, "open": 0, "overdue": 0, "absent": "officer-hsr"}
    # And a DDO's says the records awaiting them (drafts are not theirs yet) and the days left
    assert said["ddo:DDO-PKL-001"] == {"day": day, "pending": 2, "days_left": 18}
    assert said["ddo:DDO-HSR-001"] == {"day": day, "pending": 1, "days_left": 18}
    assert plan.messages_sent == 3


def test_a_dry_run_of_the_digest_plans_the_same_and_queues_nothing() -> None:
    # Given the same officials and records
    queue = FakeQueue()
    # When the digest is planned dry
    plan = digest(queue).plan(JobRequest(job=JobName.OFFICER_DIGEST, dry_run=True))
    # Then it counts the same digests and sends nothing
    assert (plan.actions["officer_digest"], plan.actions["ddo_digest"], plan.messages_sent) == (2, 2, 0)
    assert queue.sent == []
