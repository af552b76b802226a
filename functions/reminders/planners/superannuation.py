"""Telling people (3): the superannuation notice, monthly, to whoever reaches the age within 90 days."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from core.clock import IST
from reminders.models import (
    SAMPLE_SIZE,
    SUPERANNUATION_NOTICE_DAYS,
    JobName,
    JobPlan,
    JobRequest,
    Outcome,
    ReminderItem,
)
from reminders.planners.base import Batches, Scope
from reminders.planners.reminders import remind

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import RollRetiring


@dataclass(frozen=True, kw_only=True)
class SuperannuationNotice:
    """Employees reaching the superannuation age within 90 days, and each one's DDO with a count:
    the months ahead are index partitions, so the cost follows who is retiring, not the roll."""

    scope: Scope
    batches: Batches
    roll: RollRetiring

    def plan(self, request: JobRequest) -> JobPlan:
        now = self.scope.clock.now()
        today = now.astimezone(IST).date()
        until = today + timedelta(days=SUPERANNUATION_NOTICE_DAYS)
        months, month = [], today.replace(day=1)
        while month <= until:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        retiring = [
            r
            for m in months
            for r in self.roll.retiring(programme_id=self.scope.programme_id, month=m)
            if today <= r.retires_on <= until
        ]
        by_ddo = dict(sorted(Counter(r.ddo_code for r in retiring).items()))
        items = [
            ReminderItem(
                recipient=f"employee:{r.employee_code}", data={"retires_on": r.retires_on.strftime("%d-%m-%Y")}
            )
            for r in sorted(retiring, key=lambda r: r.employee_code)
        ]
        ddo_items = [ReminderItem(recipient=f"ddo:{d}", data={"count": n}) for d, n in by_ddo.items()]
        plan = self.scope.plan(
            request,
            now,
            outcome=Outcome.PLANNED if items else Outcome.NOTHING_TO_DO,
            detail=f"{len(items)} employees reach superannuation by {until.isoformat()}."
            if items
            else f"Nobody reaches superannuation by {until.isoformat()}.",
            actions={"notify_employee": len(items), "notify_ddo": len(ddo_items)},
            by_ddo=by_ddo,
            sample_ids=[i.recipient for i in items[:SAMPLE_SIZE]],
        )
        return remind(
            self.batches,
            plan,
            JobName.SUPERANNUATION_NOTICE,
            campaign=f"superannuation#{today.strftime('%Y-%m')}",
            day=today,
            groups=[("superannuation_notice", items), ("superannuation_ddo", ddo_items)],
        )
