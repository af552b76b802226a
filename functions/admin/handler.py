"""HTTP routes of the admin function."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from admin.models import WindowChangeRequest, WindowsResponse
from admin.service import AdminService
from admin.settings import get_settings
from core.aws import AwsClients
from core.clock import current_clock
from core.http import caller, create_resolver, problem_responses
from core.observability import observed
from core.store.events import EventStore
from core.store.programmes import ProgrammeStore

app = create_resolver()


@lru_cache(maxsize=1)
def _aws() -> AwsClients:
    return AwsClients.for_function(get_settings())


@lru_cache(maxsize=1)
def service() -> AdminService:
    settings = get_settings()
    return AdminService(
        programme_id=settings.programme_id,
        programmes=ProgrammeStore.for_function(_aws(), settings),
        events=EventStore(_aws().dynamodb, settings.events_table),
        dynamodb=_aws().dynamodb,
        clock=current_clock(),
    )


@app.get(
    "/v1/admin/windows",
    tags=["admin"],
    summary="The programme's windows, with the history of every change and its government order",
    responses=problem_responses(401, 403, 503),
)
def get_windows() -> WindowsResponse:
    return WindowsResponse.of(service().windows(caller(app)))


@app.put(
    "/v1/admin/windows",
    tags=["admin"],
    summary="Set or extend a window under a government order (audited; every function sees it within a minute)",
    responses=problem_responses(401, 403, 409, 422, 503),
)
def put_windows(request: Annotated[WindowChangeRequest, Body()]) -> WindowsResponse:
    return WindowsResponse.of(service().change_windows(caller(app), request, request.version))


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
