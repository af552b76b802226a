"""Eligibility: every rule, its boundaries, and its explanation. Figures come from the programme."""

from __future__ import annotations

from datetime import date

import pytest

from core.eligibility import EligibilityResult, assess_eligibility, superannuation_date
from core.programme import EligibilityRules
from core.service_record import EngagementType, PaidDays, ServiceRecord, ServiceSpell
from tests import factories

RULES = EligibilityRules()
AS_OF = date(2026, 1, 20)


def spell(
    department: str = "Health",
    post: str = "Staff Nurse",
    days: list[int] | None = None,
    first_year: int = 2019,
    full_time: bool = True,
    from_date: date | None = None,
    to_date: date | None = None,
) -> ServiceSpell:
    per_year = days or [300] * 5
    return ServiceSpell(
        department=department,
        post=post,
        from_date=from_date or date(first_year, 8, 16),
        to_date=to_date or date(first_year + len(per_year), 8, 15),
        full_time=full_time,
        paid_days=[PaidDays(service_year=first_year + i, days=d) for i, d in enumerate(per_year)],
    )


def record(*spells: ServiceSpell, **engagement: object) -> ServiceRecord:
    base = factories.service_record(spells=list(spells) or [spell()])
    if engagement:
        base = base.model_copy(update={"engagement": base.engagement.model_copy(update=engagement)})
    return base


def rule(result: EligibilityResult, name: str) -> bool:
    return next(r.passed for r in result.rules if r.rule == name)


@pytest.mark.parametrize(
    ("days", "credited", "eligible"),
    [
        ([240, 240, 240, 240, 240], 5, True),  # exactly 240 days counts
        ([239, 240, 240, 240, 240], 4, False),  # 239 does not
        ([300] * 4, 4, False),
        ([300] * 7, 7, True),
    ],
)
def test_years_count_at_240_paid_days_and_five_are_needed(days: list[int], credited: int, eligible: bool) -> None:
    result = assess_eligibility(record(spell(days=days, first_year=2024 - len(days))), RULES, AS_OF)
    assert result.years_credited == credited
    assert result.eligible is eligible
    assert rule(result, "minimum_service") is eligible


def test_service_years_run_from_the_day_after_the_cutoff() -> None:
    result = assess_eligibility(record(spell(days=[300], first_year=2023)), RULES, AS_OF)
    year = result.years[0]
    assert (year.service_year, year.starts, year.ends) == ("2023-24", date(2023, 8, 16), date(2024, 8, 15))
    assert year.counted


def test_spells_in_two_departments_add_up_within_a_year() -> None:
    # Given 150 days in Education and 100 in Health in each of five service years (250 a year)
    education = spell("School Education", "Clerk", days=[150] * 5)
    health = spell("Health", "Data Entry Operator", days=[100] * 5)
    # When assessed
    result = assess_eligibility(record(education, health), RULES, AS_OF)
    # Then every year counts, and the explanation shows both contributions
    assert result.years_credited == 5
    assert result.eligible
    first = result.years[0]
    assert first.days_paid == 250
    assert [(c.department, c.days) for c in first.contributions] == [("School Education", 150), ("Health", 100)]
    assert [s.days_counted for s in result.spells] == [750, 500]


def test_higher_and_lower_posts_add_up() -> None:
    senior = spell(post="Senior Clerk", days=[300] * 3, first_year=2019)
    junior = spell(post="Clerk", days=[300] * 2, first_year=2022)
    assert assess_eligibility(record(senior, junior), RULES, AS_OF).years_credited == 5


def test_part_time_spells_contribute_nothing() -> None:
    result = assess_eligibility(record(spell(full_time=False)), RULES, AS_OF)
    assert result.years_credited == 0
    assert result.spells[0].days_counted == 0
    assert "part-time" in (result.spells[0].note or "")


def test_days_after_the_cutoff_do_not_count() -> None:
    result = assess_eligibility(record(spell(days=[300] * 5, first_year=2021)), RULES, AS_OF)
    assert result.years_credited == 3  # 2021-22, 2022-23, 2023-24; 2024-25 and 2025-26 end after the cut-off
    assert [y.counted for y in result.years] == [True, True, True, False, False]


def test_over_claimed_days_are_capped_to_the_calendar() -> None:
    # A spell of two months cannot have 300 paid days in its year.
    short = spell(days=[300], first_year=2019, from_date=date(2019, 8, 16), to_date=date(2019, 10, 15))
    result = assess_eligibility(record(short), RULES, AS_OF)
    assert result.years[0].days_paid == 61
    assert not result.years[0].counted
    assert "300 days claimed, 61 possible" in (result.spells[0].note or "")


@pytest.mark.parametrize(
    ("engagement", "pay", "passed"),
    [
        (EngagementType.DIRECT_CONTRACT, 50_000, True),
        (EngagementType.DIRECT_CONTRACT, 50_001, False),
        (EngagementType.HKRN, 80_000, True),  # HKRN deployment has no cap
    ],
)
def test_pay_cap_applies_to_direct_contracts_only(engagement: EngagementType, pay: int, passed: bool) -> None:
    result = assess_eligibility(record(type=engagement, monthly_pay=pay), RULES, AS_OF)
    assert rule(result, "pay_cap") is passed
    assert result.eligible is passed


def test_outsourcing_through_an_agency_is_not_eligible() -> None:
    result = assess_eligibility(record(type=EngagementType.OUTSOURCING), RULES, AS_OF)
    assert not rule(result, "engagement_type")
    assert not result.eligible


def test_part_time_and_centrally_sponsored_staff_are_excluded() -> None:
    assert not rule(assess_eligibility(record(full_time=False), RULES, AS_OF), "full_time")
    css = assess_eligibility(record(centrally_sponsored_scheme=True), RULES, AS_OF)
    assert not rule(css, "not_centrally_sponsored")
    assert not css.eligible


@pytest.mark.parametrize(
    ("born", "retires"),
    [
        (date(1968, 4, 20), date(2026, 4, 30)),
        (date(1968, 4, 1), date(2026, 3, 31)),  # born on the 1st: the month before
        (date(1968, 1, 1), date(2025, 12, 31)),
    ],
)
def test_superannuation_is_the_last_day_of_the_month_of_58(born: date, retires: date) -> None:
    assert superannuation_date(born, 58) == retires


def test_protection_ends_after_superannuation() -> None:
    base = record()
    old = base.model_copy(update={"personal": base.personal.model_copy(update={"date_of_birth": date(1968, 1, 15)})})
    assert rule(assess_eligibility(old, RULES, date(2026, 1, 31)), "superannuation")
    after = assess_eligibility(old, RULES, date(2026, 2, 1))
    assert not rule(after, "superannuation")
    assert not after.eligible


def test_every_figure_comes_from_the_programme() -> None:
    three_years_of_200 = record(spell(days=[200] * 3, first_year=2021))
    assert not assess_eligibility(three_years_of_200, RULES, AS_OF).eligible
    lenient = EligibilityRules(min_years=3, min_days_per_year=200, pay_cap_monthly=20_000)
    result = assess_eligibility(three_years_of_200, lenient, AS_OF)
    assert result.years_credited == 3
    assert not rule(result, "pay_cap")  # 32,000 is above this programme's cap
    assert result.years_required == 3


def test_explanation_names_every_rule_with_its_figures() -> None:
    result = assess_eligibility(record(), RULES, AS_OF)
    assert [r.rule for r in result.rules] == [
        "engagement_type",
        "pay_cap",
        "full_time",
        "not_centrally_sponsored",
        "minimum_service",
        "superannuation",
    ]
    details = {r.rule: r.detail for r in result.rules}
    assert "Rs 32,000" in details["pay_cap"]
    assert "240 paid days" in details["minimum_service"]
    assert "2024-08-15" in details["minimum_service"]
