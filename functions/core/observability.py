"""The one observability module: Powertools Logger, Metrics and Tracer, PII masked.

Every function wraps its entry point with `observed(...)`, so the decorator order is the same
everywhere: logger (correlation id) outermost, then tracer, then metrics.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

_MOBILE = re.compile(r"(?<!\d)(\+91[\s-]?)?([6-9]\d)\d{4}(\d{4})(?!\d)")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
_AADHAAR = re.compile(r"(?<!\d)\d{4}\s?\d{4}\s?(\d{4})(?!\d)")


def mask_pii(text: str) -> str:
    """Mobile numbers keep their first two and last four digits, e-mails their first letter."""
    text = _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}XXXX{m.group(3)}", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _AADHAAR.sub(lambda m: f"XXXXXXXX{m.group(1)}", text)


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Masks after serialising, so PII is caught wherever it hides in a log line."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        return mask_pii(super().serialize(log))


logger = Logger(logger_formatter=MaskingFormatter(), utc=True)
metrics = Metrics(namespace="Anubandh")
# Powertools imports the X-Ray SDK lazily; it loads only when tracing is enabled.
tracer = Tracer()

F = TypeVar("F", bound=Callable[..., Any])


def observed(correlation_id_path: str | None = None) -> Callable[[F], F]:
    def wrap(handler: F) -> F:
        with_metrics = metrics.log_metrics(capture_cold_start_metric=True)(handler)
        with_tracing = tracer.capture_lambda_handler(with_metrics)
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path, log_event=False)(with_tracing)  # type: ignore[return-value]

    return wrap
