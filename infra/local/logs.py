"""The local stack's log: one readable line per request and per log call, or Powertools' JSON.

Every function logs through the one Powertools Logger of `core.observability`. In the cloud each
Lambda environment runs one invocation at a time, so the keys `inject_lambda_context` appends
(function name, request id, correlation id) and `POWERTOOLS_SERVICE_NAME` are right on every line.
Locally all functions share one process and run on concurrent threads, so the local runner sets
those keys per thread (Powertools' thread-safe keys win over the shared ones) around each invocation:
every line names its own function and service.

`LOG_FORMAT=json` keeps Powertools' structured JSON, as in the cloud; the default is a line a
person reads:

    10:48:51.115 INFO  auth/AuthFunction           POST /v1/auth/otp 202 35ms public
    10:48:51.114 INFO  auth/AuthFunction           notification sent channel=sms to=98******01
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics.provider import cold_start

from core.observability import MaskingFormatter, logger, mask_pii

JSON = "json"
LOCAL_SERVICE = "local-stack"

# Keys every Powertools line carries that the readable line shows in its own columns, or not at all.
_SHOWN_APART = {"level", "location", "message", "timestamp", "service", "function_name"}
_HIDDEN = {
    "cold_start",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "correlation_id",
    "sampling_rate",
    "xray_trace_id",
    "exception",
    "exception_name",
    "exception_notes",
    "stack_trace",
    # the access line's fields: its message says them already
    "http_method",
    "http_path",
    "http_status",
    "duration_ms",
    "caller_role",
}


class ReadableFormatter(MaskingFormatter):
    """Powertools' record, rendered as one line (and the traceback, if any), PII masked as in JSON."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        when = str(log.get("timestamp", ""))
        with suppress(ValueError):
            when = datetime.strptime(when[:23], "%Y-%m-%d %H:%M:%S,%f").strftime("%H:%M:%S.%f")[:-3]
        where = "/".join(str(log[k]) for k in ("service", "function_name") if log.get(k))
        extras = " ".join(f"{k}={v}" for k, v in log.items() if k not in _SHOWN_APART | _HIDDEN)
        line = f"{when} {log.get('level', ''):<5} {where:<36} {log.get('message', '')}"
        if extras:
            line = f"{line}  {extras}"
        if log.get("exception"):
            line = f"{line}\n{log['exception']}"
        return mask_pii(line)


def configure(log_format: str | None) -> None:
    """Readable lines unless `LOG_FORMAT=json`; no metrics noise (metrics are off locally)."""
    if (log_format or "").lower() != JSON:
        handler = logger.registered_handler
        current = logger.registered_formatter
        readable = ReadableFormatter(utc=False)
        if isinstance(current, LambdaPowertoolsFormatter):
            readable.log_format = current.log_format  # the keys appended so far (service, ...) carry over
        handler.setFormatter(readable)
    logger.append_keys(service=LOCAL_SERVICE)  # lines outside any function (start-up, pollers)
    # A function that records no metric of its own is normal here: no warning for it on each start.
    warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "true").lower() == "true":
        # Metrics are off locally (unless asked for), but Powertools prints the ColdStart metric regardless.
        cold_start.is_cold_start = False


@contextmanager
def invocation(keys: Mapping[str, Any]) -> Iterator[None]:
    """The Lambda keys of one invocation, on this thread only, restored afterwards."""
    before = dict(logger.thread_safe_get_current_keys())
    logger.thread_safe_clear_keys()
    logger.thread_safe_append_keys(**keys)
    try:
        yield
    finally:
        logger.thread_safe_clear_keys()
        if before:
            logger.thread_safe_append_keys(**before)


def access(*, method: str, path: str, status: int, duration_ms: float, role: str, service: str, function: str) -> None:
    """The one line per request: method, path, status, time, who called, and which function answered."""
    logger.info(
        f"{method} {path} {status} {duration_ms:.0f}ms {role}",
        extra={
            "http_method": method,
            "http_path": path,
            "http_status": status,
            "duration_ms": round(duration_ms, 1),
            "caller_role": role,
            "service": service,
            "function_name": function,
        },
    )


def caller_role(claims: Mapping[str, Any] | None) -> str:
    """What the token says (the groups claim, as API Gateway flattens it); `public` without one."""
    if claims is None:
        return "public"
    groups = str(claims.get("cognito:groups", "")).strip("[]").split()
    if groups:
        return ",".join(groups)
    username = str(claims.get("cognito:username") or claims.get("username") or "")
    return "employee" if username.startswith("emp:") else "signed-in"


def quiet_library_logs() -> None:
    """Library loggers (moto, botocore, urllib3) say nothing below a warning."""
    for name in ("botocore", "boto3", "urllib3", "moto", "werkzeug"):
        logging.getLogger(name).setLevel(logging.WARNING)
