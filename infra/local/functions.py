"""Runs the template's Lambda handlers in this process, as the cloud would invoke them.

A Lambda execution environment serves one event at a time, and a function's module state (its
Powertools resolver's current event and route, its cached clients) belongs to one environment.
Here each function has one environment: its events are served one at a time, in arrival order,
while different functions run concurrently, as separate Lambdas do.

All functions share this process, and so every module they import. Powertools keeps the event a
resolver serves in a class attribute, `BaseRouter.current_event` (and `lambda_context`): one per
process, which in Lambda is one function's environment and here is every function's. So a grievance
route read the register function's concurrent event, and acted for its caller (a DDO's filing got 403,
another employee's became theirs). `own_event_per_resolver` gives each resolver its own.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from infra.local import logs
from infra.local.events import LocalLambdaContext

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def own_event_per_resolver() -> None:
    """Each resolver reads the event it serves, not the one Powertools last set for the process.

    Powertools' `resolve` sets `BaseRouter.current_event` and then reads `self.current_event`; an
    attribute of the resolver itself, set first, shadows the class's. A function's resolver serves
    one event at a time (one environment, below), so its attribute is its environment's event.
    """
    original = ApiGatewayResolver.resolve
    if getattr(original, "_own_event", False):
        return

    @functools.wraps(original)
    def resolve(self: ApiGatewayResolver, event: Any, context: Any) -> dict[str, Any]:
        raw = event.raw_event if isinstance(event, BaseProxyEvent) else event
        self.current_event = self._to_proxy_event(raw)
        self.lambda_context = context
        return original(self, event, context)

    resolve._own_event = True  # type: ignore[attr-defined]
    ApiGatewayResolver.resolve = resolve  # type: ignore[method-assign]


class FunctionRunner:
    def __init__(self, services: Mapping[str, str] | None = None) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._services = dict(services or {})  # logical id -> its POWERTOOLS_SERVICE_NAME
        self._environments: dict[str, threading.Lock] = {}
        own_event_per_resolver()

    def service(self, function_id: str) -> str:
        return self._services.get(function_id, function_id)

    def handler(self, dotted: str) -> Handler:
        """`register.handler.lambda_handler` → the function; imported once (a cold start)."""
        return self._load(dotted)[0]

    def _load(self, dotted: str) -> tuple[Handler, bool]:
        with self._lock:
            cold = dotted not in self._handlers
            if cold:
                module_name, _, attribute = dotted.rpartition(".")
                self._handlers[dotted] = getattr(importlib.import_module(module_name), attribute)
            return self._handlers[dotted], cold

    def invoke(
        self, function_id: str, dotted: str, event: dict[str, Any], *, timeout_seconds: int = 29
    ) -> dict[str, Any]:
        handler, cold = self._load(dotted)
        with self._lock:
            environment = self._environments.setdefault(function_id, threading.Lock())
        with environment:
            context = LocalLambdaContext(function_id, timeout_seconds=timeout_seconds)
            # What inject_lambda_context appends, but for this thread only: concurrent invocations of
            # other functions must not lend their names to this one's lines.
            keys = {
                "service": self.service(function_id),
                "function_name": function_id,
                "function_memory_size": context.memory_limit_in_mb,
                "function_arn": context.invoked_function_arn,
                "function_request_id": context.aws_request_id,
                "cold_start": cold,
                "correlation_id": (event.get("requestContext") or {}).get("requestId"),
            }
            with logs.invocation(keys):
                return handler(event, context)
