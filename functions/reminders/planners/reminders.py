"""Telling people (1): the registration and verification reminders, and `send_reminders`, the
family's messages: a `ReminderBatch` per template, whose ledger makes a rerun send nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from core.clock import IST
from core.corrections import CORRECTIONS, CorrectionStatus
from core.registration import RegistrationStatus
from core.store.dynamo import across_shards
from core.store.roll import UNREGISTERED_SHARDS
from reminders.models import (
    REMINDER_DAYS,
    SAMPLE_SIZE,
    JobName,
    JobPlan,
    JobRequest,
    Outcome,
    ReminderBatch,
    ReminderItem,
    ReminderJobName,
)
from reminders.planners.base import Batches, Scope, pending

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CounterGroups, Programmes, RegistrationSweeps, RollUnregistered


def remind(
    batches: Batches,
    plan: JobPlan,
    job: ReminderJobName,
    *,
    campaign: str,
    day: date,
    groups: list[tuple[str, list[ReminderItem]]],
) -> JobPlan:
    """The plan with each template's recipients queued in batches (none in a dry run); the ledger
    key is (recipient, campaign, channel, day)."""
    return batches.queued(
        plan,
        groups,
        lambda template, items: ReminderBatch(
            job=job,
            programme_id=plan.programme_id,
            campaign=campaign,
            template=template,
            day=day.isoformat(),
            items=items,
        ),
    )


@dataclass(frozen=True, kw_only=True)
class WindowReminders:
    """On the reminder days before a close (read from programme data now, so an extension moves
    them): employees not yet registered or still in DRAFT, or DDOs with records pending."""

    scope: Scope
    batches: Batches
    programmes: Programmes
    registrations: RegistrationSweeps
    roll: RollUnregistered
    counters: CounterGroups

    def plan(self, request: JobRequest) -> JobPlan:
        programme_id = self.scope.programme_id
        programme = self.programmes.get(programme_id)
        now = self.scope.clock.now()
        registration = request.job == JobName.REGISTRATION_REMINDERS
        window = programme.registration if registration else programme.verification
        closes_on = window.closes_at.astimezone(IST).date()
        today = now.astimezone(IST).date()
        days_left = (closes_on - today).days
        plan = self.scope.plan(
            request,
            now,
            deadline=window.closes_at,
            outcome=Outcome.NOT_DUE,
            detail=f"Not a reminder day: {days_left} days before the close on {closes_on.isoformat()}.",
        )
        if not window.is_open(now) or days_left not in REMINDER_DAYS[request.job]:
            return plan
        data: dict[str, str | int] = {"days_left": days_left, "closes_on": closes_on.strftime("%d-%m-%Y")}
        corrections: dict[str, int] = {}
        ddo_items: list[ReminderItem] = []
        if registration:
            drafts = pending(self.registrations, programme_id, RegistrationStatus.DRAFT)
            codes = sorted({*self._unregistered(), *(i.employee_code for i in drafts)})
            items = [ReminderItem(recipient=f"employee:{code}", data=data) for code in codes]
            by_ddo: dict[str, int] = {}
            # Employees whose OTP cannot arrive wait on their DDO: each DDO with requests pending hears the count.
            corrections = self._corrections_pending()
            ddo_items = [
                ReminderItem(recipient=f"ddo:{d}", data={**data, "pending": n}) for d, n in corrections.items()
            ]
        else:
            submitted = pending(self.registrations, programme_id, RegistrationStatus.SUBMITTED)
            by_ddo = dict(sorted(Counter(i.ddo_code for i in submitted).items()))
            items = [ReminderItem(recipient=f"ddo:{d}", data={**data, "pending": n}) for d, n in by_ddo.items()]
        total = len(items) + len(ddo_items)
        detail = f"T-{days_left}: {len(items)} to remind." if total else f"T-{days_left}: nobody to remind."
        if corrections:
            detail += f" {sum(corrections.values())} mobile corrections pending with {len(corrections)} DDOs."
        plan = plan.model_copy(
            update={
                "outcome": Outcome.PLANNED if total else Outcome.NOTHING_TO_DO,
                "detail": detail,
                "actions": {
                    "remind": len(items),
                    **({"remind_ddo_corrections": len(ddo_items)} if registration else {}),
                },
                "by_ddo": by_ddo,
                "corrections_pending": corrections,
                "sample_ids": [i.recipient for i in [*items, *ddo_items][:SAMPLE_SIZE]],
            }
        )
        template = "registration_reminder" if registration else "verification_reminder"
        return remind(
            self.batches,
            plan,
            JobName.REGISTRATION_REMINDERS if registration else JobName.VERIFICATION_REMINDERS,
            campaign=f"{request.job.value}#{closes_on.isoformat()}#T-{days_left}",
            day=today,
            groups=[(template, items), ("correction_reminder", ddo_items)],
        )

    def _unregistered(self) -> Iterator[str]:
        return across_shards(
            UNREGISTERED_SHARDS,
            lambda shard, start: self.roll.unregistered(programme_id=self.scope.programme_id, shard=shard, start=start),
        )

    def _corrections_pending(self) -> dict[str, int]:
        """Pending mobile-correction requests by DDO, from the counters: one Query of the groups index."""
        groups = self.counters.groups(kind=CORRECTIONS, programme_id=self.scope.programme_id, scope="ddo")
        waiting = CorrectionStatus.PENDING.value
        return {ddo: counts[waiting] for ddo, counts in sorted(groups.items()) if counts.get(waiting, 0) > 0}
