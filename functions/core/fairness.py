"""DDO decisions as counters, and the fairness report read from them.

Each decision a DDO takes adds to its group (department/DDO) in the `decisions` counters: one for
the decision and its outcome, the hours from submission to decision (their sum and sum of
squares give an exact mean and spread) and one in a whole-day histogram (an exact median in days).
So the report costs one Query whatever the number of decisions.

A DDO is compared with the rest of its department (leave-one-out, so a DDO with many decisions
does not hide itself in a mean it dominates), pooling the others' decisions:
* rejection rate: z = (r - p) / sqrt(p (1 - p) / n), p the others' rate, smoothed by +1/+2 so
  a department with no rejections at all still has a spread;
* turnaround: z = (mean - others' mean) / (others' SD / sqrt(n)), the SD floored at one hour.
A DDO with at least `min_decisions`, whose department has as many from the others, is flagged when
|z| exceeds the threshold (2 standard deviations unless asked otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from core.outcomes import day_bucket, histogram, median_of
from core.registration import Decision

DECISIONS = "decisions"
DECISION_SCOPE = "department_ddo"
_HOURS_SUM = "turnaround_hours"
_HOURS_SQUARES = "turnaround_hours_sq"


def decision_amounts(decision: Decision, *, submitted_at: datetime, decided_at: datetime) -> dict[str, int]:
    """What one decision adds to its DDO's counters."""
    hours = max(0, int((decided_at - submitted_at).total_seconds() // 3600))
    return {
        DECISIONS: 1,
        decision.value: 1,
        _HOURS_SUM: hours,
        _HOURS_SQUARES: hours * hours,
        day_bucket(hours // 24): 1,
    }


class DdoTally(BaseModel):
    """One DDO's decisions, read back from the counters."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    department: str
    ddo_code: str
    decisions: int
    verified: int
    sent_back: int
    rejected: int
    hours_sum: int
    hours_squares: int
    by_day: dict[int, int]

    @classmethod
    def of(cls, group: str, counts: Mapping[str, int]) -> DdoTally:
        department, _, ddo_code = group.rpartition("/")  # a department name may hold a "/"
        return cls(
            department=department,
            ddo_code=ddo_code,
            decisions=counts.get(DECISIONS, 0),
            verified=counts.get(Decision.VERIFY.value, 0),
            sent_back=counts.get(Decision.SEND_BACK.value, 0),
            rejected=counts.get(Decision.REJECT.value, 0),
            hours_sum=counts.get(_HOURS_SUM, 0),
            hours_squares=counts.get(_HOURS_SQUARES, 0),
            by_day=histogram(counts),
        )

    def median_days(self) -> float | None:
        """The median of whole days from submission to decision (the mean of the middle two when even)."""
        return median_of(self.by_day)


class DdoFairness(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    ddo_code: str
    department: str
    decisions: int
    verified: int
    sent_back: int
    rejected: int
    approval_rate: float | None
    send_back_rate: float | None
    rejection_rate: float | None
    median_days: float | None
    mean_days: float | None
    rejection_z: float | None = Field(description="Against the rest of the department; None below the minimum")
    turnaround_z: float | None
    flags: list[str]


class DepartmentFairness(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    department: str
    decisions: int
    rejection_rate: float | None
    mean_days: float | None
    ddos: list[DdoFairness]
    flagged: int


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rejection_z(ddo: DdoTally, rejected_others: int, decisions_others: int) -> float:
    expected = (rejected_others + 1) / (decisions_others + 2)
    spread = math.sqrt(expected * (1 - expected) / ddo.decisions)
    return (ddo.rejected / ddo.decisions - expected) / spread


def _turnaround_z(ddo: DdoTally, hours_others: int, squares_others: int, decisions_others: int) -> float:
    mean_others = hours_others / decisions_others
    variance = max(0.0, squares_others / decisions_others - mean_others**2)
    spread = max(math.sqrt(variance), 1.0) / math.sqrt(ddo.decisions)
    return (ddo.hours_sum / ddo.decisions - mean_others) / spread


def _flags(rejection_z: float | None, turnaround_z: float | None, threshold: float) -> list[str]:
    flags = []
    if rejection_z is not None and abs(rejection_z) > threshold:
        flags.append("rejection_rate_high" if rejection_z > 0 else "rejection_rate_low")
    if turnaround_z is not None and abs(turnaround_z) > threshold:
        flags.append("turnaround_slow" if turnaround_z > 0 else "turnaround_fast")
    return flags


def department_fairness(
    department: str, tallies: list[DdoTally], *, min_decisions: int, threshold: float
) -> DepartmentFairness:
    total = sum(t.decisions for t in tallies)
    rejected = sum(t.rejected for t in tallies)
    hours = sum(t.hours_sum for t in tallies)
    squares = sum(t.hours_squares for t in tallies)
    rows = []
    for ddo in sorted(tallies, key=lambda t: t.ddo_code):
        others = total - ddo.decisions
        comparable = ddo.decisions >= min_decisions and others >= min_decisions
        rejection_z = _rejection_z(ddo, rejected - ddo.rejected, others) if comparable else None
        turnaround_z = (
            _turnaround_z(ddo, hours - ddo.hours_sum, squares - ddo.hours_squares, others) if comparable else None
        )
        rows.append(
            DdoFairness(
                ddo_code=ddo.ddo_code,
                department=department,
                decisions=ddo.decisions,
                verified=ddo.verified,
                sent_back=ddo.sent_back,
                rejected=ddo.rejected,
                approval_rate=_rate(ddo.verified, ddo.decisions),
                send_back_rate=_rate(ddo.sent_back, ddo.decisions),
                rejection_rate=_rate(ddo.rejected, ddo.decisions),
                median_days=ddo.median_days(),
                mean_days=round(ddo.hours_sum / ddo.decisions / 24, 2) if ddo.decisions else None,
                rejection_z=None if rejection_z is None else round(rejection_z, 2),
                turnaround_z=None if turnaround_z is None else round(turnaround_z, 2),
                flags=_flags(rejection_z, turnaround_z, threshold),
            )
        )
    return DepartmentFairness(
        department=department,
        decisions=total,
        rejection_rate=_rate(rejected, total),
        mean_days=round(hours / total / 24, 2) if total else None,
        ddos=rows,
        flagged=sum(1 for row in rows if row.flags),
    )


def fairness_by_department(
    groups: Mapping[str, Mapping[str, int]], *, min_decisions: int, threshold: float
) -> list[DepartmentFairness]:
    """`groups` is the decisions counters by "department/DDO"."""
    by_department: dict[str, list[DdoTally]] = {}
    for group, counts in groups.items():
        tally = DdoTally.of(group, counts)
        if tally.decisions:
            by_department.setdefault(tally.department, []).append(tally)
    return [
        department_fairness(name, tallies, min_decisions=min_decisions, threshold=threshold)
        for name, tallies in sorted(by_department.items())
    ]
