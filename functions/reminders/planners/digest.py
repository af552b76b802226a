"""Telling people (2): the daily officer digest, to each grievance unit, each HoD and each DDO."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from core.auth import Role
from core.clock import IST
from core.registration import RegistrationStatus
from core.store.grievances import L2_QUEUE, UNIT_QUEUE
from reminders.models import SAMPLE_SIZE, JobName, JobPlan, JobRequest, Outcome, ReminderItem
from reminders.planners.base import Batches, Scope, pending
from reminders.planners.reminders import remind

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import GrievanceCounts, Members, Programmes, RegistrationSweeps


@dataclass(frozen=True, kw_only=True)
class OfficerDigest:
    """Each grievance unit: open and overdue, and its officers not signed in yesterday; each HoD: L2
    open and overdue, and the officers of the department's units who were absent; each DDO with
    records pending while verification is open: the count. O(officials) reads, COUNT Queries."""

    scope: Scope
    batches: Batches
    programmes: Programmes
    registrations: RegistrationSweeps
    grievances: GrievanceCounts
    officials: Members

    def plan(self, request: JobRequest) -> JobPlan:
        programme = self.programmes.get(self.scope.programme_id)
        now = self.scope.clock.now()
        today = now.astimezone(IST).date()
        yesterday_began = datetime.combine(today - timedelta(days=1), time(0), tzinfo=IST)
        absent_by_unit: dict[str, list[str]] = defaultdict(list)
        for officer in self.officials.members(Role.OFFICER):
            seen = self.grievances.last_seen(officer.username)
            if officer.unit and (seen is None or seen < yesterday_began):
                absent_by_unit[officer.unit].append(officer.username)
        day = today.strftime("%d-%m-%Y")
        policy = programme.grievances
        unit_items = [
            ReminderItem(
                recipient=f"unit:{unit.unit_id}",
                data={
                    "day": day,
                    "open": self.grievances.count(index=UNIT_QUEUE, partition=unit.unit_id, ranks=("0", "1")),
                    "overdue": self.grievances.count(
                        index=UNIT_QUEUE, partition=unit.unit_id, ranks=(), overdue_at=now
                    ),
                    "absent": ", ".join(sorted(absent_by_unit[unit.unit_id])) or "-",
                },
            )
            for unit in policy.units
        ]
        departments = sorted({h.department for h in self.officials.members(Role.HOD) if h.department})
        hod_items = [
            ReminderItem(
                recipient=f"hod:{department}",
                data={
                    "day": day,
                    "open": self.grievances.count(index=L2_QUEUE, partition=department, ranks=("0", "1")),
                    "overdue": self.grievances.count(index=L2_QUEUE, partition=department, ranks=(), overdue_at=now),
                    "absent": ", ".join(
                        sorted(n for u in policy.units if u.department == department for n in absent_by_unit[u.unit_id])
                    )
                    or "-",
                },
            )
            for department in departments
        ]
        ddo_items: list[ReminderItem] = []
        if programme.verification.is_open(now):
            days_left = (programme.verification_closes_at.astimezone(IST).date() - today).days
            submitted = pending(self.registrations, self.scope.programme_id, RegistrationStatus.SUBMITTED)
            by_ddo = Counter(i.ddo_code for i in submitted)
            ddo_items = [
                ReminderItem(recipient=f"ddo:{d}", data={"day": day, "pending": n, "days_left": days_left})
                for d, n in sorted(by_ddo.items())
            ]
        groups = (("officer_digest", unit_items), ("hod_digest", hod_items), ("ddo_digest", ddo_items))
        total = sum(len(g) for _, g in groups)
        plan = self.scope.plan(
            request,
            now,
            outcome=Outcome.PLANNED if total else Outcome.NOTHING_TO_DO,
            detail=f"{total} digests." if total else "No unit, HoD or DDO to write to.",
            actions={template: len(group) for template, group in groups},
            sample_ids=[i.recipient for _, g in groups for i in g][:SAMPLE_SIZE],
        )
        return remind(
            self.batches,
            plan,
            JobName.OFFICER_DIGEST,
            campaign=f"officer-digest#{today.isoformat()}",
            day=today,
            groups=list(groups),
        )
