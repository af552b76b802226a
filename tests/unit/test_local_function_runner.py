"""The local FunctionRunner serves each function as its own Lambda would, although all of them share
one process: a function's resolver reads the event it serves, never another function's."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from infra.local.events import http_api_event
from infra.local.functions import FunctionRunner

# Two functions, as the template has them: each its own module-level resolver.
grievances = APIGatewayHttpResolver()
register = APIGatewayHttpResolver()
register_is_serving = threading.Event()
grievance_caller_read = threading.Event()
WAIT_SECONDS = 30  # only a bound on a hung test: each wait returns as soon as the other thread gets there


@grievances.post("/v1/grievances")
def file_grievance() -> dict[str, Any]:
    # The route runs while the register function starts serving its own event, then reads its caller
    assert register_is_serving.wait(WAIT_SECONDS)
    event = grievances.current_event
    caller = {"path": event.raw_path, "sub": event.request_context.authorizer.jwt_claim["sub"]}
    grievance_caller_read.set()
    return caller


@register.get("/v1/me")
def me() -> dict[str, Any]:
    register_is_serving.set()
    assert grievance_caller_read.wait(WAIT_SECONDS)
    event = register.current_event
    return {"path": event.raw_path, "sub": event.request_context.authorizer.jwt_claim["sub"]}


def grievance_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return grievances.resolve(event, context)


def register_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return register.resolve(event, context)


def test_a_function_reads_its_own_event_while_another_function_serves_one() -> None:
    register_is_serving.clear()
    grievance_caller_read.clear()
    runner = FunctionRunner()
    filing = http_api_event(
        method="POST", route="/v1/grievances", path="/v1/grievances", body=b"{}", claims={"sub": "employee25"}
    )
    profile = http_api_event(method="GET", route="/v1/me", path="/v1/me", claims={"sub": "ddo1"})
    # Given employee25's filing in the grievance function, waiting in its route
    with ThreadPoolExecutor(max_workers=2) as pool:
        filed = pool.submit(runner.invoke, "GrievanceFunction", f"{__name__}.grievance_handler", filing)
        # When the register function starts serving ddo1's request meanwhile
        shown = pool.submit(runner.invoke, "RegisterFunction", f"{__name__}.register_handler", profile)
        answers = [json.loads(filed.result()["body"]), json.loads(shown.result()["body"])]
    # Then the filing still reads employee25's event, not ddo1's (Powertools keeps one per process)
    assert answers == [
        {"path": "/v1/grievances", "sub": "employee25"},
        {"path": "/v1/me", "sub": "ddo1"},
    ]
