"""The public statistics' rules with no I/O: outcome labels and day histograms (core.outcomes), which
groups are withheld and why (admin.stats)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from admin.reports import GroupBy
from admin.stats import public_stats, withheld
from core.clock import IST
from core.grievance import Grievance, GrievanceStatus, Level
from core.outcomes import day_bucket, decision_outcome, grievance_outcome_labels, histogram, median_of
from core.registration import Decision

T0 = datetime(2026, 1, 10, 23, 0, tzinfo=IST)


def grievance(**fields: object) -> Grievance:
    base: dict[str, object] = {
        "grievance_id": "GRV-1",
        "number": "N",
        "programme_id": "HR-2026",
        "owner_sub": "s",
        "employee_code": "EMP-0001",
        "ddo_code": "DDO-PKL-001",
        "department": "Health",
        "district": "Panchkula",
        "category": "salary_not_paid",
        "subject": "subject",
        "description": "description",
        "level": Level.L1,
        "status": GrievanceStatus.OPEN,
        "version": 1,
        "event_head": "",
        "filed_at": T0,
        "updated_at": T0,
        "due_at": T0,
    }
    return Grievance.model_validate({**base, **fields})


# ---------------------------------------------------------------- core.outcomes
def test_a_decision_counts_its_outcome_and_whole_days_since_submission() -> None:
    assert decision_outcome(
        Decision.SEND_BACK, submitted_at=T0, decided_at=T0 + timedelta(days=2, hours=23, minutes=59)
    ) == {"decisions": 1, "send_back": 1, "day02": 1}
    assert day_bucket(-1) == "day00"
    assert day_bucket(400) == "day90"  # the last bucket holds everything from 90 days on


def test_a_grievance_counts_its_resolution_day_and_an_escalation_as_it_stands() -> None:
    assert grievance_outcome_labels(grievance()) == ()
    resolved = grievance(status=GrievanceStatus.RESOLVED, resolved_at=T0 + timedelta(days=6, hours=1))
    assert grievance_outcome_labels(resolved) == ("day06",)
    # Reopened at L2 (resolved_at cleared), it leaves its bucket and counts as escalated
    assert grievance_outcome_labels(grievance(level=Level.L2)) == ("escalated",)
    # An appeal starts at L2: it was never escalated
    assert grievance_outcome_labels(grievance(level=Level.L2, appeal=True)) == ()


@pytest.mark.parametrize(
    ("by_day", "median"),
    [({}, None), ({3: 1}, 3.0), ({1: 1, 2: 1, 4: 1, 10: 1, 30: 1}, 4.0), ({0: 2, 5: 2}, 2.5), ({0: 0, 7: 1}, 7.0)],
)
def test_the_median_is_read_from_the_histogram(by_day: dict[int, int], median: float | None) -> None:
    assert median_of(by_day) == median


def test_the_histogram_is_read_from_a_groups_counters() -> None:
    assert histogram({"decisions": 3, "verify": 3, "day00": 2, "day90": 1, "day05": 0}) == {0: 2, 90: 1}


# ---------------------------------------------------------------- admin.stats
@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ({"a": 9, "b": 6, "c": 5}, set()),
        ({"a": 9, "b": 6, "c": 3}, {"b", "c"}),  # c alone would be the state's total minus a and b
        ({"a": 9, "b": 2, "c": 3}, {"b", "c"}),  # withheld together they reach 5
        ({"a": 9, "b": 0}, {"b"}),  # nothing to give away
        ({"a": 9, "b": 7, "c": 1, "d": 0}, {"b", "c", "d"}),
        ({"a": 4}, {"a"}),
    ],
)
def test_small_groups_are_withheld_and_so_is_the_next_smallest_when_they_could_be_derived(
    sizes: dict[str, int], hidden: set[str]
) -> None:
    assert withheld(sizes, 5) == hidden


def test_a_group_is_left_out_only_when_both_its_parts_are_withheld() -> None:
    health, works, education = ("Health", "Health"), ("Public Works", "Public Works"), ("Education", "Education")
    stats = public_stats(
        programme_id="HR-2026",
        by=GroupBy.DEPARTMENT,
        now=T0,
        registrations={health: {"SUBMITTED": 7}, works: {"DRAFT": 6}},
        registration_outcomes={},
        grievances={health: {"OPEN": 2}, works: {"OPEN": 8, "overdue": 1}, education: {"CLOSED": 3}},
        grievance_outcomes={works: {"escalated": 3, "day04": 2}},
    )
    rows = {row.group: row for row in stats.groups}
    # Education (no registration, 3 grievances) is left out; Health shows its registrations only
    assert list(rows) == ["Health", "Public Works"]
    health = rows["Health"]
    assert health.grievances is None
    assert health.registrations is not None and health.registrations.total == 7
    assert (health.registrations.decisions, health.registrations.verified_rate) == (0, None)  # none decided yet
    works_grievances = rows["Public Works"].grievances
    assert works_grievances is not None
    assert (works_grievances.filed, works_grievances.overdue, works_grievances.escalated) == (8, 1, 3)
    assert (works_grievances.resolved, works_grievances.median_days_to_resolve) == (2, 4.0)
    # Health's 2 and Education's 3 withheld grievances add up to 5: the state's 13 gives neither away
    assert stats.state.grievances is not None and stats.state.grievances.filed == 13
    assert stats.suppression.model_dump(exclude={"reason"}) == {
        "min_records": 5,
        "groups_withheld": 1,
        "registration_figures_withheld": 1,
        "grievance_figures_withheld": 2,
    }
