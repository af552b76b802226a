"""Eligibility under the Security of Service rules: a pure function with its explanation.

Every figure (cut-off, days, years, pay cap, age) comes from the programme's EligibilityRules.
Service year Y runs from the day after the cut-off's month and day in Y to that month and day in
Y+1, so the last countable year ends on the cut-off date itself.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.programme import EligibilityRules
from core.service_record import ServiceRecord

RuleName = Literal[
    "engagement_type", "pay_cap", "full_time", "not_centrally_sponsored", "minimum_service", "superannuation"
]


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    """Last day of the month in which `age` is reached; born on the 1st, the month before."""
    year = date_of_birth.year + age
    month = date_of_birth.month
    if date_of_birth.day == 1:
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return date(year, month, calendar.monthrange(year, month)[1])


def _service_year_bounds(year: int, cutoff: date) -> tuple[date, date]:
    def on(y: int) -> date:
        day = min(cutoff.day, calendar.monthrange(y, cutoff.month)[1])
        return date(y, cutoff.month, day)

    return on(year) + timedelta(days=1), on(year + 1)


def _overlap_days(start: date, end: date, other_start: date, other_end: date) -> int:
    return max(0, (min(end, other_end) - max(start, other_start)).days + 1)


def assess_eligibility(record: ServiceRecord, rules: EligibilityRules, as_of: date) -> EligibilityResult:
    engagement = record.engagement
    outcomes: list[RuleOutcome] = []

    eligible_types = ", ".join(t.value for t in rules.eligible_engagements)
    outcomes.append(
        RuleOutcome(
            rule="engagement_type",
            passed=engagement.type in rules.eligible_engagements,
            detail=f"Engagement is {engagement.type.value}; eligible engagements: {eligible_types}.",
        )
    )
    capped = engagement.type in rules.pay_capped_engagements
    outcomes.append(
        RuleOutcome(
            rule="pay_cap",
            passed=not capped or engagement.monthly_pay <= rules.pay_cap_monthly,
            detail=(
                f"Monthly pay Rs {engagement.monthly_pay:,} against the cap of Rs {rules.pay_cap_monthly:,}."
                if capped
                else f"No pay cap applies to {engagement.type.value} engagements."
            ),
        )
    )
    outcomes.append(
        RuleOutcome(
            rule="full_time",
            passed=engagement.full_time,
            detail="Full-time engagement." if engagement.full_time else "Part-time staff are excluded.",
        )
    )
    outcomes.append(
        RuleOutcome(
            rule="not_centrally_sponsored",
            passed=not engagement.centrally_sponsored_scheme,
            detail="Centrally sponsored scheme staff are excluded."
            if engagement.centrally_sponsored_scheme
            else "Not engaged under a centrally sponsored scheme.",
        )
    )

    per_year: dict[int, list[SpellDays]] = defaultdict(list)
    spell_credits: list[SpellCredit] = []
    for index, spell in enumerate(record.service_spells):
        counted_days = 0
        notes: list[str] = []
        if not spell.full_time:
            notes.append("part-time service does not count")
        for paid in sorted(spell.paid_days, key=lambda p: p.service_year):
            starts, ends = _service_year_bounds(paid.service_year, rules.cutoff_date)
            possible = _overlap_days(spell.from_date, spell.to_date, starts, ends)
            days = min(paid.days, possible)
            if days < paid.days:
                notes.append(f"{paid.service_year}: {paid.days} days claimed, {possible} possible in the spell")
            if spell.full_time:
                per_year[paid.service_year].append(
                    SpellDays(spell_index=index, department=spell.department, post=spell.post, days=days)
                )
                if ends <= rules.cutoff_date:
                    counted_days += days
        spell_credits.append(
            SpellCredit(
                spell_index=index,
                department=spell.department,
                post=spell.post,
                from_date=spell.from_date,
                to_date=spell.to_date,
                full_time=spell.full_time,
                days_counted=counted_days,
                note="; ".join(notes) or None,
            )
        )

    years: list[YearCredit] = []
    for year in sorted(per_year):
        starts, ends = _service_year_bounds(year, rules.cutoff_date)
        total = sum(c.days for c in per_year[year])
        years.append(
            YearCredit(
                service_year=f"{year}-{(year + 1) % 100:02d}",
                starts=starts,
                ends=ends,
                days_paid=total,
                counted=ends <= rules.cutoff_date and total >= rules.min_days_per_year,
                contributions=per_year[year],
            )
        )
    credited = sum(1 for y in years if y.counted)
    outcomes.append(
        RuleOutcome(
            rule="minimum_service",
            passed=credited >= rules.min_years,
            detail=(
                f"{credited} service year(s) with at least {rules.min_days_per_year} paid days by "
                f"{rules.cutoff_date.isoformat()}; {rules.min_years} needed."
            ),
        )
    )
    retires_on = superannuation_date(record.personal.date_of_birth, rules.superannuation_age)
    outcomes.append(
        RuleOutcome(
            rule="superannuation",
            passed=as_of <= retires_on,
            detail=f"Superannuation at {rules.superannuation_age} on {retires_on.isoformat()}.",
        )
    )
    return EligibilityResult(
        eligible=all(o.passed for o in outcomes),
        as_of=as_of,
        years_credited=credited,
        years_required=rules.min_years,
        superannuation_date=retires_on,
        rules=outcomes,
        years=years,
        spells=spell_credits,
    )
