"""Outcome counters for the public statistics: how registrations are decided and how grievances end,
with whole-day histograms, so a median is read from the counters and never computed from the records.

* `registration_outcomes` counts decisions, as they are taken: every decision on a registration (a
  DDO's, or a HoD's after the deadline) adds one to `decisions`, one to its outcome (`verify`,
  `send_back`, `reject`) and one to the bucket of whole days from the (latest) submission to it. A
  record sent back and verified later counts two decisions. (The fairness report's `decisions`
  counters compare DDOs, so they leave the HoDs' decisions out and are kept per DDO only.)
* `grievance_outcomes` counts grievances as they stand, like the status counters: one resolved (RESOLVED,
  or CLOSED after a resolution) is in the bucket of its whole days from filing to resolution; reopened at
  L2, it leaves that bucket until it is resolved again. `escalated` counts grievances that moved from L1
  to L2 (an appeal starts at L2 and is not one).

Both are kept for the scopes a public report groups by (department, department/DDO, department/district).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from core.registration import Decision

if TYPE_CHECKING:  # the registration functions count no grievance and need not load their models
    from core.grievance import Grievance

REGISTRATION_OUTCOMES = "registration_outcomes"
GRIEVANCE_OUTCOMES = "grievance_outcomes"
STATS_SCOPES = ("department", "department_ddo", "department_district")
DECISIONS = "decisions"
ESCALATED = "escalated"
HISTOGRAM_DAYS = 90  # the last bucket holds everything from 90 days on
_DAY_SECONDS = 86_400
_BUCKET_PREFIX = "day"


def day_bucket(day: int) -> str:
    return f"{_BUCKET_PREFIX}{min(max(day, 0), HISTOGRAM_DAYS):02d}"


def whole_days(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // _DAY_SECONDS))


def histogram(counts: Mapping[str, int]) -> dict[int, int]:
    """The day buckets among a group's counters, by day (empty buckets left out)."""
    return {day: counts[day_bucket(day)] for day in range(HISTOGRAM_DAYS + 1) if counts.get(day_bucket(day))}


def median_of(by_day: Mapping[int, int]) -> float | None:
    """The median whole day of a histogram (the mean of the middle two when the count is even)."""
    total = sum(by_day.values())
    if total <= 0:
        return None
    days = sorted(day for day, count in by_day.items() if count > 0)

    def day_at(rank: int) -> int:
        seen = 0
        for day in days:
            seen += by_day[day]
            if rank < seen:
                return day
        return days[-1]

    return (day_at((total - 1) // 2) + day_at(total // 2)) / 2


def stats_scopes(scopes: Mapping[str, str]) -> dict[str, str]:
    """The public report's groups of a record, out of all its counter scopes."""
    return {scope: scopes[scope] for scope in STATS_SCOPES}


def decision_outcome(decision: Decision, *, submitted_at: datetime, decided_at: datetime) -> dict[str, int]:
    """What one decision adds to its groups' `registration_outcomes`."""
    return {DECISIONS: 1, decision.value: 1, day_bucket(whole_days(submitted_at, decided_at)): 1}


def grievance_outcome_labels(grievance: Grievance) -> tuple[str, ...]:
    """What a grievance counts for in `grievance_outcomes`, as it stands."""
    from core.grievance import Level  # noqa: PLC0415 - loaded already: the caller holds a Grievance

    labels = []
    if grievance.level == Level.L2 and not grievance.appeal:
        labels.append(ESCALATED)
    if grievance.resolved_at is not None:
        labels.append(day_bucket(whole_days(grievance.filed_at, grievance.resolved_at)))
    return tuple(labels)
