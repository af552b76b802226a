"""Every test runs with dummy AWS credentials: nothing can reach real AWS."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The contract fuzz's case count per role (tests/api/test_contract_fuzz.py), under the results (here,
    not in tests/api/conftest.py: the xdist controller loads only this conftest)."""
    counts = [
        (name.removeprefix("contract_fuzz_"), int(value))
        for report in terminalreporter.getreports("passed")
        for name, value in report.user_properties
        if name.startswith("contract_fuzz_")
    ]
    if counts:
        per_role = ", ".join(f"{role} {value}" for role, value in counts)
        total = sum(value for _, value in counts)
        terminalreporter.write_line(f"contract fuzz: {total} cases ({per_role}), every check passed")
    faults = [
        (name.removeprefix("faults "), int(value))
        for report in terminalreporter.getreports("passed")
        for name, value in report.user_properties
        if name.startswith("faults ")
    ]
    if faults:
        per_action = ", ".join(f"{action} {count}" for action, count in faults)
        total = sum(count for _, count in faults)
        terminalreporter.write_line(f"fault injection: {total} faults over {len(faults)} actions ({per_action})")
