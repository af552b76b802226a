"""Eligibility under the Security of Service rules: a pure function with its explanation.

Every figure (cut-off, days, years, pay cap, age) comes from the programme's EligibilityRules.
Service year Y runs from the day after the cut-off's month and day in Y to that month and day in
Y+1, so the last countable year ends on the cut-off date itself.

Claimed days are never trusted beyond the calendar: a spell's days in a service year are capped
to the days the spell and the year share, and a year's total is capped to the days its full-time
spells together cover (so overlapping spells cannot count one day twice).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.programme import EligibilityRules
from core.service_record import Engagement, ServiceRecord, ServiceSpell

RuleName = Literal[
    "engagement_type", "pay_cap", "full_time", "not_centrally_sponsored", "minimum_service", "superannuation"
]


# The models carry no docstrings: they are published in openapi.json, which a docstring would change.
class _Result(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class RuleOutcome(_Result):
    rule: RuleName
    passed: bool
    detail: str


class SpellDays(_Result):
    spell_index: int
    department: str
    post: str
    days: int


class YearCredit(_Result):
    service_year: str
    starts: date
    ends: date
    days_paid: int
    counted: bool
    contributions: list[SpellDays]


class SpellCredit(_Result):
    spell_index: int
    department: str
    post: str
    from_date: date
    to_date: date
    full_time: bool
    days_counted: int
    note: str | None


class EligibilityResult(_Result):
    eligible: bool
    as_of: date
    years_credited: int
    years_required: int
    superannuation_date: date
    rules: list[RuleOutcome]
    years: list[YearCredit]
    spells: list[SpellCredit]


def superannuation_date(date_of_birth: date, age: int) -> date:
    """Last day of the month in which `age` is reached.

    Someone born on the 1st of a month reaches the age on the last day of the month before
    (the day before a birthday completes a year), so retires at the end of that month.
    """
    year, month = date_of_birth.year + age, date_of_birth.month
    if date_of_birth.day == 1:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class _ServiceYear:
    first_calendar_year: int
    starts: date
    ends: date

    @classmethod
    def starting_in(cls, calendar_year: int, cutoff: date) -> _ServiceYear:
        return cls(
            calendar_year,
            _anniversary(cutoff, calendar_year) + timedelta(days=1),
            _anniversary(cutoff, calendar_year + 1),
        )

    @property
    def label(self) -> str:
        return f"{self.first_calendar_year}-{(self.first_calendar_year + 1) % 100:02d}"

    def shared_span(self, spell: ServiceSpell) -> tuple[date, date] | None:
        first, last = max(self.starts, spell.from_date), min(self.ends, spell.to_date)
        return (first, last) if first <= last else None


def _anniversary(cutoff: date, calendar_year: int) -> date:
    # A 29 February cut-off falls on 28 February in common years.
    last_day = calendar.monthrange(calendar_year, cutoff.month)[1]
    return date(calendar_year, cutoff.month, min(cutoff.day, last_day))


def _span_length(span: tuple[date, date] | None) -> int:
    return 0 if span is None else (span[1] - span[0]).days + 1


def _days_covered(spans: Iterable[tuple[date, date]]) -> int:
    covered, reached = 0, date.min
    for first, last in sorted(spans):
        if last > reached:
            covered += (last - max(first, reached + timedelta(days=1))).days + 1
            reached = last
    return covered


@dataclass(frozen=True)
class _ServiceCredit:
    years: list[YearCredit]
    spells: list[SpellCredit]


def _credit_service(spells: Sequence[ServiceSpell], rules: EligibilityRules) -> _ServiceCredit:
    cutoff = rules.cutoff_date
    claimed_years: set[int] = set()
    contributions: dict[int, list[SpellDays]] = defaultdict(list)
    spans_worked: dict[int, list[tuple[date, date]]] = defaultdict(list)
    spell_credits: list[SpellCredit] = []

    for index, spell in enumerate(spells):
        days_counted = 0
        notes: list[str] = []
        if not spell.full_time:
            claimed = sum(paid.days for paid in spell.paid_days)
            notes.append(f"part-time service: its {claimed} claimed days count for nothing")
        for paid in sorted(spell.paid_days, key=lambda p: p.service_year):
            claimed_years.add(paid.service_year)
            if not spell.full_time:
                continue
            year = _ServiceYear.starting_in(paid.service_year, cutoff)
            span = year.shared_span(spell)
            possible = _span_length(span)
            days = min(paid.days, possible)
            if days < paid.days:
                notes.append(
                    f"{year.label}: {paid.days} days claimed but the spell covers only {possible} days "
                    f"of that service year, so {days} taken"
                )
            contributions[paid.service_year].append(
                SpellDays(spell_index=index, department=spell.department, post=spell.post, days=days)
            )
            if span is not None and days:
                spans_worked[paid.service_year].append(span)
            if year.ends <= cutoff:
                days_counted += days
            elif days:
                notes.append(f"{year.label}: {days} days not counted, the year ends after the cut-off {cutoff}")
        spell_credits.append(
            SpellCredit(
                spell_index=index,
                department=spell.department,
                post=spell.post,
                from_date=spell.from_date,
                to_date=spell.to_date,
                full_time=spell.full_time,
                days_counted=days_counted,
                note="; ".join(notes) or None,
            )
        )

    year_credits: list[YearCredit] = []
    for calendar_year in sorted(claimed_years):
        year = _ServiceYear.starting_in(calendar_year, cutoff)
        claimed = sum(part.days for part in contributions[calendar_year])
        days_paid = min(claimed, _days_covered(spans_worked[calendar_year]))
        year_credits.append(
            YearCredit(
                service_year=year.label,
                starts=year.starts,
                ends=year.ends,
                days_paid=days_paid,
                counted=year.ends <= cutoff and days_paid >= rules.min_days_per_year,
                contributions=contributions[calendar_year],
            )
        )
    return _ServiceCredit(years=year_credits, spells=spell_credits)


def _why_not_counted(year: YearCredit, rules: EligibilityRules) -> str:
    if year.ends > rules.cutoff_date:
        return f"{year.service_year} (ends after the cut-off)"
    claimed = sum(part.days for part in year.contributions)
    if claimed > year.days_paid:
        return (
            f"{year.service_year} ({claimed} days claimed across overlapping spells, only {year.days_paid} "
            f"calendar days covered; below {rules.min_days_per_year})"
        )
    return f"{year.service_year} ({year.days_paid} days, below {rules.min_days_per_year})"


def _minimum_service(years: Sequence[YearCredit], rules: EligibilityRules) -> RuleOutcome:
    counted = [year for year in years if year.counted]
    detail = (
        f"{len(counted)} service year(s) with at least {rules.min_days_per_year} paid days of full-time service "
        f"ending by the cut-off {rules.cutoff_date}; {rules.min_years} needed."
    )
    if counted:
        detail += " Counted: " + ", ".join(f"{year.service_year} ({year.days_paid} days)" for year in counted) + "."
    not_counted = [_why_not_counted(year, rules) for year in years if not year.counted]
    if not_counted:
        detail += " Not counted: " + ", ".join(not_counted) + "."
    return RuleOutcome(rule="minimum_service", passed=len(counted) >= rules.min_years, detail=detail)


def _engagement_rules(engagement: Engagement, rules: EligibilityRules) -> list[RuleOutcome]:
    kind = engagement.type.value
    eligible_kinds = ", ".join(t.value for t in rules.eligible_engagements)
    type_ok = engagement.type in rules.eligible_engagements
    capped = engagement.type in rules.pay_capped_engagements
    pay_ok = not capped or engagement.monthly_pay <= rules.pay_cap_monthly
    pay = f"Rs {engagement.monthly_pay:,}"
    cap = f"Rs {rules.pay_cap_monthly:,}"
    return [
        RuleOutcome(
            rule="engagement_type",
            passed=type_ok,
            detail=f"Engaged as {kind}, {'an' if type_ok else 'not an'} eligible engagement "
            f"(eligible: {eligible_kinds}).",
        ),
        RuleOutcome(
            rule="pay_cap",
            passed=pay_ok,
            detail=(
                f"Monthly pay {pay} is {'within' if pay_ok else 'above'} the cap of {cap} for {kind} engagements."
                if capped
                else f"No pay cap applies to {kind} engagements (monthly pay {pay})."
            ),
        ),
        RuleOutcome(
            rule="full_time",
            passed=engagement.full_time,
            detail="The current engagement is full-time."
            if engagement.full_time
            else "The current engagement is part-time; part-time staff are excluded.",
        ),
        RuleOutcome(
            rule="not_centrally_sponsored",
            passed=not engagement.centrally_sponsored_scheme,
            detail="Engaged under a centrally sponsored scheme; scheme staff are excluded."
            if engagement.centrally_sponsored_scheme
            else "Not engaged under a centrally sponsored scheme.",
        ),
    ]


def _superannuation(retires_on: date, as_of: date, rules: EligibilityRules) -> RuleOutcome:
    passed = as_of <= retires_on
    return RuleOutcome(
        rule="superannuation",
        passed=passed,
        detail=f"Superannuation at {rules.superannuation_age} on {retires_on}; protection runs to that date, "
        f"and {as_of} is {'on or before' if passed else 'after'} it.",
    )


def assess_eligibility(record: ServiceRecord, rules: EligibilityRules, as_of: date) -> EligibilityResult:
    """Apply every rule as of `as_of`; an ineligible result still carries the whole explanation."""
    service = _credit_service(record.service_spells, rules)
    retires_on = superannuation_date(record.personal.date_of_birth, rules.superannuation_age)
    outcomes = [
        *_engagement_rules(record.engagement, rules),
        _minimum_service(service.years, rules),
        _superannuation(retires_on, as_of, rules),
    ]
    return EligibilityResult(
        eligible=all(outcome.passed for outcome in outcomes),
        as_of=as_of,
        years_credited=sum(1 for year in service.years if year.counted),
        years_required=rules.min_years,
        superannuation_date=retires_on,
        rules=outcomes,
        years=service.years,
        spells=service.spells,
    )
