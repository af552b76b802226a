"""`/_local/*`: endpoints only the local stack has (login, clock, outbox, jobs, the stack's outputs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from botocore.exceptions import ClientError

from core.clock import IST, SettableClock
from core.errors import DomainError
from core.http import status_of
from core.language import DEFAULT_LANGUAGE
from core.problem_texts import render_problem
from core.store.notifications import NotificationStore
from infra.local.functions import FunctionRunner
from infra.local.gateway import LocalEndpoint, Response, gateway_problem, json_response
from infra.local.seed import DEMO_PASSWORD
from infra.local.template import ScheduledJob

# How long `{"wait": true}` waits for the work queues to drain.
DRAIN_TIMEOUT_SECONDS = 30.0
_JOB_OPTIONS = {"dry_run", "wait"}


def _json_body(body: bytes | None) -> dict[str, Any]:
    if not body:
        return {}
    parsed = json.loads(body)
    if not isinstance(parsed, dict):
        raise ValueError("the body must be a JSON object")
    return parsed


class LocalEndpoints:
    def __init__(
        self,
        *,
        cognito: Any,
        user_pool_id: str,
        client_id: str,
        clock: SettableClock,
        jobs: Mapping[str, ScheduledJob] | None = None,
        runner: FunctionRunner | None = None,
        drain: Callable[[float], bool] | None = None,
        ledger: NotificationStore | None = None,
        functions: Mapping[str, tuple[str, str]] | None = None,
        sms_sent: Callable[[], Mapping[str, Mapping[str, str]]] | None = None,
        demo_names: Mapping[str, str] | None = None,
        stack: Mapping[str, Any] | None = None,
    ) -> None:
        self._cognito = cognito
        self._pool = user_pool_id
        self._client = client_id
        self._clock = clock
        self._jobs = dict(jobs or {})
        self._runner = runner or FunctionRunner()
        self._drain = drain
        self._ledger = ledger
        self._functions = dict(functions or {})  # physical name -> (logical id, handler)
        self._sms_sent = sms_sent
        self._demo_names = dict(demo_names or {})  # "employee1" -> its Cognito username
        self._stack = dict(stack or {})

    def routes(self) -> dict[tuple[str, str], LocalEndpoint]:
        routes: dict[tuple[str, str], LocalEndpoint] = {
            ("POST", "/_local/login"): self.login,
            ("GET", "/_local/clock"): self.read_clock,
            ("POST", "/_local/clock"): self.set_clock,
            ("GET", "/_local/outbox"): self.outbox,
            ("GET", "/_local/stack"): self.stack,
        }
        for name, job in self._jobs.items():  # one route per job the template schedules
            routes[("POST", f"/_local/jobs/{name}")] = self._job_endpoint(job)
        for name, (function_id, handler) in self._functions.items():  # Lambda's Invoke, for moto's Cognito
            routes[("POST", f"/_local/lambda/{name}")] = self._invoke_endpoint(function_id, handler)
        return routes

    def _invoke_endpoint(self, function_id: str, handler: str) -> LocalEndpoint:
        """What Lambda's Invoke API does for a trigger: the event in, the function's answer out."""

        def endpoint(_query: str, _headers: Mapping[str, str], body: bytes | None) -> Response:
            try:
                event = _json_body(body)
            except ValueError:
                return gateway_problem(422, "validation_error", "Invalid event", "Send the event as a JSON object.")
            return json_response(200, self._runner.invoke(function_id, handler, event))

        return endpoint

    def _job_endpoint(self, job: ScheduledJob) -> LocalEndpoint:
        def endpoint(_query: str, _headers: Mapping[str, str], body: bytes | None) -> Response:
            return self.run_job(job, body)

        return endpoint

    def run_job(self, job: ScheduledJob, body: bytes | None) -> Response:
        """Runs the job's scheduled invocation now, against the local clock: `{"dry_run"?, "wait"?}`.

        The planner's answer comes back at once; the work queue is worked by the pollers as in the
        cloud. `"wait": true` also waits (up to 30 s) until the work queues have drained.
        """
        try:
            options = _json_body(body)
            unknown = set(options) - _JOB_OPTIONS
            if unknown or not all(isinstance(options.get(k, False), bool) for k in _JOB_OPTIONS):
                raise ValueError(f"unknown or non-boolean options: {sorted(unknown) or sorted(options)}")
        except ValueError:
            return gateway_problem(
                422, "validation_error", "Invalid job options", 'Send {"dry_run": true} and/or {"wait": true}.'
            )
        event = {**job.payload, "dry_run": options.get("dry_run", False)}
        try:
            plan = self._runner.invoke(job.function_id, job.handler, event)
        except DomainError as error:
            words = render_problem(error.code, error.reason, error.params, DEFAULT_LANGUAGE)
            return gateway_problem(status_of(error), error.code, words.title, words.detail)
        drained = None
        if options.get("wait") and self._drain is not None:
            drained = self._drain(DRAIN_TIMEOUT_SECONDS)
        return json_response(200, {"job": job.name, "plan": plan, "drained": drained})

    def login(self, _query: str, _headers: Mapping[str, str], body: bytes | None) -> Response:
        """Real Cognito tokens for a seeded demo user (the cloud logs in by OTP instead)."""
        try:
            username = str(_json_body(body)["username"])
        except (ValueError, KeyError):
            return gateway_problem(422, "validation_error", "Invalid request", 'Send {"username": "employee1"}.')
        try:
            result = self._cognito.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._client,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": self._demo_names.get(username, username), "PASSWORD": DEMO_PASSWORD},
            )["AuthenticationResult"]
        except ClientError:
            return gateway_problem(401, "unknown_user", "No such demo user", f"{username} is not a seeded user.")
        return json_response(
            200,
            {"id_token": result["IdToken"], "access_token": result["AccessToken"], "expires_in": result["ExpiresIn"]},
        )

    def stack(self, _query: str, _headers: Mapping[str, str], _body: bytes | None) -> Response:
        """What `aws cloudformation describe-stacks` gives the operator CLI in the cloud: the stack's
        name, region and Outputs (the template's, resolved locally), plus moto's endpoint, so
        `anubandh ... --local URL` works against `make run` exactly as `--stack NAME` against AWS."""
        return json_response(200, self._stack)

    def _clock_view(self) -> Response:
        return json_response(200, {"now": self._clock.now().isoformat(), "frozen": self._clock.frozen})

    def read_clock(self, _query: str, _headers: Mapping[str, str], _body: bytes | None) -> Response:
        return self._clock_view()

    def set_clock(self, _query: str, _headers: Mapping[str, str], body: bytes | None) -> Response:
        """`{"now": ISO-8601 with offset, "frozen"?: bool}`; `{"reset": true}` returns to real time."""
        try:
            request = _json_body(body)
            if request.get("reset"):
                self._clock.reset()
            else:
                instant = datetime.fromisoformat(str(request["now"]))
                self._clock.set(instant, frozen=bool(request.get("frozen", False)))
        except (ValueError, KeyError):
            return gateway_problem(
                422, "validation_error", "Invalid clock", 'Send {"now": "2026-01-31T23:59:00+05:30"}.'
            )
        return self._clock_view()

    def outbox(self, query: str, _headers: Mapping[str, str], _body: bytes | None) -> Response:
        """What was sent on a day (`?day=YYYY-MM-DD`, default the local clock's day in IST), from the
        delivery ledger: recipient, masked address, channel, template, language, DLT ids, text, and the
        message id moto's SNS or SES answered with (moto drops SMS attributes, so the ledger keeps them).
        An SMS's text is what the phone received, as moto's SNS recorded it: an OTP is readable here."""
        day = parse_qs(query).get("day", [self._clock.now().astimezone(IST).date().isoformat()])[0]
        if self._ledger is None:
            return json_response(200, {"day": day, "items": []})
        fields = ("recipient", "channel", "to_masked", "template", "language", "dlt_entity_id", "dlt_template_id")
        items = [
            {
                **{f: entry.get(f) for f in fields},
                "campaign": entry.get("campaign"),
                "text": entry.get("text"),
                "status": entry.get("status"),
                "sent_at": entry.get("sent_at"),
                "message_id": entry.get("message_id"),
            }
            for entry in self._ledger.ledger_of_day(day)
        ]
        # What the phones received (moto's SNS): the full text, where the ledger masks a secret (an OTP).
        received = self._sms_sent() if self._sms_sent is not None else {}
        for item in items:
            delivered = received.get(str(item["message_id"]))
            if item["channel"] == "sms" and delivered is not None:
                item["text"] = delivered["text"]
        items.sort(key=lambda i: (str(i["sent_at"]), str(i["recipient"]), str(i["channel"])))
        return json_response(200, {"day": day, "items": items})
