"""The OTP, a challenge's life and the abuse limits: pure rules, no AWS."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.clock import IST
from core.otp import (
    BurstLimit,
    Challenge,
    ChallengeStatus,
    Refusal,
    SendLimits,
    derive_otp,
    otp_matches,
    refusal,
)

KEY = b"k" * 64
NOON = datetime(2026, 1, 31, 12, 0, tzinfo=IST)


def test_the_otp_is_six_digits_derived_from_key_and_challenge() -> None:
    otp = derive_otp(KEY, "OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3B")
    assert len(otp) == 6 and otp.isdigit()
    assert otp == derive_otp(KEY, "OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3B")  # the sender and the verifier agree
    assert otp != derive_otp(b"another key", "OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3B")
    assert otp_matches(KEY, "OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3B", otp)
    assert not otp_matches(KEY, "OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3C", otp)


def test_otps_spread_over_the_six_digits() -> None:
    otps = {derive_otp(KEY, f"OTP-{n:026d}") for n in range(2000)}
    assert len(otps) > 1990  # few collisions among 2,000 of a million values
    assert any(o.startswith("0") for o in otps)  # leading zeros are kept


def test_a_challenge_lives_five_minutes_inclusive() -> None:
    challenge = Challenge.issue("OTP-1", "EMP-0001", NOON)
    assert refusal(challenge, NOON + timedelta(minutes=5)) is None
    assert refusal(challenge, NOON + timedelta(minutes=5, microseconds=1)) == Refusal.EXPIRED


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"status": ChallengeStatus.VERIFIED}, Refusal.USED),
        ({"status": ChallengeStatus.USED}, Refusal.USED),
        ({"status": ChallengeStatus.LOCKED, "attempts_left": 0}, Refusal.LOCKED),
        ({"attempts_left": 0}, Refusal.LOCKED),
        ({}, None),
    ],
)
def test_answered_used_and_locked_challenges_are_refused(update: dict[str, object], expected: Refusal | None) -> None:
    challenge = Challenge.issue("OTP-1", "EMP-0001", NOON).model_copy(update=update)
    assert refusal(challenge, NOON) == expected


def test_a_missing_challenge_reads_as_expired() -> None:
    assert refusal(None, NOON) == Refusal.EXPIRED


LIMITS = SendLimits()


def test_a_resend_waits_thirty_seconds() -> None:
    refused = LIMITS.check([NOON], NOON + timedelta(seconds=29))
    assert (refused.allowed, refused.why, refused.retry_at) == (False, "resend", NOON + timedelta(seconds=30))
    assert refused.retry_after_seconds(NOON + timedelta(seconds=29)) == 1
    assert LIMITS.check([NOON], NOON + timedelta(seconds=30)).allowed


def test_five_an_hour_on_a_rolling_hour() -> None:
    sent = [NOON + timedelta(minutes=10 * n) for n in range(5)]  # 12:00 ... 12:40
    at = NOON + timedelta(minutes=50)
    refused = LIMITS.check(sent, at)
    assert (refused.allowed, refused.why) == (False, "hour")
    assert refused.retry_at == NOON + timedelta(hours=1)  # when 12:00 leaves the window
    assert LIMITS.check(sent, NOON + timedelta(hours=1, seconds=1)).allowed


def test_ten_a_calendar_day_in_ist() -> None:
    # Ten sends spread over the morning of 31 January (never five in an hour)
    morning = datetime(2026, 1, 31, 0, 30, tzinfo=IST)
    sent = [morning + timedelta(hours=n) for n in range(10)]  # 00:30 ... 09:30
    refused = LIMITS.check(sent, datetime(2026, 1, 31, 23, 50, tzinfo=IST))
    assert (refused.allowed, refused.why) == (False, "day")
    assert refused.retry_at == datetime(2026, 2, 1, 0, 0, tzinfo=IST)
    # At midnight IST the day starts afresh
    assert LIMITS.check(sent, datetime(2026, 2, 1, 0, 0, 1, tzinfo=IST)).allowed


def test_the_store_keeps_a_day_of_sends_only() -> None:
    old, recent = NOON - timedelta(days=1, seconds=1), NOON - timedelta(hours=23)
    assert LIMITS.keep([recent, old], NOON) == [recent]


def test_a_burst_from_one_address_is_braked_for_the_rest_of_its_window() -> None:
    brake = BurstLimit(requests=3, window=timedelta(minutes=1))
    seen = [NOON, NOON + timedelta(seconds=10), NOON + timedelta(seconds=20)]
    refused = brake.check(seen, NOON + timedelta(seconds=30))
    assert (refused.allowed, refused.why, refused.retry_at) == (False, "burst", NOON + timedelta(minutes=1))
    assert brake.check(seen, NOON + timedelta(minutes=1, seconds=1)).allowed
    assert brake.keep(seen, NOON + timedelta(seconds=65)) == seen[1:]
