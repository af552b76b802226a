"""Employee sign-in by OTP: the code itself, a challenge's life, and the abuse limits. Pure: no I/O.

* **The OTP is never stored**, not even hashed: it is HMAC-SHA256(key, challenge id) cut to six
  digits. The store keeps only the challenge; the SMS sender and the verifier derive the same code
  from the challenge id and the key (Secrets Manager). A leaked table or queue gives no OTP.
* **A challenge** lives 5 minutes and takes 3 wrong answers. A code not on the roll gets a
  challenge too (with no employee), so the answer, its shape and its cost are the same either way;
  it can never be answered.
* **Limits** (SMS costs money; OTP routes attract SMS pumping): per employee code, a resend only
  after 30 s, at most 5 an hour (rolling) and 10 a calendar day (IST); per source IP, a burst limit.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.clock import IST

OTP_DIGITS = 6
OTP_LIFETIME = timedelta(minutes=5)
OTP_ATTEMPTS = 3


def derive_otp(key: bytes, challenge_id: str) -> str:
    digest = hmac.new(key, f"otp|{challenge_id}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**OTP_DIGITS:0{OTP_DIGITS}d}"


def otp_matches(key: bytes, challenge_id: str, answer: str) -> bool:
    return hmac.compare_digest(derive_otp(key, challenge_id), answer)


def proof_digest(proof: str) -> str:
    """What the store keeps of the one-time proof that a challenge was answered (SHA-256 hex)."""
    return hashlib.sha256(proof.encode()).hexdigest()


class ChallengeStatus(StrEnum):
    PENDING = "PENDING"  # waiting for the OTP
    VERIFIED = "VERIFIED"  # answered; its proof may be redeemed once with Cognito
    USED = "USED"  # redeemed: tokens were issued
    LOCKED = "LOCKED"  # three wrong answers


class Challenge(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    challenge_id: str
    employee_code: str | None  # None: the code was not on the roll (nothing was sent)
    created_at: AwareDatetime
    expires_at: AwareDatetime
    attempts_left: int = Field(default=OTP_ATTEMPTS, ge=0)
    status: ChallengeStatus = ChallengeStatus.PENDING
    proof_digest: str | None = None  # once answered: the digest of the proof Cognito's trigger may redeem

    def resumable(self, now: datetime) -> bool:
        """Answered, but its proof never redeemed: the sign-in stopped before Cognito issued the tokens
        (a throttled call, a timeout). While the OTP lives, the same OTP may answer it again."""
        return self.status == ChallengeStatus.VERIFIED and now <= self.expires_at

    @classmethod
    def issue(cls, challenge_id: str, employee_code: str | None, now: datetime) -> Challenge:
        return cls(
            challenge_id=challenge_id, employee_code=employee_code, created_at=now, expires_at=now + OTP_LIFETIME
        )


class Refusal(StrEnum):
    """Why an answer cannot be accepted, before the OTP itself is compared."""

    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"


def refusal(challenge: Challenge | None, now: datetime) -> Refusal | None:
    """An unknown challenge is treated as expired: the store forgets challenges a day after they expire."""
    if challenge is None:
        return Refusal.EXPIRED
    if challenge.status in (ChallengeStatus.VERIFIED, ChallengeStatus.USED):
        return Refusal.USED
    if challenge.status == ChallengeStatus.LOCKED or challenge.attempts_left <= 0:
        return Refusal.LOCKED
    if now > challenge.expires_at:
        return Refusal.EXPIRED
    return None


# ---------------------------------------------------------------------------- limits


class Allowance(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    allowed: bool
    retry_at: AwareDatetime | None = None  # when a refused request may be made again
    why: str | None = None  # "resend", "hour", "day", "burst"

    def retry_after_seconds(self, now: datetime) -> int:
        if self.retry_at is None:
            return 0
        return max(1, int((self.retry_at - now).total_seconds() + 0.999))


class SendLimits(BaseModel):
    """Per employee code: how often an OTP (or a help request) may be sent."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    resend_after: timedelta = timedelta(seconds=30)
    per_hour: int = 5
    per_day: int = 10

    def check(self, sent: Sequence[datetime], now: datetime) -> Allowance:
        """`sent`: the earlier sends still relevant (the store keeps the last day's)."""
        ordered = sorted(sent)
        if ordered and now < ordered[-1] + self.resend_after:
            return Allowance(allowed=False, retry_at=ordered[-1] + self.resend_after, why="resend")
        last_hour = [t for t in ordered if t > now - timedelta(hours=1)]
        if len(last_hour) >= self.per_hour:
            # the hour frees up when the oldest send within it leaves the window
            return Allowance(allowed=False, retry_at=last_hour[-self.per_hour] + timedelta(hours=1), why="hour")
        today = now.astimezone(IST).date()
        if len([t for t in ordered if t.astimezone(IST).date() == today]) >= self.per_day:
            tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=IST)
            return Allowance(allowed=False, retry_at=tomorrow, why="day")
        return Allowance(allowed=True)

    def keep(self, sent: Sequence[datetime], now: datetime) -> list[datetime]:
        """What the next check needs: the sends of the last day."""
        return sorted(t for t in sent if t > now - timedelta(days=1))


class BurstLimit(BaseModel):
    """Per source IP: at most `requests` in any `window`. Mobile carriers put many phones behind one
    address (CGNAT), so this is a burst brake, not the SMS budget (that is the per-code limit)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    requests: int = 30
    window: timedelta = timedelta(minutes=1)

    def check(self, seen: Sequence[datetime], now: datetime) -> Allowance:
        recent = sorted(t for t in seen if t > now - self.window)
        if len(recent) >= self.requests:
            return Allowance(allowed=False, retry_at=recent[-self.requests] + self.window, why="burst")
        return Allowance(allowed=True)

    def keep(self, seen: Sequence[datetime], now: datetime) -> list[datetime]:
        return sorted(t for t in seen if t > now - self.window)


class SignInLimits(BaseModel):
    """The limits of the sign-in routes: OTPs and help requests per employee code, requests per IP."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    otp: SendLimits
    help: SendLimits
    burst: BurstLimit
