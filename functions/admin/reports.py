"""Where things stand, read from the counters: the summary by group, its CSV export, the fairness report.

Every figure comes from the `counters` table's `groups` index, one Query (a page per MB) per kind
of record (registrations, grievances, mobile corrections), so a report costs O(groups) whatever the
number of registrations. A HoD sees their own department only: its groups are the "<department>/..."
ones, a key range of the same Query.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict

from core.auth import Principal, Role
from core.clock import Clock
from core.corrections import CORRECTIONS, CorrectionStatus
from core.errors import Forbidden
from core.fairness import DECISION_SCOPE, DECISIONS, DepartmentFairness, fairness_by_department
from core.grievance import OPEN_STATUSES, OVERDUE, GrievanceStatus
from core.registration import RegistrationStatus
from core.store.counters import Counts

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CounterGroups, ProgrammeReads, ReportFiles
_DAY_SECONDS = 86_400


class GroupBy(StrEnum):
    DEPARTMENT = "department"
    DISTRICT = "district"
    DDO = "ddo"


class SummaryRow(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    group: str
    department: str | None
    registrations: dict[RegistrationStatus, int]
    registrations_total: int
    grievances_open: int
    grievances_overdue: int
    grievances: dict[GrievanceStatus, int]
    verification_pending: int
    verification_escalated: int
    needed_per_day: int | None
    corrections_pending: int  # mobile-correction requests awaiting the DDO or HoD

    @classmethod
    def of(
        cls,
        group: str,
        department: str | None,
        registrations: Counts,
        grievances: Counts,
        days_left: int | None,
        corrections: Counts | None = None,
    ) -> SummaryRow:
        by_state = {state: registrations.get(state.value, 0) for state in RegistrationStatus}
        by_status = {status: grievances.get(status.value, 0) for status in GrievanceStatus}
        pending = by_state[RegistrationStatus.SUBMITTED]
        return cls(
            group=group,
            department=department,
            registrations=by_state,
            registrations_total=sum(by_state.values()),
            grievances_open=sum(by_status[status] for status in OPEN_STATUSES),
            grievances_overdue=grievances.get(OVERDUE, 0),
            grievances=by_status,
            verification_pending=pending,
            verification_escalated=by_state[RegistrationStatus.ESCALATED],
            # What the DDOs must clear each remaining day to meet the deadline; None once it passed.
            needed_per_day=math.ceil(pending / days_left) if days_left else None,
            corrections_pending=(corrections or {}).get(CorrectionStatus.PENDING.value, 0),
        )


class Summary(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    programme_id: str
    by: GroupBy
    department: str | None  # set when the report is limited to a HoD's department
    generated_at: AwareDatetime
    verification_closes_at: AwareDatetime
    days_left: int | None
    rows: list[SummaryRow]
    totals: SummaryRow


class Export(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    by: GroupBy
    rows: int
    key: str
    url: str
    expires_at: AwareDatetime


class Fairness(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    programme_id: str
    generated_at: AwareDatetime
    min_decisions: int
    threshold: float
    departments: list[DepartmentFairness]


CSV_HEADER = (
    "group",
    "department",
    *(f"registrations_{state.value.lower()}" for state in RegistrationStatus),
    "registrations_total",
    "grievances_open",
    "grievances_overdue",
    "verification_pending",
    "verification_escalated",
    "needed_per_day",
    "corrections_pending",
)


def csv_row(row: SummaryRow) -> tuple[object, ...]:
    return (
        row.group,
        row.department or "",
        *(row.registrations[state] for state in RegistrationStatus),
        row.registrations_total,
        row.grievances_open,
        row.grievances_overdue,
        row.verification_pending,
        row.verification_escalated,
        "" if row.needed_per_day is None else row.needed_per_day,
        row.corrections_pending,
    )


def _sum(groups: list[Counts]) -> Counts:
    total: Counts = {}
    for counts in groups:
        for name, count in counts.items():
            total[name] = total.get(name, 0) + count
    return total


def days_left(closes_at: datetime, now: datetime) -> int | None:
    """Whole or part days until the close (the last day counts as one); None once it has passed."""
    seconds = (closes_at - now).total_seconds()
    return math.ceil(seconds / _DAY_SECONDS) if seconds > 0 else None


class ReportService:
    def __init__(
        self,
        *,
        programme_id: str,
        programmes: ProgrammeReads,
        counters: CounterGroups,
        reports: ReportFiles,
        clock: Clock,
    ) -> None:
        self._programme_id = programme_id
        self._programmes = programmes
        self._counters = counters
        self._reports = reports
        self._clock = clock

    def summary(self, principal: Principal, by: GroupBy) -> Summary:
        department = _department_of(principal)
        now = self._clock.now()
        closes_at = self._programmes.read(self._programme_id).programme.verification_closes_at
        left = days_left(closes_at, now)
        registrations = self._grouped("registrations", by, department)
        grievances = self._grouped("grievances", by, department)
        corrections = self._grouped(CORRECTIONS, by, department)
        groups = registrations.keys() | grievances.keys() | corrections.keys()
        rows = [
            SummaryRow.of(
                group=group,
                department=dept,
                registrations=registrations.get((dept, group), {}),
                grievances=grievances.get((dept, group), {}),
                days_left=left,
                corrections=corrections.get((dept, group), {}),
            )
            for dept, group in sorted(groups, key=lambda k: (k[0] or "", k[1]))
        ]
        totals = SummaryRow.of(
            group="total",
            department=department,
            registrations=_sum(list(registrations.values())),
            grievances=_sum(list(grievances.values())),
            days_left=left,
            corrections=_sum(list(corrections.values())),
        )
        return Summary(
            programme_id=self._programme_id,
            by=by,
            department=department,
            generated_at=now,
            verification_closes_at=closes_at,
            days_left=left,
            rows=rows,
            totals=totals,
        )

    def export(self, principal: Principal, by: GroupBy) -> Export:
        """The summary as CSV in the reports bucket, handed out through a short-lived URL."""
        summary = self.summary(principal, by)
        stamp = summary.generated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        key = f"exports/summary/{by.value}/{stamp}-{uuid.uuid4().hex[:12]}.csv"
        self._reports.put_csv(key, CSV_HEADER, [*map(csv_row, summary.rows), csv_row(summary.totals)])
        url, expires_at = self._reports.download_url(key, summary.generated_at)
        return Export(by=by, rows=len(summary.rows), key=key, url=url, expires_at=expires_at)

    def fairness(self, principal: Principal, *, min_decisions: int, threshold: float) -> Fairness:
        department = _department_of(principal)
        groups = self._counters.groups(
            kind=DECISIONS,
            programme_id=self._programme_id,
            scope=DECISION_SCOPE,
            prefix="" if department is None else f"{department}/",
        )
        return Fairness(
            programme_id=self._programme_id,
            generated_at=self._clock.now(),
            min_decisions=min_decisions,
            threshold=threshold,
            departments=fairness_by_department(groups, min_decisions=min_decisions, threshold=threshold),
        )

    def _grouped(self, kind: str, by: GroupBy, department: str | None) -> dict[tuple[str | None, str], Counts]:
        return grouped(self._counters, self._programme_id, kind, by, department)


def grouped(
    counters: CounterGroups, programme_id: str, kind: str, by: GroupBy, department: str | None = None
) -> dict[tuple[str | None, str], Counts]:
    """Counts keyed by (department, group). Department and DDO groups read their own scope;
    districts are summed over the department/district groups (a district spans departments).
    `department` limits them to one department's (a HoD's report)."""
    if by == GroupBy.DEPARTMENT:
        found = counters.groups(kind=kind, programme_id=programme_id, scope="department")
        return {(name, name): counts for name, counts in found.items() if department in (None, name)}
    scope = "department_ddo" if by == GroupBy.DDO else "department_district"
    prefix = "" if department is None else f"{department}/"
    found = counters.groups(kind=kind, programme_id=programme_id, scope=scope, prefix=prefix)
    keyed: dict[tuple[str | None, str], list[Counts]] = {}
    for pair, counts in found.items():
        dept, _, name = pair.rpartition("/")  # DDO codes and districts hold no "/"; departments may
        # A DDO belongs to one department; a district's row is the state's (or the HoD's share).
        key = (dept, name) if by == GroupBy.DDO else (department, name)
        keyed.setdefault(key, []).append(counts)
    return {key: _sum(parts) for key, parts in keyed.items()}


def _department_of(principal: Principal) -> str | None:
    """None for an admin (every department); a HoD's own department otherwise."""
    principal.require(Role.ADMIN, Role.HOD)
    if principal.has(Role.ADMIN):
        return None
    if not principal.department:
        raise Forbidden("no_department")
    return principal.department
