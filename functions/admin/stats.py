"""The public statistics (`GET /v1/transparency/stats`): how registrations and grievances fare, per
department, district or DDO, with no personal data, read from the counters.

Four Queries of the counters' `groups` index (registrations by state, grievances by status, and the
outcome counters of core.outcomes), whatever the number of records; kept in memory for five minutes.

Small groups are withheld: a group's registration figures when it has fewer than `MIN_RECORDS`
registrations, its grievance figures when fewer than `MIN_RECORDS` grievances were filed, and the whole
group when both are. Since the state's figures are published too, the withheld groups of a part must add
up to at least `MIN_RECORDS` (or to none), or the state's figure minus the published ones would give them
away: the next smallest groups are withheld until they do.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from admin.reports import GroupBy, grouped
from core.clock import Clock
from core.grievance import OVERDUE, GrievanceStatus
from core.outcomes import DECISIONS, ESCALATED, GRIEVANCE_OUTCOMES, REGISTRATION_OUTCOMES, histogram, median_of
from core.registration import Decision, RegistrationStatus
from core.store.counters import Counts

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CounterGroups
MIN_RECORDS = 5
MAX_AGE = timedelta(minutes=5)
STATE = "state"
Key = TypeVar("Key", bound=Hashable)
GroupKey = tuple[str | None, str]  # (department, group), as admin.reports.grouped keys them


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class RegistrationFigures(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    total: int
    by_state: dict[RegistrationStatus, int]
    decisions: int = Field(description="Decisions taken (a record sent back and decided again counts twice)")
    verified_rate: float | None = Field(description="Share of the decisions that verified; null with no decision")
    sent_back_rate: float | None
    rejected_rate: float | None
    median_days_to_decision: float | None = Field(description="Whole days from submission to decision")

    @classmethod
    def of(cls, registrations: Counts, outcomes: Counts) -> RegistrationFigures:
        by_state = {state: registrations.get(state.value, 0) for state in RegistrationStatus}
        decisions = outcomes.get(DECISIONS, 0)
        return cls(
            total=sum(by_state.values()),
            by_state=by_state,
            decisions=decisions,
            verified_rate=_rate(outcomes.get(Decision.VERIFY.value, 0), decisions),
            sent_back_rate=_rate(outcomes.get(Decision.SEND_BACK.value, 0), decisions),
            rejected_rate=_rate(outcomes.get(Decision.REJECT.value, 0), decisions),
            median_days_to_decision=median_of(histogram(outcomes)),
        )


class GrievanceFigures(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    filed: int
    resolved: int = Field(description="Resolved, or closed after a resolution")
    escalated: int = Field(description="Moved from the L1 unit to the Head of Department (appeals start there)")
    overdue: int = Field(description="Past the Head of Department's deadline with the next step still owed")
    median_days_to_resolve: float | None = Field(description="Whole days from filing to resolution")

    @classmethod
    def of(cls, grievances: Counts, outcomes: Counts) -> GrievanceFigures:
        resolutions = histogram(outcomes)
        return cls(
            filed=sum(grievances.get(status.value, 0) for status in GrievanceStatus),
            resolved=sum(resolutions.values()),
            escalated=outcomes.get(ESCALATED, 0),
            overdue=grievances.get(OVERDUE, 0),
            median_days_to_resolve=median_of(resolutions),
        )


class StatsGroup(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    group: str
    department: str | None = Field(description="The DDO's department (by=ddo)")
    registrations: RegistrationFigures | None = Field(description="null: withheld (see `suppression`)")
    grievances: GrievanceFigures | None = Field(description="null: withheld (see `suppression`)")


class Suppression(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    min_records: int
    groups_withheld: int = Field(description="Groups left out: neither part has enough records")
    registration_figures_withheld: int = Field(description="Groups whose registration figures are null")
    grievance_figures_withheld: int = Field(description="Groups whose grievance figures are null")
    reason: str


class PublicStats(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    programme_id: str
    by: GroupBy
    generated_at: AwareDatetime
    groups: list[StatsGroup]
    state: StatsGroup = Field(description="The whole programme")
    suppression: Suppression


class CachedStats(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    stats: PublicStats
    fresh_for_seconds: int


def withheld(sizes: Mapping[Key, int], minimum: int) -> set[Key]:
    """The groups whose figures are withheld (see the module's docstring)."""
    hidden = {key for key, size in sizes.items() if size < minimum}
    hidden_total = sum(sizes[key] for key in hidden)
    shown = sorted((key for key in sizes if key not in hidden), key=lambda key: (sizes[key], str(key)))
    while 0 < hidden_total < minimum and shown:
        key = shown.pop(0)
        hidden.add(key)
        hidden_total += sizes[key]
    return hidden


def _sum(groups: Mapping[Key, Counts]) -> Counts:
    total: Counts = {}
    for counts in groups.values():
        for name, count in counts.items():
            total[name] = total.get(name, 0) + count
    return total


def public_stats(
    *,
    programme_id: str,
    by: GroupBy,
    now: datetime,
    registrations: Mapping[GroupKey, Counts],
    registration_outcomes: Mapping[GroupKey, Counts],
    grievances: Mapping[GroupKey, Counts],
    grievance_outcomes: Mapping[GroupKey, Counts],
    minimum: int = MIN_RECORDS,
) -> PublicStats:
    """The figures of each group (keyed by (department, group)) and of the state, small groups withheld."""
    keys = set(registrations) | set(grievances)
    registration_figures = {
        key: RegistrationFigures.of(registrations.get(key, {}), registration_outcomes.get(key, {})) for key in keys
    }
    grievance_figures = {
        key: GrievanceFigures.of(grievances.get(key, {}), grievance_outcomes.get(key, {})) for key in keys
    }
    hidden_registrations = withheld({k: f.total for k, f in registration_figures.items()}, minimum)
    hidden_grievances = withheld({k: f.filed for k, f in grievance_figures.items()}, minimum)
    rows = []
    for key in sorted(keys, key=lambda k: (k[0] or "", k[1])):
        if key in hidden_registrations and key in hidden_grievances:
            continue
        department, group = key
        rows.append(
            StatsGroup(
                group=group,
                department=department if by == GroupBy.DDO else None,
                registrations=None if key in hidden_registrations else registration_figures[key],
                grievances=None if key in hidden_grievances else grievance_figures[key],
            )
        )
    state_registrations = RegistrationFigures.of(_sum(registrations), _sum(registration_outcomes))
    state_grievances = GrievanceFigures.of(_sum(grievances), _sum(grievance_outcomes))
    return PublicStats(
        programme_id=programme_id,
        by=by,
        generated_at=now,
        groups=rows,
        state=StatsGroup(
            group=STATE,
            department=None,
            registrations=state_registrations if state_registrations.total >= minimum else None,
            grievances=state_grievances if state_grievances.filed >= minimum else None,
        ),
        suppression=Suppression(
            min_records=minimum,
            groups_withheld=len(hidden_registrations & hidden_grievances),
            registration_figures_withheld=len(hidden_registrations),
            grievance_figures_withheld=len(hidden_grievances),
            reason=f"Figures of fewer than {minimum} registrations or grievances could point to the people "
            f"behind them, so they are withheld, with as many more of the smallest groups as needed for the "
            f"withheld ones to add up to at least {minimum}: the state's figures cannot then give them away.",
        ),
    )


class PublicStatsService:
    """The statistics per grouping, computed at most once per `max_age` per warm container."""

    def __init__(
        self, *, programme_id: str, counters: CounterGroups, clock: Clock, max_age: timedelta = MAX_AGE
    ) -> None:
        self._programme_id = programme_id
        self._counters = counters
        self._clock = clock
        self._max_age = max_age
        self._cache: dict[GroupBy, PublicStats] = {}
        self._lock = threading.Lock()

    def read(self, by: GroupBy) -> CachedStats:
        now = self._clock.now()
        with self._lock:
            cached = self._cache.get(by)
        # A clock moved back (locally) makes the entry stale rather than fresh for longer.
        if cached is None or not cached.generated_at <= now < cached.generated_at + self._max_age:
            cached = public_stats(
                programme_id=self._programme_id,
                by=by,
                now=now,
                registrations=self._grouped("registrations", by),
                registration_outcomes=self._grouped(REGISTRATION_OUTCOMES, by),
                grievances=self._grouped("grievances", by),
                grievance_outcomes=self._grouped(GRIEVANCE_OUTCOMES, by),
            )
            with self._lock:
                self._cache[by] = cached
        left = cached.generated_at + self._max_age - now
        return CachedStats(stats=cached, fresh_for_seconds=max(1, int(left.total_seconds())))

    def _grouped(self, kind: str, by: GroupBy) -> dict[GroupKey, Counts]:
        return grouped(self._counters, self._programme_id, kind, by)
