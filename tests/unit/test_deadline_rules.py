"""When each deadline job is due: from the first instant after 23:59:59 IST of its window. Pure."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.clock import IST
from reminders.models import JOBS, JobName, WorkBatch
from tests import factories

PROGRAMME = factories.programme()


@pytest.mark.parametrize(
    ("job", "now", "due"),
    [
        (JobName.CLOSE_REGISTRATION, datetime(2026, 1, 31, 23, 59, 59, 999_999, tzinfo=IST), False),
        (JobName.CLOSE_REGISTRATION, datetime(2026, 2, 1, 0, 0, tzinfo=IST), True),
        (JobName.CLOSE_VERIFICATION, datetime(2026, 2, 28, 23, 59, 59, 999_999, tzinfo=IST), False),
        (JobName.CLOSE_VERIFICATION, datetime(2026, 3, 1, 0, 0, tzinfo=IST), True),
        (JobName.CLOSE_VERIFICATION, datetime(2026, 2, 1, 0, 0, tzinfo=IST), False),
    ],
)
def test_a_job_is_due_only_after_the_last_second_of_its_window(job: JobName, now: datetime, due: bool) -> None:
    assert JOBS[job].is_due(PROGRAMME, now) is due


def test_the_same_instant_in_utc_is_the_same_answer() -> None:
    last_second_utc = datetime.fromisoformat("2026-01-31T18:29:59+00:00")
    assert JOBS[JobName.CLOSE_REGISTRATION].is_due(PROGRAMME, last_second_utc) is False
    assert JOBS[JobName.CLOSE_REGISTRATION].is_due(PROGRAMME, datetime.fromisoformat("2026-01-31T18:30:00+00:00"))


def test_each_job_reads_its_deadline_from_the_programme() -> None:
    extended = factories.programme(verification_closes_at=datetime(2026, 3, 7, 23, 59, 59, tzinfo=IST))
    assert JOBS[JobName.CLOSE_VERIFICATION].deadline(extended) == datetime(2026, 3, 7, 23, 59, 59, tzinfo=IST)
    assert JOBS[JobName.CLOSE_REGISTRATION].deadline(extended) == factories.REGISTRATION_CLOSES


def test_a_work_message_names_a_known_job_and_at_least_one_record() -> None:
    body = {
        "job": "close-verification",
        "programme_id": "HR-2026",
        "deadline": "2026-02-28T23:59:59+05:30",
        "ddo_code": "DDO-PKL-001",
        "registration_ids": ["REG-1"],
    }
    assert WorkBatch.model_validate(body).job == JobName.CLOSE_VERIFICATION
    for broken in ({"registration_ids": []}, {"job": "close-everything"}, {"extra": 1}):
        with pytest.raises(ValueError):
            WorkBatch.model_validate({**body, **broken})
