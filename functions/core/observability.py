"""The one observability module: Powertools Logger, Metrics and Tracer, PII masked.

Every function wraps its entry point with `observed(...)`, so the decorator order is the same
everywhere: logger (correlation id) outermost, then tracer, then metrics.

Tracing is opt-in per stage: the template's `Tracing` parameter (Active or Disabled) sets both the
functions' X-Ray mode and their TRACING variable. Off, no Tracer is made: Powertools' Tracer imports
the X-Ray SDK when it is made, even when tracing is disabled, and that costs every cold start.
On, a cold start loads the SDK and patches boto3 (bench/RESULTS.md gives what it adds).
"""

from __future__ import annotations

import os
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


F = TypeVar("F", bound=Callable[..., Any])

logger = Logger(logger_formatter=MaskingFormatter(), utc=True)
metrics = Metrics(namespace="Anubandh")
# Made only where the stage traces (Powertools then still turns it off outside Lambda, or with
# POWERTOOLS_TRACE_DISABLED): making it imports the X-Ray SDK and patches boto3.
tracer: Tracer | None = Tracer() if os.environ.get("TRACING") == "Active" else None


def traced(method: F) -> F:
    """A subsegment for each call where the stage traces; `method` itself where it does not."""
    return method if tracer is None else tracer.capture_method(method)


def observed(correlation_id_path: str | None = None) -> Callable[[F], F]:
    def wrap(handler: F) -> F:
        with_metrics = metrics.log_metrics(capture_cold_start_metric=True)(handler)
        with_tracing = with_metrics if tracer is None else tracer.capture_lambda_handler(with_metrics)
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path, log_event=False)(with_tracing)  # type: ignore[return-value]

    return wrap
