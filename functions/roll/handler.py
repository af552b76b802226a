"""HTTP routes of the roll function."""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from functools import cached_property
    from typing import Annotated, Any

    from aws_lambda_powertools.event_handler.openapi.params import Body, Query
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from core.clock import current_clock
    from core.correction_recorder import CorrectionRecorder
    from core.errors import (
        AlreadyDecided,
        Busy,
        CorrectionPending,
        Forbidden,
        InvalidCursor,
        InvalidRequest,
        MobileUnchanged,
        NotFound,
        RemarksRequired,
        VersionConflict,
    )
    from core.http import Caller, contract, create_resolver, decode_cursor, encode_cursor
    from core.observability import observed
    from core.store.corrections import CorrectionStore
    from core.store.counters import CounterStore
    from core.store.events import EventStore
    from core.store.notifications import NotificationStore
    from core.store.roll import RollStore
    from core.wiring import HttpWiring
    from roll.models import (
        CorrectionDecisionBody,
        CorrectionDecisionResponse,
        CorrectionQueueResponse,
        MobileBody,
        RollEntryResponse,
    )
    from roll.service import RollService
    from roll.settings import RollSettings, get_settings

app = create_resolver()


class RollWiring(HttpWiring[RollSettings]):
    @cached_property
    def service(self) -> RollService:
        settings = self.settings
        dynamodb = self.aws.dynamodb
        corrections = CorrectionStore(dynamodb, settings.corrections_table)
        events = EventStore(dynamodb, settings.events_table)
        counters = CounterStore(dynamodb, settings.counters_table)
        return RollService(
            programme_id=settings.programme_id,
            roll=RollStore(dynamodb, settings.roll_table),
            corrections=corrections,
            events=events,
            counters=counters,
            notifications=NotificationStore(dynamodb, settings.notifications_table),
            recorder=CorrectionRecorder(corrections, events, counters),
            clock=current_clock(),
        )


wiring = RollWiring(get_settings)
caller = Caller(app, lambda: wiring.directory)


@app.get(
    "/v1/roll/corrections",
    tags=["roll"],
    summary="Your pending mobile-correction requests, oldest first: the roll entry and the claim side by side",
    **contract(
        Forbidden,
        InvalidRequest,
        InvalidCursor,
        callers="`ddo` (their DDO code's employees) or `hod` (their department's).",
    ),
)
def list_corrections(
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> CorrectionQueueResponse:
    view = wiring.service.queue(caller(), limit, decode_cursor(cursor))
    return CorrectionQueueResponse.of(view, encode_cursor(view.last_key) if view.last_key else None)


@app.post(
    "/v1/roll/corrections/<id>/decision",
    tags=["roll"],
    summary="Approve (the roll's mobile changes; both numbers are told by SMS) or reject a correction request",
    **contract(
        Forbidden,
        NotFound,
        AlreadyDecided,
        VersionConflict,
        InvalidRequest,
        RemarksRequired,
        Busy,
        callers="the employee's `ddo` or a `hod` of their department.",
        changes="the request PENDING -> APPROVED (the roll's mobile changes; both numbers are told by SMS) or "
        "REJECTED (the roll's number is told).",
    ),
)
def decide(id: str, request: Annotated[CorrectionDecisionBody, Body()]) -> CorrectionDecisionResponse:
    outcome = wiring.service.decide(
        caller(), id, decision=request.decision, remarks=request.remarks, version=request.version
    )
    return CorrectionDecisionResponse.of(outcome)


@app.patch(
    "/v1/roll/<employee_code>/mobile",
    tags=["roll"],
    summary="Correct an employee's mobile directly (audited in the roll entry's chain; both numbers told)",
    **contract(
        Forbidden,
        NotFound,
        VersionConflict,
        CorrectionPending,
        InvalidRequest,
        RemarksRequired,
        MobileUnchanged,
        Busy,
        callers="the employee's `ddo` or a `hod` of their department.",
        changes="the roll entry's mobile (a new version, audited in its chain); both numbers are told by SMS.",
    ),
)
def correct_mobile(employee_code: str, request: Annotated[MobileBody, Body()]) -> RollEntryResponse:
    view = wiring.service.correct(
        caller(), employee_code, mobile=request.mobile, remarks=request.remarks, version=request.version
    )
    return RollEntryResponse.of(view)


@app.get(
    "/v1/roll/<employee_code>",
    tags=["roll"],
    summary="A roll entry with its version, its history and whether its hash chain verifies",
    **contract(
        Forbidden,
        NotFound,
        callers="the employee's `ddo` or a `hod` of their department.",
    ),
)
def get_entry(employee_code: str) -> RollEntryResponse:
    return RollEntryResponse.of(wiring.service.view(caller(), employee_code))


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
