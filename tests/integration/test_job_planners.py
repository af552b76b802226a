"""A cold start of the planner builds only what the requested job's family needs (on moto)."""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType
from typing import Any

import pytest

from core import wiring as core_wiring
from reminders import job_wiring
from reminders.planners import wiring
from tests.integration.test_deadline_jobs import _fresh_settings, run_job

pytestmark = pytest.mark.usefixtures("seeded", _fresh_settings.__name__)

STORES = (
    "CounterStore",
    "DirectoryStore",
    "GrievanceStore",
    "JobRunStore",
    "NotificationStore",
    "ProgrammeStore",
    "RegistrationStore",
    "ReportStore",
    "RollStore",
    "WorkQueue",
)


class Recorded:
    """A store class that notes each one built (by its constructor or `for_function`)."""

    def __init__(self, real: Any, built: list[str]) -> None:
        self._real = real
        self._built = built

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._built.append(self._real.__name__)
        return self._real(*args, **kwargs)

    def for_function(self, *args: Any, **kwargs: Any) -> Any:
        self._built.append(self._real.__name__)
        return self._real.for_function(*args, **kwargs)


def noting_builds(monkeypatch: pytest.MonkeyPatch, function_wiring: ModuleType, names: Iterable[str]) -> list[str]:
    """The list each class of `names` notes itself in when built, wherever the job function builds it: its
    own wiring, the stores both job functions build (job_wiring), or every function's (the programme)."""
    built: list[str] = []
    for name in names:
        module = next(m for m in (function_wiring, job_wiring, core_wiring) if hasattr(m, name))
        monkeypatch.setattr(module, name, Recorded(getattr(module, name), built))
    return built


@pytest.mark.parametrize(
    ("job", "needs"),
    [
        ("state-metrics", ["CounterStore"]),
        ("superannuation-notice", ["RollStore", "WorkQueue"]),
        ("deliver-notifications", ["NotificationStore", "WorkQueue"]),
        ("grievance-sla", ["GrievanceStore", "ProgrammeStore", "WorkQueue"]),
        (
            "registration-reminders",
            ["CounterStore", "ProgrammeStore", "RegistrationStore", "RollStore", "WorkQueue"],
        ),
        (
            "officer-digest",
            ["DirectoryStore", "GrievanceStore", "ProgrammeStore", "RegistrationStore", "WorkQueue"],
        ),
        (
            "close-registration",
            ["JobRunStore", "NotificationStore", "ProgrammeStore", "RegistrationStore", "ReportStore", "WorkQueue"],
        ),
    ],
)
def test_a_job_builds_only_the_stores_its_planner_needs(
    job: str, needs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a fresh cold start whose stores note when they are built
    built = noting_builds(monkeypatch, wiring, STORES)
    # When one job runs, and then runs again
    run_job(job, dry_run=True)
    run_job(job, dry_run=True)
    # Then only its own stores were built, each once
    assert sorted(built) == needs
