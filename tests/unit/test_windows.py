"""Window arithmetic in IST: deadlines are inclusive to 23:59:59.999."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.clock import IST, SettableClock
from core.programme import Window
from core.uploads import PRESIGN_TTL, upload_expiry
from tests import factories

REGISTRATION = factories.programme().registration


@pytest.mark.parametrize(
    ("instant", "is_open"),
    [
        (datetime(2025, 12, 24, 23, 59, 59, 999_999, tzinfo=IST), False),
        (datetime(2025, 12, 25, 0, 0, tzinfo=IST), True),
        (datetime(2026, 1, 31, 23, 59, 59, tzinfo=IST), True),
        (datetime(2026, 1, 31, 23, 59, 59, 999_000, tzinfo=IST), True),
        (datetime(2026, 2, 1, 0, 0, tzinfo=IST), False),
        # The same instants given in UTC: 18:29:59.999Z is still 31 January in India.
        (datetime(2026, 1, 31, 18, 29, 59, 999_000, tzinfo=UTC), True),
        (datetime(2026, 1, 31, 18, 30, tzinfo=UTC), False),
    ],
)
def test_registration_window_is_inclusive_to_the_last_second(instant: datetime, is_open: bool) -> None:
    assert REGISTRATION.is_open(instant) is is_open


def test_a_window_cannot_close_before_it_opens() -> None:
    with pytest.raises(ValueError, match="cannot close before it opens"):
        Window(opens_at=datetime(2026, 2, 1, tzinfo=IST), closes_at=datetime(2026, 1, 1, tzinfo=IST))


def test_verification_must_close_after_registration() -> None:
    with pytest.raises(ValueError, match="verification must close after registration"):
        factories.programme(verification_closes_at=datetime(2026, 1, 1, tzinfo=IST))


def test_seconds_left_counts_to_the_end_of_the_last_second() -> None:
    assert REGISTRATION.seconds_left(datetime(2026, 1, 31, 23, 59, 0, tzinfo=IST)) == 60
    assert REGISTRATION.seconds_left(datetime(2026, 2, 2, tzinfo=IST)) == 0


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 20, 10, 0, tzinfo=IST), datetime(2026, 1, 20, 10, 0, tzinfo=IST) + PRESIGN_TTL),
        (datetime(2026, 1, 31, 23, 50, tzinfo=IST), datetime(2026, 2, 1, 0, 0, tzinfo=IST)),
        (datetime(2026, 2, 1, 0, 0, tzinfo=IST), None),
    ],
)
def test_upload_urls_never_outlive_the_window(now: datetime, expected: datetime | None) -> None:
    assert upload_expiry(now, REGISTRATION.ends_before) == expected


def test_settable_clock_runs_from_the_set_instant_or_stays_frozen() -> None:
    clock = SettableClock()
    instant = datetime(2026, 1, 31, 23, 59, 0, tzinfo=IST)
    clock.set(instant, frozen=True)
    assert clock.now() == instant
    assert clock.frozen
    clock.set(instant)
    assert timedelta(0) <= clock.now() - instant < timedelta(seconds=5)
    assert clock.now().utcoffset() == timedelta(hours=5, minutes=30)
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_settable_clock_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        SettableClock().set(datetime(2026, 1, 1))
