"""Employee sign-in by OTP to the mobile on the roll, as domain operations (no HTTP here).

`request_otp` answers the same (a new challenge, the same writes, one queued message) whether or not
the code is on the roll, so the roll cannot be enumerated by answer or by timing; the SMS is sent
by the queue's consumer (`send_otp`). `verify` checks the OTP, creates the employee's Cognito user
at the first sign-in, links it to the roll entry in the directory, and has Cognito issue the tokens
through the custom challenge, answered with a one-time proof (see auth/challenge.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from core.auth import Principal, Role
from core.aws_faults import AWS_ERRORS, describe
from core.clock import IST, Clock, SystemClock
from core.corrections import HelpRequest
from core.delivery import Channel, Deliverer
from core.errors import Busy, DomainError, OtpExpired, OtpInvalid, OtpLocked, OtpUsed, TooManyRequests
from core.identity import Directory, IdentityLink
from core.ids import new_challenge_id
from core.mobile_help import open_mobile_correction
from core.observability import logger, metrics
from core.otp import (
    Allowance,
    BurstLimit,
    Challenge,
    ChallengeStatus,
    Refusal,
    SendLimits,
    SignInLimits,
    derive_otp,
    otp_matches,
)
from core.otp import proof_digest as digest_of
from core.otp import refusal as refusal_of
from core.store.sign_in import Slot
from core.user_pool import Tokens, UserPool, employee_username

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import (
        CounterTransitions,
        EventCommits,
        HelpCorrections,
        IdentityLinks,
        Programmes,
        RollEntries,
        SignInRecords,
        WorkSends,
    )

VERIFY_ATTEMPTS = 3  # re-reads when a concurrent answer changed the challenge


def _refuse(allowance: Allowance, now: datetime) -> TooManyRequests:
    # The situation (resend, hour, day; a burst by default) chooses the words in core.problem_texts.
    seconds, at = allowance.retry_after_seconds(now), allowance.retry_at
    if allowance.why == "resend":
        return TooManyRequests("resend", retry_after_seconds=seconds, retry_at=at)
    if allowance.why == "hour":
        return TooManyRequests("hour", retry_after_seconds=seconds, retry_at=at)
    if allowance.why == "day":
        return TooManyRequests("day", retry_after_seconds=seconds, retry_at=at)
    return TooManyRequests(retry_after_seconds=seconds, retry_at=at)


class SignInService:
    def __init__(
        self,
        *,
        programme_id: str,
        programmes: Programmes,
        sign_in: SignInRecords,
        roll: RollEntries,
        directory: IdentityLinks,
        principals: Directory,
        user_pool: UserPool,
        otp_key: Callable[[], bytes],
        queue: WorkSends,
        deliverer: Deliverer,
        corrections: HelpCorrections,
        events: EventCommits,
        counters: CounterTransitions,
        clock: Clock,
        limits: SignInLimits,
    ) -> None:
        self._programme_id = programme_id
        self._programmes = programmes
        self._sign_in = sign_in
        self._roll = roll
        self._directory = directory
        self._principals = principals
        self._user_pool = user_pool
        self._otp_key = otp_key
        self._queue = queue
        self._deliverer = deliverer
        self._corrections = corrections
        self._events = events
        self._counters = counters
        self._clock = clock
        self._limits = limits

    def _take(self, kind: str, key: str, limit: SendLimits | BurstLimit, now: datetime) -> Slot:
        allowance, slot = self._sign_in.take(kind, key, limit, now)
        if slot is None:
            metrics.add_metric(name="SignInRateLimited", unit=MetricUnit.Count, value=1)
            logger.info("sign-in request limited", extra={"limit": kind, "why": allowance.why})
            raise _refuse(allowance, now)
        return slot

    @contextmanager
    def _limited(self, now: datetime, *limits: tuple[str, str, SendLimits | BurstLimit]) -> Iterator[None]:
        """Counts the request against each limit, in order (a refusal raises 429), for the work inside.
        If that work fails for a reason the client is told to retry (an AWS fault, 503), the request did
        nothing, so it counts for nothing: its slots are given back, and the retry is not refused."""
        slots: list[Slot] = []
        try:
            for kind, key, limit in limits:
                slots.append(self._take(kind, key, limit, now))
            yield
        except (*AWS_ERRORS, DomainError) as error:
            if isinstance(error, DomainError) and error.retry_after_seconds is None:
                raise  # refused (429 included): it counts
            for slot in reversed(slots):
                self._give_back(slot)
            raise

    def _give_back(self, slot: Slot) -> None:
        try:
            self._sign_in.give_back(slot)
        except AWS_ERRORS as error:  # the request's own failure is what the client hears of
            logger.warning("sign-in limit slot not given back", extra=describe(error))

    # ------------------------------------------------------------------ OTP
    def request_otp(self, employee_code: str, source_ip: str) -> tuple[Challenge, datetime]:
        """A new challenge and when the next may be asked for. The same work whether or not the code is on the roll."""
        now = self._clock.now()
        with self._limited(now, ("ip", source_ip, self._limits.burst), ("otp", employee_code, self._limits.otp)):
            entry = self._roll.get(employee_code, self._programme_id)
            challenge = Challenge.issue(new_challenge_id(), entry.employee_code if entry else None, now)
            self._sign_in.put_challenge(challenge)
            try:
                self._queue.send([{"challenge_id": challenge.challenge_id}])
            except AWS_ERRORS:
                self._forget(challenge)
                raise
        metrics.add_metric(name="OtpRequested", unit=MetricUnit.Count, value=1)
        return challenge, now + self._limits.otp.resend_after

    def _forget(self, challenge: Challenge) -> None:
        """A challenge whose SMS was never queued (the client hears 503 and asks again): nobody knows its id."""
        try:
            self._sign_in.forget_challenge(challenge.challenge_id)
        except AWS_ERRORS as error:  # then it expires unanswered; the client hears of the first failure
            logger.warning("unqueued OTP challenge not removed", extra=describe(error))

    def send_otp(self, challenge_id: str) -> bool:
        """The queued SMS: once per challenge (the ledger), only while it can still be answered."""
        challenge = self._sign_in.challenge(challenge_id)
        now = self._clock.now()
        if challenge is None or challenge.employee_code is None or refusal_of(challenge, now) is not None:
            return False  # not on the roll, answered, locked or expired: nothing to send
        outcome = self._deliverer.deliver(
            programme=self._programmes.get(self._programme_id),
            recipient=f"employee:{challenge.employee_code}",
            campaign=f"otp#{challenge_id}",
            template_code="sign_in_otp",
            data={"otp": derive_otp(self._otp_key(), challenge_id)},
            day=now.astimezone(IST).date().isoformat(),
            now=now,
            channels=(Channel.SMS,),
            secret_fields=frozenset({"otp"}),
        )
        if outcome.sent:
            metrics.add_metric(name="OtpSent", unit=MetricUnit.Count, value=1)
        if outcome.reason:
            logger.warning("OTP not sent", extra={"reason": outcome.reason, "challenge_id": challenge_id})
        return outcome.delivered

    def verify(self, challenge_id: str, otp: str) -> Tokens:
        now = self._clock.now()
        for _ in range(VERIFY_ATTEMPTS):
            challenge = self._sign_in.challenge(challenge_id)
            if challenge is not None and challenge.resumable(now):
                # An earlier answer stopped before Cognito issued the tokens: the same OTP finishes it.
                if challenge.employee_code is None or not otp_matches(self._otp_key(), challenge_id, otp):
                    raise OtpUsed()
                proof = secrets.token_urlsafe(32)
                if not self._sign_in.answer_again(challenge, proof_digest=digest_of(proof), at=now):
                    continue
                return self._signed_in(challenge.employee_code, f"{challenge_id}.{proof}")
            refused = refusal_of(challenge, now)
            if refused is not None:
                raise _REFUSALS[refused]()
            assert challenge is not None  # refusal_of refuses a missing challenge
            if challenge.employee_code is None or not otp_matches(self._otp_key(), challenge_id, otp):
                spent = self._sign_in.spend_attempt(challenge)
                if spent is None:
                    continue  # answered concurrently: judge again on what is stored now
                raise self._wrong(spent)
            username = employee_username(challenge.employee_code)
            proof = secrets.token_urlsafe(32)
            if not self._sign_in.mark_answered(challenge, proof_digest=digest_of(proof), username=username, at=now):
                continue
            return self._signed_in(challenge.employee_code, f"{challenge_id}.{proof}")
        raise Busy("otp_being_checked")

    def _signed_in(self, employee_code: str, answer: str) -> Tokens:
        tokens = self._issue(employee_code, answer)
        metrics.add_metric(name="SignInCompleted", unit=MetricUnit.Count, value=1)
        return tokens

    @staticmethod
    def _wrong(spent: Challenge) -> OtpInvalid:
        if spent.status == ChallengeStatus.LOCKED:
            metrics.add_metric(name="OtpLockouts", unit=MetricUnit.Count, value=1)
            logger.info("OTP challenge locked", extra={"challenge_id": spent.challenge_id})
            return OtpInvalid("last_try", attempts_left=spent.attempts_left)
        return OtpInvalid(attempts_left=spent.attempts_left)

    def _issue(self, employee_code: str, answer: str) -> Tokens:
        username, sub = self._user_pool.ensure_employee(employee_code)
        if self._directory.link(sub) is None:  # the first sign-in binds the user to the roll entry
            self._directory.bind_employee(
                IdentityLink(sub=sub, username=username, role=Role.EMPLOYEE, employee_code=employee_code)
            )
        return self._user_pool.answer_custom_challenge(username, answer)

    # ------------------------------------------------------------------ help
    def ask_for_help(self, request: HelpRequest, source_ip: str) -> None:
        """When the OTP cannot reach the employee: a mobile-correction request in their DDO's queue if
        the details match the roll. Limited like the OTP; nothing about the outcome reaches the caller."""
        now = self._clock.now()
        with self._limited(
            now, ("ip", source_ip, self._limits.burst), ("help", request.employee_code, self._limits.help)
        ):
            outcome = open_mobile_correction(
                request,
                now=now,
                programme_id=self._programme_id,
                roll=self._roll,
                corrections=self._corrections,
                events=self._events,
                counters=self._counters,
            )
        metrics.add_metric(name="HelpRequests", unit=MetricUnit.Count, value=1)
        logger.info("help request handled", extra={"outcome": outcome.value})

    # ------------------------------------------------------------------ session
    def refresh(self, refresh_token: str) -> Tokens:
        return self._user_pool.refresh(refresh_token)

    def sign_out(self, principal: Principal, username: str) -> None:
        """Revokes the user's refresh tokens; tokens issued until now stop working within a minute."""
        self._user_pool.sign_out(username)
        if principal.roles:  # a directory link exists
            # Cognito stamps tokens (`iat`, whole seconds) with real time, so the cut-off is real time,
            # not the settable clock; a token of this very second is let through, so that signing in
            # again at once works.
            self._directory.end_sessions(principal.sub, SystemClock().now().replace(microsecond=0))
            self._principals.forget(principal.sub)


_REFUSALS: dict[Refusal, Callable[[], Exception]] = {
    Refusal.EXPIRED: OtpExpired,
    Refusal.USED: OtpUsed,
    Refusal.LOCKED: OtpLocked,
}
