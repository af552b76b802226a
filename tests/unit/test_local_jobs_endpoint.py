"""`POST /_local/jobs/{name}`: the local stand-in for EventBridge Scheduler, without a stack."""

from __future__ import annotations

import json
from typing import Any

from core.clock import SettableClock
from core.errors import ProgrammeUnavailable
from infra.local.local_endpoints import LocalEndpoints
from infra.local.poller import wait_until_drained
from infra.local.template import ScheduledJob

JOB = ScheduledJob(
    name="close-registration",
    function_id="RemindersPlannerFunction",
    handler="reminders.planner.lambda_handler",
    event_name="CloseRegistration",
    payload={"job": "close-registration"},
    expression="cron(0 * * * ? *)",
    timezone="Asia/Kolkata",
)
ROUTE = ("POST", "/_local/jobs/close-registration")


class Runner:
    """Records what the endpoint invokes; answers with a plan or raises what it is given."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self._error = error

    def invoke(self, function_id: str, dotted: str, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((function_id, dotted, event))
        if self._error:
            raise self._error
        return {"outcome": "planned", "dry_run": event["dry_run"]}


def endpoints(runner: Runner, drained: list[float] | None = None) -> LocalEndpoints:
    def drain(timeout: float) -> bool:
        (drained if drained is not None else []).append(timeout)
        return True

    return LocalEndpoints(
        cognito=None,
        user_pool_id="pool",
        client_id="client",
        clock=SettableClock(),
        jobs={JOB.name: JOB},
        runner=runner,
        drain=drain,
    )


def test_each_scheduled_job_gets_a_route_that_invokes_its_function_with_its_payload() -> None:
    runner, waited = Runner(), []
    routes = endpoints(runner, waited).routes()
    reply = routes[ROUTE]("", {}, b'{"dry_run": true}')
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"]) == {
        "job": "close-registration",
        "plan": {"outcome": "planned", "dry_run": True},
        "drained": None,
    }
    assert runner.calls == [
        ("RemindersPlannerFunction", "reminders.planner.lambda_handler", {"job": "close-registration", "dry_run": True})
    ]
    assert waited == []


def test_wait_waits_for_the_work_queues_to_drain() -> None:
    runner, waited = Runner(), []
    reply = endpoints(runner, waited).routes()[ROUTE]("", {}, b'{"wait": true}')
    assert json.loads(reply["body"])["drained"] is True
    assert runner.calls[0][2]["dry_run"] is False
    assert waited == [30.0]


def test_unknown_or_non_boolean_options_are_refused() -> None:
    runner = Runner()
    route = endpoints(runner).routes()[ROUTE]
    for body in (b'{"dry_run": "yes"}', b'{"now": "2026-02-01"}', b"[1]"):
        assert route("", {}, body)["statusCode"] == 422, body
    assert runner.calls == []


def test_a_domain_error_of_the_job_is_a_problem_response() -> None:
    reply = endpoints(Runner(ProgrammeUnavailable(programme_id="HR-2026"))).routes()[ROUTE]("", {}, None)
    assert reply["statusCode"] == 503
    body = json.loads(reply["body"])
    assert body["code"] == "programme_unavailable" and "Try again in a minute" in body["detail"]


class Backlogged:
    def __init__(self, counts: list[int]) -> None:
        self._counts = counts

    def backlog(self) -> int:
        return self._counts.pop(0) if len(self._counts) > 1 else self._counts[0]


def test_draining_waits_until_every_queue_is_empty_or_gives_up() -> None:
    assert wait_until_drained([Backlogged([2, 1, 0])], timeout_seconds=5, interval=0) is True
    assert wait_until_drained([Backlogged([0]), Backlogged([1])], timeout_seconds=0, interval=0) is False
