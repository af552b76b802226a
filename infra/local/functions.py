"""Runs the template's Lambda handlers in this process, as the cloud would invoke them.

A Lambda execution environment serves one event at a time, and a function's module state (its
Powertools resolver's current event and route, its cached clients) belongs to one environment.
Here each function has one environment: its events are served one at a time, in arrival order,
while different functions run concurrently, as separate Lambdas do.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from infra.local.events import LocalLambdaContext

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class FunctionRunner:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._environments: dict[str, threading.Lock] = {}

    def handler(self, dotted: str) -> Handler:
        """`register.handler.lambda_handler` → the function; imported once (a cold start)."""
        with self._lock:
            if dotted not in self._handlers:
                module_name, _, attribute = dotted.rpartition(".")
                self._handlers[dotted] = getattr(importlib.import_module(module_name), attribute)
            return self._handlers[dotted]

    def invoke(
        self, function_id: str, dotted: str, event: dict[str, Any], *, timeout_seconds: int = 29
    ) -> dict[str, Any]:
        handler = self.handler(dotted)
        with self._lock:
            environment = self._environments.setdefault(function_id, threading.Lock())
        with environment:
            return handler(event, LocalLambdaContext(function_id, timeout_seconds=timeout_seconds))
