"""The help request when the OTP cannot reach the employee (`POST /v1/auth/help`): the one entry point
the public route calls. See `open_mobile_correction`.

Nothing it does depends on who asks, and nothing it returns may reach the asker: the route answers the
same 202 whether the details matched, matched a pending request, or matched nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from core.audit import Actor
from core.correction_recorder import CorrectionRecorder
from core.corrections import HelpRequest, match_roll, opened, reclaimed
from core.errors import VersionConflict
from core.ids import new_correction_id
from core.masking import mask_mobile
from core.observability import logger

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import CounterTransitions, EventCommits, HelpCorrections, RollEntries
# Reads and writes again when another help request for the same employee wins a race.
OPEN_ATTEMPTS = 3
CLAIMANT_ROLE = "public"


class HelpOutcome(StrEnum):
    """For the caller's logs and metrics only: never for the answer."""

    OPENED = "opened"  # a new PENDING request is in the DDO's queue
    UPDATED = "updated"  # a request was pending: its claimed mobile and message were replaced
    UNCHANGED = "unchanged"  # a request was pending with this very claim: nothing written
    IGNORED = "ignored"  # unknown code, wrong date of birth or Family ID, or the roll has this mobile
    CONTENDED = "contended"  # the employee's request kept changing under us: nothing written


def open_mobile_correction(
    request: HelpRequest,
    *,
    now: datetime,
    programme_id: str,
    roll: RollEntries,
    corrections: HelpCorrections,
    events: EventCommits,
    counters: CounterTransitions,
) -> HelpOutcome:
    """Open (or update) the employee's one pending mobile-correction request, if the details match the roll.

    How to call it from the `/v1/auth/help` handler, with stores built once per cold start::

        outcome = open_mobile_correction(
            HelpRequest.model_validate(body),  # or your body model: it is a HelpRequest (extra=forbid)
            now=current_clock().now(),
            programme_id=settings.programme_id,
            roll=RollStore(dynamodb, settings.roll_table),
            corrections=CorrectionStore(dynamodb, settings.corrections_table),
            events=EventStore(dynamodb, settings.events_table),
            counters=CounterStore(dynamodb, settings.counters_table),
        )
        return 202, same body whatever `outcome` is

    The rule (`core.corrections.match_roll`): the code is on the roll, the date of birth equals the
    roll's, and so does the Family ID when the roll has one; a roll entry without a Family ID opens the
    request flagged `family_id_not_on_roll` for the DDO to check. A claimed mobile the roll already has
    opens nothing. A match writes one transaction: the request (and the employee's pending marker), its
    `correction.opened` event, the `corrections` counters (PENDING by department, DDO and district).
    While a request is pending, a new help request replaces its claim (`correction.claim_updated`).

    A mismatch reads one roll item and writes nothing. Nothing here raises for a mismatch; only AWS
    failures propagate. IAM: roll `GetItem`; corrections `GetItem`, `PutItem`; events `PutItem`;
    counters `UpdateItem` (CORRECTIONS_TABLE, ROLL_TABLE, EVENTS_TABLE, COUNTERS_TABLE).
    """
    entry = roll.get(request.employee_code, programme_id)
    verdict = match_roll(entry.record if entry else None, request)
    if entry is None or not verdict.opens:
        logger.info("help request matched nothing", extra={"verdict": verdict.value})
        return HelpOutcome.IGNORED
    recorder = CorrectionRecorder(corrections, events, counters)
    claimant = Actor(id=f"claimant:{request.employee_code}", role=CLAIMANT_ROLE)
    for _ in range(OPEN_ATTEMPTS):
        pending_id = corrections.pending_id(programme_id, request.employee_code)
        pending = corrections.get(pending_id) if pending_id else None
        try:
            if pending is None:
                correction = opened(
                    new_correction_id(),
                    programme_id=programme_id,
                    record=entry.record,
                    request=request,
                    verdict=verdict,
                    at=now,
                )
                recorder.record(
                    before=None,
                    after=correction,
                    event_type="correction.opened",
                    actor=claimant,
                    at=now,
                    data={
                        "employee_code": request.employee_code,
                        "ddo_code": correction.office.ddo_code,
                        "claimed_mobile": mask_mobile(correction.claim.mobile),
                        "flags": correction.flags,
                    },
                )
                logger.info("mobile correction opened", extra={"correction_id": correction.correction_id})
                return HelpOutcome.OPENED
            updated = reclaimed(pending, request, now)
            if updated is None:
                return HelpOutcome.UNCHANGED
            recorder.record(
                before=pending,
                after=updated,
                event_type="correction.claim_updated",
                actor=claimant,
                at=now,
                data={
                    "previous_mobile": mask_mobile(pending.claim.mobile),
                    "claimed_mobile": mask_mobile(updated.claim.mobile),
                    "requests": updated.requests,
                },
            )
            return HelpOutcome.UPDATED
        except VersionConflict:
            continue  # another help request (or a decision) for this employee came first: read again
    logger.warning("help request contended", extra={"verdict": verdict.value})
    return HelpOutcome.CONTENDED
