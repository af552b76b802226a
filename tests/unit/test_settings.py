"""A function's settings come from its environment, as Lambda sets it from the template."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import FunctionSettings
from reminders.settings import PlannerSettings


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("PROGRAMME_ID", "HR-2026")
    monkeypatch.setenv("SETTINGS_TABLE", "settings")
    monkeypatch.delenv("SETTINGS_CACHE_SECONDS", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return monkeypatch


def test_each_field_is_read_from_the_variable_of_its_name_in_any_case(environment: pytest.MonkeyPatch) -> None:
    # Given upper-case variables (as the template names them) and one in lower case
    environment.setenv("aws_endpoint_url", "http://127.0.0.1:5000")
    environment.setenv("UNRELATED_VARIABLE", "ignored")

    settings = FunctionSettings.from_environment()

    assert (settings.programme_id, settings.settings_table) == ("HR-2026", "settings")
    assert settings.aws_endpoint_url == "http://127.0.0.1:5000"
    assert settings.settings_cache_seconds == 60  # the default where no variable is set


def test_values_are_converted_and_checked_as_the_field_says(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("SETTINGS_CACHE_SECONDS", "5")
    assert FunctionSettings.from_environment().settings_cache_seconds == 5

    environment.setenv("SETTINGS_CACHE_SECONDS", "soon")
    with pytest.raises(ValidationError, match="settings_cache_seconds"):
        FunctionSettings.from_environment()


def test_a_missing_variable_or_one_out_of_range_fails_at_once(environment: pytest.MonkeyPatch) -> None:
    for name in ("REGISTRATIONS_TABLE", "GRIEVANCES_TABLE", "ROLL_TABLE", "DIRECTORY_TABLE", "NOTIFICATIONS_TABLE"):
        environment.setenv(name, name.lower())
    for name in ("JOB_RUNS_TABLE", "REPORTS_BUCKET", "WORK_QUEUE_URL", "COUNTERS_TABLE"):
        environment.setenv(name, name.lower())
    assert PlannerSettings.from_environment().work_batch_size == 25

    environment.setenv("WORK_BATCH_SIZE", "101")  # at most 100 messages in a batch
    with pytest.raises(ValidationError, match="work_batch_size"):
        PlannerSettings.from_environment()
    environment.delenv("WORK_BATCH_SIZE")
    environment.delenv("REPORTS_BUCKET")
    with pytest.raises(ValidationError, match="reports_bucket"):
        PlannerSettings.from_environment()


def test_settings_cannot_change_once_read(environment: pytest.MonkeyPatch) -> None:
    settings = FunctionSettings.from_environment()
    with pytest.raises(ValidationError):
        settings.programme_id = "UP-2026"  # type: ignore[misc]
