"""What the admin reports and the public statistics read (admin.reports.ReportService, admin.stats.
PublicStatsService), against small in-memory fakes of the stores they are typed with
(core.store.protocols.CounterGroups, ProgrammeReads, ReportFiles). No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from admin.reports import GroupBy, ReportService
from admin.stats import PublicStatsService
from core.audit import GENESIS_HASH
from core.auth import Principal, Role
from core.clock import SettableClock
from core.corrections import CORRECTIONS
from core.store.programmes import StoredProgramme
from core.store.protocols import CounterGroups, ProgrammeReads, ReportFiles
from tests.factories import DURING_REGISTRATION, PROGRAMME_ID, programme

HOD = Principal(sub="sub-hod", username="hod-health", roles=frozenset({Role.HOD}), department="Health")
ADMIN = Principal(sub="sub-admin", username="admin", roles=frozenset({Role.ADMIN}))
BY_DDO = {
    "Health/DDO-PKL-001": {"SUBMITTED": 6, "DRAFT": 2},
    "Public Works/DDO-HSR-001": {"SUBMITTED": 3},
}


class FakeCounters(CounterGroups):
    """The registrations' groups by DDO (every other kind has none), and each question asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    def groups(self, *, kind: str, programme_id: str, scope: str, prefix: str = "") -> dict[str, dict[str, int]]:
        self.asked.append((kind, scope, prefix))
        found = BY_DDO if (kind, scope) == ("registrations", "department_ddo") else {}
        return {group: counts for group, counts in found.items() if group.startswith(prefix)}


class FakeProgrammes(ProgrammeReads):
    def read(self, programme_id: str) -> StoredProgramme:
        return StoredProgramme(programme=programme(), version=0, event_head=GENESIS_HASH)


class FakeFiles(ReportFiles):
    def put_csv(self, key: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
        raise AssertionError("a summary writes nothing")

    def download_url(self, key: str, now: datetime) -> tuple[str, datetime]:
        raise AssertionError("a summary hands out no URL")


def clock_at(now: datetime) -> SettableClock:
    clock = SettableClock()
    clock.set(now, frozen=True)
    return clock


def test_a_hods_summary_reads_only_its_departments_groups_and_an_admins_every_one() -> None:
    # Given the counters of two departments' DDOs, 40 days (part days counted) before verification closes
    counters = FakeCounters()
    reports = ReportService(
        programme_id=PROGRAMME_ID,
        programmes=FakeProgrammes(),
        counters=counters,
        reports=FakeFiles(),
        clock=clock_at(DURING_REGISTRATION),
    )
    # When Health's HoD reads the summary by DDO
    summary = reports.summary(HOD, GroupBy.DDO)
    # Then every kind was read from Health's groups alone, and the rows are Health's DDO's
    kinds = ["registrations", "grievances", CORRECTIONS]
    assert counters.asked == [(kind, "department_ddo", "Health/") for kind in kinds]
    assert [(row.group, row.department, row.verification_pending) for row in summary.rows] == [
        ("DDO-PKL-001", "Health", 6)
    ]
    assert (summary.department, summary.days_left, summary.rows[0].needed_per_day) == ("Health", 40, 1)
    assert summary.totals.registrations_total == 8
    # When the admin reads it, then every department's groups are read, and both DDOs are rows
    counters.asked.clear()
    everyone = reports.summary(ADMIN, GroupBy.DDO)
    assert counters.asked == [(kind, "department_ddo", "") for kind in kinds]
    assert [(row.group, row.department) for row in everyone.rows] == [
        ("DDO-PKL-001", "Health"),
        ("DDO-HSR-001", "Public Works"),
    ]
    assert (everyone.department, everyone.totals.registrations_total) == (None, 11)


def test_public_figures_are_read_once_per_five_minutes_and_again_when_the_clock_moves_back() -> None:
    # Given the public statistics, fresh for five minutes
    counters = FakeCounters()
    clock = clock_at(DURING_REGISTRATION)
    stats = PublicStatsService(programme_id=PROGRAMME_ID, counters=counters, clock=clock)
    reads_per_computation = 4  # registrations and grievances, each with their outcomes
    # When they are read, then read again four minutes later
    stats.read(GroupBy.DEPARTMENT)
    clock.set(DURING_REGISTRATION + timedelta(minutes=4), frozen=True)
    cached = stats.read(GroupBy.DEPARTMENT)
    # Then the counters were read once, and the second answer says for how long it stays fresh
    assert (len(counters.asked), cached.fresh_for_seconds) == (reads_per_computation, 60)
    # When another grouping is read, then it is computed on its own
    stats.read(GroupBy.DISTRICT)
    assert len(counters.asked) == 2 * reads_per_computation
    # When five minutes have passed, or the clock is set back before the figures were made, then they are read anew
    clock.set(DURING_REGISTRATION + timedelta(minutes=5), frozen=True)
    stats.read(GroupBy.DEPARTMENT)
    clock.set(DURING_REGISTRATION - timedelta(minutes=1), frozen=True)
    stats.read(GroupBy.DEPARTMENT)
    assert len(counters.asked) == 4 * reads_per_computation
