"""The local stack's log lines: each names its own function and service, even with concurrent invocations."""

from __future__ import annotations

import io
import json
import logging
import threading

from core.observability import MaskingFormatter
from infra.local import logs
from infra.local.ports import in_use_message


def _logger(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    log = logging.getLogger(f"test-local-log-{id(out)}")
    log.propagate = False
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log, out


def _log_concurrently(log: logging.Logger) -> None:
    """Two invocations of different functions, interleaved on two threads."""
    both_inside = threading.Barrier(2)

    def invoke(service: str, function: str) -> None:
        with logs.invocation({"service": service, "function_name": function}):
            both_inside.wait()
            log.info(f"hello from {function}", extra={"mobile": "9812000001"})

    threads = [
        threading.Thread(target=invoke, args=("admin", "AdminFunction")),
        threading.Thread(target=invoke, args=("roll-import", "RollImportFunction")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_invocations_each_log_their_own_function_and_service_readably() -> None:
    # Given the readable format and two functions running at once
    log, out = _logger(logs.ReadableFormatter())
    _log_concurrently(log)
    # Then each line names its own function and service, masks the mobile, and is one line
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 2
    admin = next(line for line in lines if "hello from AdminFunction" in line)
    worker = next(line for line in lines if "hello from RollImportFunction" in line)
    assert " admin/AdminFunction " in admin and admin.endswith("hello from AdminFunction  mobile=98XXXX0001")
    assert " roll-import/RollImportFunction " in worker
    assert "service_undefined" not in out.getvalue()


def test_with_log_format_json_the_lines_are_powertools_json_with_the_same_names() -> None:
    # Given Powertools' JSON formatter (the cloud's; LOG_FORMAT=json locally)
    log, out = _logger(MaskingFormatter())
    _log_concurrently(log)
    # Then every line is JSON naming its own function and service
    records = sorted((json.loads(line) for line in out.getvalue().splitlines()), key=lambda r: r["service"])
    assert [(r["service"], r["function_name"]) for r in records] == [
        ("admin", "AdminFunction"),
        ("roll-import", "RollImportFunction"),
    ]
    assert all(r["mobile"] == "98XXXX0001" for r in records)


def test_the_caller_role_comes_from_the_token_groups_or_says_there_was_none() -> None:
    assert logs.caller_role({"cognito:groups": "[ddo]"}) == "ddo"
    assert logs.caller_role({"cognito:username": "emp:EMP-0001"}) == "employee"
    assert logs.caller_role(None) == "public"


def test_a_taken_port_5000_mentions_airplay_and_the_variable_to_set() -> None:
    assert in_use_message(5000, "MOTO_PORT", 5001) == (
        "port 5000 is in use (on macOS, AirPlay uses it); set MOTO_PORT=5001, e.g. `MOTO_PORT=5001 make run`"
    )
    assert in_use_message(3000, "PORT", None) == "port 3000 is in use; set PORT=a free port"
