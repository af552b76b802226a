"""Eligibility: every rule, its boundaries, and its explanation. Figures come from the programme."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.eligibility import EligibilityResult, assess_eligibility, superannuation_date
from core.programme import EligibilityRules
from core.service_record import EngagementType, PaidDays, ServiceRecord, ServiceSpell
from tests import factories

RULES = EligibilityRules()  # cut-off 2024-08-15, 240 days, 5 years, Rs 50,000, age 58
AS_OF = date(2026, 1, 20)


def spell(
    days: list[int] | None = None,
    *,
    first_year: int = 2019,
    department: str = "Health",
    post: str = "Staff Nurse",
    full_time: bool = True,
    from_date: date | None = None,
    to_date: date | None = None,
) -> ServiceSpell:
    """A spell covering whole service years from `first_year`, with `days` paid in each."""
    per_year = [300] * 5 if days is None else days
    return ServiceSpell(
        department=department,
        post=post,
        from_date=from_date or date(first_year, 8, 16),
        to_date=to_date or date(first_year + len(per_year), 8, 15),
        full_time=full_time,
        paid_days=[PaidDays(service_year=first_year + i, days=d) for i, d in enumerate(per_year)],
    )


def record(*spells: ServiceSpell, born: date = date(1988, 4, 12), **engagement: Any) -> ServiceRecord:
    """The factory's record with these spells (five good years by default) and engagement changes."""
    data = factories.service_record(spells=list(spells) or [spell()]).model_dump()
    data["personal"]["date_of_birth"] = born
    data["engagement"].update(engagement)
    return ServiceRecord.model_validate(data)


def passed(result: EligibilityResult, rule: str) -> bool:
    return next(outcome.passed for outcome in result.rules if outcome.rule == rule)


def detail(result: EligibilityResult, rule: str) -> str:
    return next(outcome.detail for outcome in result.rules if outcome.rule == rule)


# --- Service years ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_year", "label", "starts", "ends", "counted"),
    [
        (2019, "2019-20", date(2019, 8, 16), date(2020, 8, 15), True),
        (2023, "2023-24", date(2023, 8, 16), date(2024, 8, 15), True),  # ends on the cut-off: the last that counts
        (2024, "2024-25", date(2024, 8, 16), date(2025, 8, 15), False),
        (1999, "1999-00", date(1999, 8, 16), date(2000, 8, 15), True),
    ],
)
def test_a_service_year_runs_from_the_day_after_the_cutoff_to_the_cutoff(
    first_year: int, label: str, starts: date, ends: date, counted: bool
) -> None:
    # Given 300 days paid in one service year
    # When assessed
    year = assess_eligibility(record(spell([300], first_year=first_year)), RULES, AS_OF).years[0]
    # Then the year is labelled and bounded by the cut-off's month and day
    assert (year.service_year, year.starts, year.ends, year.counted) == (label, starts, ends, counted)


@pytest.mark.parametrize(("days", "counted"), [(239, False), (240, True), (366, True)])
def test_a_year_counts_from_240_paid_days(days: int, counted: bool) -> None:
    # Given one service year (2019-20 has 366 calendar days) with this many days paid
    result = assess_eligibility(record(spell([days])), RULES, AS_OF)
    # Then it counts only at 240 days or more
    assert result.years[0].days_paid == days
    assert result.years[0].counted is counted
    assert result.years_credited == int(counted)


@pytest.mark.parametrize(
    ("days", "credited", "eligible"),
    [
        ([240] * 5, 5, True),
        ([300] * 4, 4, False),
        ([239, 240, 240, 240, 240], 4, False),  # one short year drops the total to four
        ([300] * 7, 7, True),
    ],
)
def test_five_counted_years_are_needed(days: list[int], credited: int, eligible: bool) -> None:
    # Given years ending on the cut-off
    result = assess_eligibility(record(spell(days, first_year=2024 - len(days))), RULES, AS_OF)
    # Then the service rule, and eligibility, follow the count of counted years
    assert result.years_credited == credited
    assert result.years_required == 5
    assert passed(result, "minimum_service") is eligible
    assert result.eligible is eligible


# --- Spells adding up ------------------------------------------------------------------------


def test_spells_in_two_departments_add_up_within_one_service_year() -> None:
    # Given 150 days in School Education and 100 in Health in each of five years (250 a year)
    education = spell([150] * 5, department="School Education", post="Clerk")
    health = spell([100] * 5, department="Health", post="Data Entry Operator")
    # When assessed
    result = assess_eligibility(record(education, health), RULES, AS_OF)
    # Then every year counts, with both departments' days
    assert result.eligible
    assert result.years_credited == 5
    assert result.years[0].days_paid == 250
    assert [(part.department, part.days) for part in result.years[0].contributions] == [
        ("School Education", 150),
        ("Health", 100),
    ]


def test_a_lower_and_a_higher_post_add_up_within_one_service_year() -> None:
    # Given a Clerk promoted to Senior Clerk half-way through 2019-20: 120 + 130 days paid
    clerk = spell([120], post="Clerk", to_date=date(2020, 2, 15))
    senior = spell([130], post="Senior Clerk", from_date=date(2020, 2, 16))
    # When assessed
    year = assess_eligibility(record(clerk, senior), RULES, AS_OF).years[0]
    # Then the year counts on the two posts together
    assert year.days_paid == 250
    assert year.counted
    assert [(part.post, part.days) for part in year.contributions] == [("Clerk", 120), ("Senior Clerk", 130)]


def test_posts_held_in_successive_years_add_up_to_the_minimum() -> None:
    # Given three years as Senior Clerk and then two on a lower post
    senior = spell([300] * 3, post="Senior Clerk", first_year=2019)
    junior = spell([300] * 2, post="Clerk", first_year=2022)
    # Then the five years count together
    result = assess_eligibility(record(senior, junior), RULES, AS_OF)
    assert result.years_credited == 5
    assert result.eligible


def test_a_part_time_spell_contributes_nothing() -> None:
    # Given 200 full-time days a year and a part-time spell of 100 days a year alongside
    full = spell([200] * 5)
    part = spell([100] * 5, department="Agriculture", full_time=False)
    # When assessed
    result = assess_eligibility(record(full, part), RULES, AS_OF)
    # Then only the full-time days are paid days, no year reaches 240, and the note says why
    assert [year.days_paid for year in result.years] == [200] * 5
    assert all(part.spell_index == 0 for year in result.years for part in year.contributions)
    assert result.years_credited == 0
    assert result.spells[1].days_counted == 0
    assert result.spells[1].note == "part-time service: its 500 claimed days count for nothing"


def test_years_claimed_only_by_a_part_time_spell_are_listed_with_no_days() -> None:
    result = assess_eligibility(record(spell([300], full_time=False)), RULES, AS_OF)
    assert [(year.service_year, year.days_paid, year.counted) for year in result.years] == [("2019-20", 0, False)]
    assert result.years[0].contributions == []


def test_days_after_the_cutoff_do_not_count() -> None:
    # Given 300 days a year from 2021-22 to 2025-26
    result = assess_eligibility(record(spell([300] * 5, first_year=2021)), RULES, AS_OF)
    # Then only the three years ending by 15 Aug 2024 count
    assert [(year.service_year, year.counted) for year in result.years] == [
        ("2021-22", True),
        ("2022-23", True),
        ("2023-24", True),
        ("2024-25", False),
        ("2025-26", False),
    ]
    assert result.years_credited == 3
    assert result.spells[0].days_counted == 900
    assert "2024-25: 300 days not counted, the year ends after the cut-off 2024-08-15" in (result.spells[0].note or "")
    assert "Not counted: 2024-25 (ends after the cut-off), 2025-26 (ends after the cut-off)" in detail(
        result, "minimum_service"
    )


# --- Never more days than the calendar allows ------------------------------------------------


@pytest.mark.parametrize(
    ("claimed", "from_date", "to_date", "taken"),
    [
        (300, date(2019, 8, 16), date(2019, 10, 15), 61),  # a two-month spell
        (300, date(2021, 1, 1), date(2022, 1, 1), 0),  # the spell does not touch 2019-20 at all
        (366, date(2019, 8, 16), date(2020, 8, 15), 366),  # a leap service year has 366 days
    ],
)
def test_over_claimed_days_are_capped_to_the_days_the_spell_shares_with_the_year(
    claimed: int, from_date: date, to_date: date, taken: int
) -> None:
    # Given days claimed for 2019-20 by a spell running from_date..to_date
    result = assess_eligibility(record(spell([claimed], from_date=from_date, to_date=to_date)), RULES, AS_OF)
    # Then no more days are taken than the spell spends in that year, and the note explains a cap
    assert result.years[0].days_paid == taken
    assert result.spells[0].days_counted == taken
    capped_note = f"2019-20: {claimed} days claimed but the spell covers only {taken} days of that service year"
    assert (capped_note in (result.spells[0].note or "")) is (taken < claimed)


def test_overlapping_spells_cannot_count_the_same_calendar_day_twice() -> None:
    # Given two full-time spells over the same five months, each claiming 150 days of 2019-20
    starts, ends = date(2019, 9, 1), date(2020, 1, 31)
    first = spell([150], department="Health", from_date=starts, to_date=ends)
    second = spell([150], department="Education", from_date=starts, to_date=ends)
    # When assessed
    result = assess_eligibility(record(first, second), RULES, AS_OF)
    # Then the year holds only the 153 calendar days the spells cover, short of 240
    year = result.years[0]
    assert [part.days for part in year.contributions] == [150, 150]
    assert year.days_paid == 153
    assert not year.counted
    assert "2019-20 (300 days claimed across overlapping spells, only 153 calendar days covered" in detail(
        result, "minimum_service"
    )


# --- Engagement ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("engagement", "pay", "eligible"),
    [
        (EngagementType.DIRECT_CONTRACT, 50_000, True),
        (EngagementType.DIRECT_CONTRACT, 50_001, False),
        (EngagementType.HKRN, 80_000, True),  # deployed through HKRN: no pay cap
    ],
)
def test_the_pay_cap_applies_to_direct_contracts_only(engagement: EngagementType, pay: int, eligible: bool) -> None:
    result = assess_eligibility(record(type=engagement, monthly_pay=pay), RULES, AS_OF)
    assert passed(result, "pay_cap") is eligible
    assert result.eligible is eligible
    assert f"Rs {pay:,}" in detail(result, "pay_cap")


def test_outsourcing_through_a_private_agency_is_not_eligible() -> None:
    result = assess_eligibility(record(type=EngagementType.OUTSOURCING), RULES, AS_OF)
    assert not passed(result, "engagement_type")
    assert not result.eligible
    assert detail(result, "engagement_type") == (
        "Engaged as outsourcing, not an eligible engagement (eligible: direct_contract, hkrn)."
    )


@pytest.mark.parametrize(
    ("engagement", "rule", "reason"),
    [
        ({"full_time": False}, "full_time", "part-time staff are excluded"),
        ({"centrally_sponsored_scheme": True}, "not_centrally_sponsored", "scheme staff are excluded"),
    ],
)
def test_part_time_and_centrally_sponsored_staff_are_excluded(
    engagement: dict[str, Any], rule: str, reason: str
) -> None:
    # Given otherwise good service, engaged part-time or under a centrally sponsored scheme
    result = assess_eligibility(record(**engagement), RULES, AS_OF)
    # Then that rule alone fails, and says why
    assert [outcome.rule for outcome in result.rules if not outcome.passed] == [rule]
    assert reason in detail(result, rule)
    assert not result.eligible


# --- Superannuation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "retires"),
    [
        (date(1968, 4, 20), date(2026, 4, 30)),
        (date(1968, 4, 30), date(2026, 4, 30)),
        (date(1968, 4, 1), date(2026, 3, 31)),  # born on the 1st: the end of the month before
        (date(1968, 1, 1), date(2025, 12, 31)),  # ... which may be in the year before
        (date(1968, 3, 1), date(2026, 2, 28)),
        (date(1966, 3, 1), date(2024, 2, 29)),
        (date(1968, 2, 29), date(2026, 2, 28)),
    ],
)
def test_superannuation_is_the_last_day_of_the_month_of_the_58th_birthday(born: date, retires: date) -> None:
    assert superannuation_date(born, 58) == retires


@pytest.mark.parametrize(("as_of", "protected"), [(date(2026, 3, 31), True), (date(2026, 4, 1), False)])
def test_protection_runs_to_the_superannuation_date_inclusive(as_of: date, protected: bool) -> None:
    # Given someone born on 1 April 1968, who superannuates on 31 March 2026
    result = assess_eligibility(record(born=date(1968, 4, 1)), RULES, as_of)
    # Then they are protected on that day and not the day after
    assert result.superannuation_date == date(2026, 3, 31)
    assert passed(result, "superannuation") is protected
    assert result.eligible is protected
    assert "Superannuation at 58 on 2026-03-31" in detail(result, "superannuation")


# --- Figures are programme data --------------------------------------------------------------


def test_a_lenient_programme_passes_a_record_the_defaults_fail() -> None:
    # Given three years of 200 paid days, which fails both 240 days and 5 years
    three_short_years = record(spell([200] * 3, first_year=2021))
    assert not assess_eligibility(three_short_years, RULES, AS_OF).eligible
    # When the programme asks for 3 years of 200 days
    result = assess_eligibility(three_short_years, EligibilityRules(min_years=3, min_days_per_year=200), AS_OF)
    # Then it passes, and the explanation quotes the programme's figures
    assert result.eligible
    assert (result.years_credited, result.years_required) == (3, 3)
    assert "at least 200 paid days" in detail(result, "minimum_service")
    assert "3 needed" in detail(result, "minimum_service")


@pytest.mark.parametrize(
    ("rules", "failed_rule"),
    [
        (EligibilityRules(pay_cap_monthly=30_000), "pay_cap"),  # the record's pay is Rs 32,000
        (EligibilityRules(superannuation_age=37), "superannuation"),  # born April 1988
        (EligibilityRules(cutoff_date=date(2023, 8, 15)), "minimum_service"),  # 2023-24 no longer ends in time
        (EligibilityRules(eligible_engagements=(EngagementType.HKRN,)), "engagement_type"),
    ],
)
def test_every_other_figure_comes_from_the_programme(rules: EligibilityRules, failed_rule: str) -> None:
    # Given a record eligible under the default rules
    good = record()
    assert assess_eligibility(good, RULES, AS_OF).eligible
    # When one figure of the programme changes, then the matching rule fails
    result = assess_eligibility(good, rules, AS_OF)
    assert [outcome.rule for outcome in result.rules if not outcome.passed] == [failed_rule]


def test_a_later_cutoff_moves_the_service_years() -> None:
    rules = EligibilityRules(cutoff_date=date(2025, 3, 31))
    year = assess_eligibility(record(spell([300], first_year=2023)), rules, AS_OF).years[0]
    assert (year.starts, year.ends) == (date(2023, 4, 1), date(2024, 3, 31))


# --- The explanation -------------------------------------------------------------------------


def test_the_explanation_names_the_spells_that_counted_and_their_days() -> None:
    # Given five years across two departments, one spell running past the cut-off, and a part-time spell
    education = spell([300] * 2, first_year=2019, department="School Education", post="Clerk")
    health = spell([260] * 4, first_year=2021, department="Health", post="Staff Nurse")
    evenings = spell([90] * 2, first_year=2019, department="Health", post="Tutor", full_time=False)
    # When assessed
    result = assess_eligibility(record(education, health, evenings), RULES, AS_OF)
    # Then each spell says how many days counted
    assert result.eligible
    assert [(s.spell_index, s.department, s.post, s.days_counted) for s in result.spells] == [
        (0, "School Education", "Clerk", 600),
        (1, "Health", "Staff Nurse", 780),
        (2, "Health", "Tutor", 0),
    ]
    assert result.spells[0].note is None
    # And each year says which spells paid its days
    assert [(year.service_year, [(p.spell_index, p.days) for p in year.contributions]) for year in result.years] == [
        ("2019-20", [(0, 300)]),
        ("2020-21", [(0, 300)]),
        ("2021-22", [(1, 260)]),
        ("2022-23", [(1, 260)]),
        ("2023-24", [(1, 260)]),
        ("2024-25", [(1, 260)]),
    ]
    assert detail(result, "minimum_service").startswith(
        "5 service year(s) with at least 240 paid days of full-time service ending by the cut-off 2024-08-15; "
        "5 needed. Counted: 2019-20 (300 days), 2020-21 (300 days), 2021-22 (260 days), 2022-23 (260 days), "
        "2023-24 (260 days)."
    )


def test_an_ineligible_result_still_carries_the_whole_explanation() -> None:
    # Given an outsourced worker with only four years
    result = assess_eligibility(record(spell([300] * 4), type=EngagementType.OUTSOURCING), RULES, AS_OF)
    # Then every rule is reported, in order, with the years and spells behind it
    assert not result.eligible
    assert [(outcome.rule, outcome.passed) for outcome in result.rules] == [
        ("engagement_type", False),
        ("pay_cap", True),
        ("full_time", True),
        ("not_centrally_sponsored", True),
        ("minimum_service", False),
        ("superannuation", True),
    ]
    assert all(outcome.detail for outcome in result.rules)
    assert len(result.years) == 4
    assert result.spells[0].days_counted == 1200
    assert result.superannuation_date == date(2046, 4, 30)
