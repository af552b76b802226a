"""The fairness report's arithmetic: what a decision adds, medians from the day histogram, outliers."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from core.clock import IST
from core.fairness import DdoTally, decision_amounts, department_fairness, fairness_by_department
from core.registration import Decision
from tests.factories import DURING_REGISTRATION

SUBMITTED = DURING_REGISTRATION.astimezone(IST)


def tally(*, verified: int = 0, rejected: int = 0, sent_back: int = 0, days: float = 2.0) -> dict[str, int]:
    """The counters of a DDO whose every decision took `days`."""
    counts: dict[str, int] = {}
    for decision, times in ((Decision.VERIFY, verified), (Decision.REJECT, rejected), (Decision.SEND_BACK, sent_back)):
        for _ in range(times):
            added = decision_amounts(decision, submitted_at=SUBMITTED, decided_at=SUBMITTED + timedelta(days=days))
            for name, amount in added.items():
                counts[name] = counts.get(name, 0) + amount
    return counts


def test_a_decision_adds_its_outcome_hours_and_day_bucket() -> None:
    amounts = decision_amounts(
        Decision.REJECT, submitted_at=SUBMITTED, decided_at=SUBMITTED + timedelta(days=3, hours=5, minutes=59)
    )
    assert amounts == {
        "decisions": 1,
        "reject": 1,
        "turnaround_hours": 77,
        "turnaround_hours_sq": 77 * 77,
        "day03": 1,
    }
    late = decision_amounts(Decision.VERIFY, submitted_at=SUBMITTED, decided_at=SUBMITTED + timedelta(days=400))
    assert late["day90"] == 1  # the last bucket holds everything from 90 days on


def test_the_median_is_read_from_the_day_histogram() -> None:
    odd = DdoTally.of("Health/DDO-PKL-001", {"decisions": 3, "day01": 1, "day04": 1, "day09": 1})
    assert odd.median_days() == 4
    even = DdoTally.of("Health/DDO-PKL-001", {"decisions": 4, "day01": 2, "day04": 1, "day09": 1})
    assert even.median_days() == 2.5
    assert DdoTally.of("Health/DDO-PKL-001", {}).median_days() is None


def test_a_ddo_rejecting_far_more_than_the_rest_of_the_department_is_flagged() -> None:
    # Given four DDOs rejecting 10 in 100 and one rejecting 30 in 100
    groups = {f"Health/DDO-PKL-00{n}": tally(verified=90, rejected=10) for n in range(1, 5)}
    groups["Health/DDO-HSR-001"] = tally(verified=70, rejected=30)
    # When the report compares each with the others
    [health] = fairness_by_department(groups, min_decisions=20, threshold=2.0)
    rows = {row.ddo_code: row for row in health.ddos}
    # Then only the outlier is flagged, with its z-score against the others' pooled rate
    assert rows["DDO-HSR-001"].flags == ["rejection_rate_high"]
    others = (40 + 1) / (400 + 2)
    expected = (0.30 - others) / math.sqrt(others * (1 - others) / 100)
    assert rows["DDO-HSR-001"].rejection_z == pytest.approx(expected, abs=0.01)
    assert all(rows[f"DDO-PKL-00{n}"].flags == [] for n in range(1, 5))
    assert health.flagged == 1 and health.rejection_rate == pytest.approx(70 / 500)


def test_a_ddo_deciding_much_slower_than_the_rest_is_flagged_slow_and_a_fast_one_fast() -> None:
    groups = {
        "Health/DDO-PKL-001": tally(verified=30, days=2),
        "Health/DDO-PKL-002": _merged(tally(verified=15, days=1), tally(verified=15, days=3)),
        "Health/DDO-PKL-003": tally(verified=30, days=12),
    }
    [health] = fairness_by_department(groups, min_decisions=20, threshold=2.0)
    rows = {row.ddo_code: row for row in health.ddos}
    assert rows["DDO-PKL-003"].flags == ["turnaround_slow"]
    assert rows["DDO-PKL-003"].median_days == 12 and rows["DDO-PKL-003"].mean_days == 12
    assert "turnaround_fast" in rows["DDO-PKL-001"].flags


def test_too_few_decisions_are_shown_but_never_scored_or_flagged() -> None:
    groups = {
        "Health/DDO-PKL-001": tally(verified=100),
        "Health/DDO-PKL-002": tally(rejected=19),  # every decision a rejection, but only 19
    }
    [health] = fairness_by_department(groups, min_decisions=20, threshold=2.0)
    few = next(row for row in health.ddos if row.ddo_code == "DDO-PKL-002")
    assert (few.decisions, few.rejection_rate, few.rejection_z, few.flags) == (19, 1.0, None, [])
    # And a DDO alone in its department has nobody to be compared with
    alone = department_fairness(
        "Forests", [DdoTally.of("Forests/DDO-PKL-009", tally(rejected=50))], min_decisions=20, threshold=2.0
    )
    assert alone.ddos[0].rejection_z is None and alone.flagged == 0


def test_a_department_with_no_rejections_still_has_a_finite_spread() -> None:
    groups = {
        "Health/DDO-PKL-001": tally(verified=50),
        "Health/DDO-PKL-002": tally(verified=50),
    }
    [health] = fairness_by_department(groups, min_decisions=20, threshold=2.0)
    assert all(row.rejection_z is not None and math.isfinite(row.rejection_z) for row in health.ddos)
    assert all(row.flags == [] for row in health.ddos)


def test_departments_are_reported_apart_and_empty_groups_are_skipped() -> None:
    groups = {
        "Health/DDO-PKL-001": tally(verified=3),
        "Education/DDO-PKL-002": tally(rejected=2),
        "Education/DDO-HSR-002": {},
    }
    report = fairness_by_department(groups, min_decisions=20, threshold=2.0)
    assert [(d.department, d.decisions, [r.ddo_code for r in d.ddos]) for d in report] == [
        ("Education", 2, ["DDO-PKL-002"]),
        ("Health", 3, ["DDO-PKL-001"]),
    ]


def _merged(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    return {name: first.get(name, 0) + second.get(name, 0) for name in first.keys() | second.keys()}


def test_a_department_named_with_a_slash_keeps_its_whole_name() -> None:
    tally_of = DdoTally.of("Health/Family Welfare/DDO-PKL-001", {"decisions": 1, "verify": 1, "day00": 1})
    assert (tally_of.department, tally_of.ddo_code) == ("Health/Family Welfare", "DDO-PKL-001")
