"""Runs the template's Lambda handlers in this process, as the cloud would invoke them."""

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
        return self.handler(dotted)(event, LocalLambdaContext(function_id, timeout_seconds=timeout_seconds))
