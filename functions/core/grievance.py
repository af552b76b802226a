"""The grievance aggregate and its state machine, with no I/O.

Every step returns a `GrievanceChange`: the new image, the audit event type, what the event
records and whom to notify. The service writes it in one transaction; the SLA sweeps use the same
steps, so a job's change is recorded exactly like a person's.

States (docs/architecture.md): OPEN → IN_PROGRESS → AWAITING_EMPLOYEE → RESOLVED → CLOSED, and REJECTED.
The level (L1 unit, L2 Head of Department) is a separate attribute: an escalation moves a
grievance to L2 and reopens it there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.clock import IST
from core.errors import (
    InvalidReasonCode,
    InvalidTransition,
    ReassignLimit,
    RemarksRequired,
    UnknownUnit,
)
from core.programme import GrievanceCategory, GrievancePolicy, Window
from core.registration import StoredFile
from core.signing import ReceiptKind, SignedBase


class GrievanceStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    AWAITING_EMPLOYEE = "AWAITING_EMPLOYEE"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"


class Level(StrEnum):
    L1 = "L1"
    L2 = "L2"


class Action(StrEnum):
    ACCEPT = "accept"
    REQUEST_INFO = "request_info"
    RESOLVE = "resolve"
    REJECT = "reject"
    REASSIGN = "reassign"
    ESCALATE = "escalate"
    COMMENT = "comment"


# States in which the SLA clock runs: the office owes the next step.
SLA_RUNNING = (GrievanceStatus.OPEN, GrievanceStatus.IN_PROGRESS)
# Not yet resolved: the office owes a step, or the employee does (AWAITING_EMPLOYEE).
OPEN_STATUSES = (*SLA_RUNNING, GrievanceStatus.AWAITING_EMPLOYEE)
# Counted beside the status while an L2 breach stands (see counter_labels).
OVERDUE = "overdue"
FINAL = (GrievanceStatus.CLOSED, GrievanceStatus.REJECTED)

# Where each officer action is legal; anything else is 409 invalid_transition.
ACTION_FROM: dict[Action, tuple[GrievanceStatus, ...]] = {
    Action.ACCEPT: (GrievanceStatus.OPEN,),
    Action.REQUEST_INFO: SLA_RUNNING,
    Action.RESOLVE: SLA_RUNNING,
    Action.REJECT: SLA_RUNNING,
    Action.REASSIGN: SLA_RUNNING,
    Action.ESCALATE: SLA_RUNNING,
    Action.COMMENT: (*SLA_RUNNING, GrievanceStatus.AWAITING_EMPLOYEE, GrievanceStatus.RESOLVED),
}
# Actions that only make sense at L1: L2 is the last level and has no other unit.
L1_ONLY = (Action.REASSIGN, Action.ESCALATE)

MIN_RESOLVE_REMARKS = 30
MIN_REJECT_REMARKS = 20


class Attachment(StoredFile):
    """A file the employee attached, checked like a registration document (size, magic bytes, SHA-256)."""

    attachment_id: str
    filename: str


class Feedback(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    level: Level
    satisfied: bool
    rating: int = Field(ge=1, le=5)
    comment: str | None = None
    at: AwareDatetime


class FilingReceipt(BaseModel):
    """What the employee can show for a filing, signed: the grievance as filed (its description by
    SHA-256), whom it went to and by when, and the filing's audit event (entity `grievance#<id>`,
    seq = `version`) by its hash, so it is kept on the record, not in that event."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: Literal[ReceiptKind.GRIEVANCE_FILING] = ReceiptKind.GRIEVANCE_FILING
    grievance_id: str
    number: str
    programme_id: str
    employee_code: str
    category: str
    subject: str
    description_sha256: str
    registration_id: str | None
    appeal: bool
    level: Level
    assigned_to: str  # "unit:<id>" at L1, "hod:<department>" for an appeal
    filed_at: AwareDatetime
    due_at: AwareDatetime
    version: int = Field(description="The grievance's version after the filing: its audit event's seq")
    event_type: str
    event_hash: str = Field(description="SHA-256 of the filing's audit event (its leaf in the transparency log)")
    key_id: str


class SignedFilingReceipt(SignedBase):
    receipt: FilingReceipt


class Grievance(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    grievance_id: str
    number: str
    programme_id: str
    owner_sub: str
    employee_code: str
    ddo_code: str
    department: str
    district: str
    category: str
    subject: str
    description: str
    registration_id: str | None = None
    appeal: bool = False
    level: Level
    unit: str | None = None  # the L1 unit; None at L2, where the department's HoD acts
    status: GrievanceStatus
    version: int = Field(ge=1)
    event_head: str
    filed_at: AwareDatetime
    updated_at: AwareDatetime
    due_at: AwareDatetime  # inclusive to the second, like every deadline here
    sla_paused_at: AwareDatetime | None = None
    reassignments: int = 0
    resolution: str | None = None
    resolved_at: AwareDatetime | None = None
    reason_code: str | None = None
    feedback: list[Feedback] = Field(default_factory=list)
    closed_at: AwareDatetime | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    # When the SLA sweep found the L2 SLA broken (L1 breaches escalate instead). Counted as
    # "overdue" while the office owes the next step, so reports read it from the counters.
    overdue_since: AwareDatetime | None = None
    filing_receipt: SignedFilingReceipt | None = None

    @property
    def entity(self) -> str:
        return f"grievance#{self.grievance_id}"

    @property
    def sla(self) -> Window:
        return Window(opens_at=self.filed_at, closes_at=self.due_at)

    def breached(self, now: datetime) -> bool:
        """Overdue: the office owes the next step and its time is up (a paused clock never breaches)."""
        return self.status in SLA_RUNNING and self.sla.has_closed(now)

    def autoclose_at(self, policy: GrievancePolicy) -> datetime | None:
        if self.status != GrievanceStatus.RESOLVED or self.resolved_at is None:
            return None
        return self.resolved_at + timedelta(days=policy.feedback_days)

    def attachment(self, attachment_id: str) -> Attachment | None:
        return next((a for a in self.attachments if a.attachment_id == attachment_id), None)

    def counter_scopes(self) -> dict[str, str]:
        return {
            "programme": self.programme_id,
            "category": self.category,
            "level": self.level.value,
            "unit": self.unit or f"L2:{self.department}",
            "department": self.department,
            "department_ddo": f"{self.department}/{self.ddo_code}",
            "department_district": f"{self.department}/{self.district}",
        }

    def counter_labels(self) -> tuple[str, ...]:
        if self.overdue_since is not None and self.status in SLA_RUNNING:
            return (self.status.value, OVERDUE)
        return (self.status.value,)


class Recipient(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    address: str  # "employee:<code>", "unit:<id>" or "hod:<department>"
    template: str


class GrievanceChange(BaseModel):
    """One step of the state machine, ready to be written as one transaction."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    after: Grievance
    event_type: str
    reason: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    notify: tuple[Recipient, ...] = ()


def due_after(start: datetime, days: int) -> datetime:
    """23:59:59 IST on the `days`-th calendar day after `start` (in IST)."""
    last_day = start.astimezone(IST).date() + timedelta(days=days)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=IST)


def month_key(now: datetime) -> str:
    return now.astimezone(IST).strftime("%Y-%m")


def next_month_opens(now: datetime) -> datetime:
    """00:00 IST on the first of next month: when the monthly limit resets."""
    local = now.astimezone(IST)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=IST)


def utc_key(instant: datetime) -> str:
    """Fixed-width UTC text, so index keys sort as the instants do."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _employee(grievance: Grievance, template: str) -> Recipient:
    return Recipient(address=f"employee:{grievance.employee_code}", template=template)


def _hod(grievance: Grievance, template: str) -> Recipient:
    return Recipient(address=f"hod:{grievance.department}", template=template)


def _to_l2(grievance: Grievance, category: GrievanceCategory, now: datetime, **update: Any) -> Grievance:
    """Reopened at L2 with a fresh L2 SLA; the L1 unit no longer holds it."""
    return grievance.model_copy(
        update={
            "level": Level.L2,
            "unit": None,
            "status": GrievanceStatus.OPEN,
            "due_at": due_after(now, category.l2_days),
            "sla_paused_at": None,
            "overdue_since": None,
            **update,
        }
    )


def _require_remarks(remarks: str, minimum: int, action: str) -> str:
    text = remarks.strip()
    if len(text) < minimum:
        raise RemarksRequired("grievance_action", action=action, min_length=minimum)
    return text


def _illegal(grievance: Grievance, action: str) -> InvalidTransition:
    """`action`: the action's name as the API spells it (accept, reply, feedback, sla_escalate, ...)."""
    return InvalidTransition(action=action, current_status=grievance.status, level=grievance.level)


@dataclass(frozen=True)
class _ActionInput:
    """What an officer's action is given besides the grievance (apply_action's keyword arguments)."""

    remarks: str
    policy: GrievancePolicy
    category: GrievanceCategory
    now: datetime
    reason_code: str | None
    to_unit: str | None


def _accept(grievance: Grievance, given: _ActionInput) -> GrievanceChange:
    return GrievanceChange(
        after=grievance.model_copy(update={"status": GrievanceStatus.IN_PROGRESS}),
        event_type="grievance.accepted",
        reason=given.remarks.strip() or None,
        notify=(_employee(grievance, "grievance_accepted"),),
    )


def _request_info(grievance: Grievance, given: _ActionInput) -> GrievanceChange:
    text = _require_remarks(given.remarks, 1, "request_info")
    return GrievanceChange(
        after=grievance.model_copy(update={"status": GrievanceStatus.AWAITING_EMPLOYEE, "sla_paused_at": given.now}),
        event_type="grievance.info_requested",
        reason=text,
        data={"sla_paused_at": given.now.isoformat()},
        notify=(_employee(grievance, "grievance_info_requested"),),
    )


def _resolve(grievance: Grievance, given: _ActionInput) -> GrievanceChange:
    text = _require_remarks(given.remarks, MIN_RESOLVE_REMARKS, "resolve")
    return GrievanceChange(
        after=grievance.model_copy(
            update={"status": GrievanceStatus.RESOLVED, "resolution": text, "resolved_at": given.now}
        ),
        event_type="grievance.resolved",
        reason=text,
        notify=(_employee(grievance, "grievance_resolved"),),
    )


def _reject(grievance: Grievance, given: _ActionInput) -> GrievanceChange:
    if given.reason_code not in given.policy.rejection_reasons:
        raise InvalidReasonCode(allowed=list(given.policy.rejection_reasons))
    text = _require_remarks(given.remarks, MIN_REJECT_REMARKS, "reject")
    return GrievanceChange(
        after=grievance.model_copy(
            update={"status": GrievanceStatus.REJECTED, "reason_code": given.reason_code, "closed_at": given.now}
        ),
        event_type="grievance.rejected",
        reason=text,
        data={"reason_code": given.reason_code},
        notify=(_employee(grievance, "grievance_rejected"),),
    )


def _reassign(grievance: Grievance, given: _ActionInput) -> GrievanceChange:
    text = _require_remarks(given.remarks, 1, "reassign")
    policy, to_unit = given.policy, given.to_unit
    if to_unit is None or policy.unit(to_unit) is None or to_unit == grievance.unit:
        raise UnknownUnit(units=[u.unit_id for u in policy.units if u.unit_id != grievance.unit])
    if grievance.reassignments >= policy.max_reassignments:
        raise ReassignLimit(max_reassignments=policy.max_reassignments)
    # The SLA keeps running: passing a grievance on never buys the office more time.
    return GrievanceChange(
        after=grievance.model_copy(
            update={"unit": to_unit, "status": GrievanceStatus.OPEN, "reassignments": grievance.reassignments + 1}
        ),
        event_type="grievance.reassigned",
        reason=text,
        data={"from_unit": grievance.unit, "to_unit": to_unit},
        notify=(
            _employee(grievance, "grievance_reassigned"),
            Recipient(address=f"unit:{to_unit}", template="grievance_assigned"),
        ),
    )


def _escalate(grievance: Grievance, given: _ActionInput) -> GrievanceChange:
    text = _require_remarks(given.remarks, 1, "escalate")
    return GrievanceChange(
        after=_to_l2(grievance, given.category, given.now),
        event_type="grievance.escalated",
        reason=text,
        data={"from_unit": grievance.unit, "why": "by_officer"},
        notify=(_employee(grievance, "grievance_escalated"), _hod(grievance, "grievance_assigned")),
    )


def _comment(grievance: Grievance, given: _ActionInput) -> GrievanceChange:
    return GrievanceChange(
        after=grievance,
        event_type="grievance.commented",
        reason=_require_remarks(given.remarks, 1, "comment"),
        notify=(_employee(grievance, "grievance_commented"),),
    )


# One step per officer action; ACTION_FROM and L1_ONLY say where each is legal.
_ACTIONS: dict[Action, Callable[[Grievance, _ActionInput], GrievanceChange]] = {
    Action.ACCEPT: _accept,
    Action.REQUEST_INFO: _request_info,
    Action.RESOLVE: _resolve,
    Action.REJECT: _reject,
    Action.REASSIGN: _reassign,
    Action.ESCALATE: _escalate,
    Action.COMMENT: _comment,
}


def apply_action(
    grievance: Grievance,
    *,
    action: Action,
    remarks: str,
    policy: GrievancePolicy,
    category: GrievanceCategory,
    now: datetime,
    reason_code: str | None = None,
    to_unit: str | None = None,
) -> GrievanceChange:
    """An officer's (L1) or HoD's (L2) action. Who may act is checked by the caller."""
    if grievance.status not in ACTION_FROM[action] or (action in L1_ONLY and grievance.level != Level.L1):
        raise _illegal(grievance, action.value)
    given = _ActionInput(remarks, policy, category, now, reason_code, to_unit)
    return _ACTIONS[action](grievance, given)


def reply(grievance: Grievance, *, message: str, attachments: list[Attachment], now: datetime) -> GrievanceChange:
    """The employee answers a request for information; the SLA resumes with the paused time added."""
    if grievance.status != GrievanceStatus.AWAITING_EMPLOYEE or grievance.sla_paused_at is None:
        raise _illegal(grievance, "reply")
    paused = now - grievance.sla_paused_at
    due_at = grievance.due_at + paused
    return GrievanceChange(
        after=grievance.model_copy(
            update={
                "status": GrievanceStatus.IN_PROGRESS,
                "due_at": due_at,
                "sla_paused_at": None,
                # Still overdue only if the paused time did not carry the deadline past now.
                "overdue_since": grievance.overdue_since if due_at < now else None,
            }
        ),
        event_type="grievance.replied",
        reason=_require_remarks(message, 1, "reply"),
        data={
            "paused_seconds": int(paused.total_seconds()),
            "attachments": [{"attachment_id": a.attachment_id, "sha256": a.sha256} for a in attachments],
        },
        notify=(
            Recipient(address=f"unit:{grievance.unit}", template="grievance_replied")
            if grievance.level == Level.L1
            else _hod(grievance, "grievance_replied"),
        ),
    )


def give_feedback(
    grievance: Grievance,
    *,
    satisfied: bool,
    rating: int,
    comment: str | None,
    category: GrievanceCategory,
    now: datetime,
) -> GrievanceChange:
    """Satisfied closes. Dissatisfied at L1 reopens at L2; at L2 it closes, the dissent kept on record."""
    if grievance.status != GrievanceStatus.RESOLVED:
        raise _illegal(grievance, "feedback")
    feedback = Feedback(level=grievance.level, satisfied=satisfied, rating=rating, comment=comment, at=now)
    data = {"satisfied": satisfied, "rating": rating, "level": grievance.level.value}
    history = [*grievance.feedback, feedback]
    if not satisfied and grievance.level == Level.L1:
        return GrievanceChange(
            after=_to_l2(grievance, category, now, feedback=history, resolution=None, resolved_at=None),
            event_type="grievance.reopened",
            reason=comment,
            data={**data, "why": "dissatisfied"},
            notify=(_employee(grievance, "grievance_escalated"), _hod(grievance, "grievance_assigned")),
        )
    return GrievanceChange(
        after=grievance.model_copy(update={"status": GrievanceStatus.CLOSED, "feedback": history, "closed_at": now}),
        event_type="grievance.closed",
        reason=comment,
        data={**data, "why": "satisfied" if satisfied else "dissatisfied_at_l2"},
        notify=(_employee(grievance, "grievance_closed"),),
    )


def escalate_for_breach(grievance: Grievance, *, category: GrievanceCategory, now: datetime) -> GrievanceChange:
    """The L1 office let the SLA pass: the grievance goes to the HoD by itself."""
    if grievance.level != Level.L1 or not grievance.breached(now):
        raise _illegal(grievance, "sla_escalate")
    return GrievanceChange(
        after=_to_l2(grievance, category, now),
        event_type="grievance.escalated",
        reason="The L1 office did not act within the SLA.",
        data={"from_unit": grievance.unit, "why": "sla_breach", "was_due_at": grievance.due_at.isoformat()},
        notify=(_employee(grievance, "grievance_escalated"), _hod(grievance, "grievance_assigned")),
    )


def mark_overdue(grievance: Grievance, *, now: datetime) -> GrievanceChange:
    """The HoD let the L2 SLA pass. L2 is the last level, so the grievance stays; it is marked
    overdue, which the reports count and the department's digest shows."""
    if grievance.level != Level.L2 or grievance.overdue_since is not None or not grievance.breached(now):
        raise _illegal(grievance, "sla_breach")
    return GrievanceChange(
        after=grievance.model_copy(update={"overdue_since": now}),
        event_type="grievance.sla_breached",
        reason="The HoD did not act within the L2 SLA.",
        data={"was_due_at": grievance.due_at.isoformat()},
    )


def close_unanswered(grievance: Grievance, *, policy: GrievancePolicy, now: datetime) -> GrievanceChange:
    """RESOLVED with no feedback for `feedback_days`: taken as accepted and closed."""
    closes_at = grievance.autoclose_at(policy)
    if closes_at is None or now < closes_at:
        raise _illegal(grievance, "auto_close")
    return GrievanceChange(
        after=grievance.model_copy(update={"status": GrievanceStatus.CLOSED, "closed_at": now}),
        event_type="grievance.closed",
        reason=f"No feedback within {policy.feedback_days} days of the resolution.",
        data={"why": "no_feedback"},
        notify=(_employee(grievance, "grievance_closed"),),
    )
