"""The user pool's custom-auth triggers (Define, Create and Verify auth challenge), one Lambda.

The OTP itself is checked by the sign-in function (`POST /v1/auth/otp/verify`), which then starts
Cognito's custom flow and answers its single CUSTOM_CHALLENGE with "<challenge id>.<proof>". The
Verify trigger accepts that answer exactly once: the challenge must hold the proof's digest, for
this user, within two minutes. Anyone else calling InitiateAuth with CUSTOM_AUTH gets a challenge
they cannot answer: one wrong answer fails the sign-in.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from functools import cached_property
    from typing import Any

    from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
        CreateAuthChallengeTriggerEvent,
        DefineAuthChallengeTriggerEvent,
        VerifyAuthChallengeResponseTriggerEvent,
    )
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from auth.settings import ChallengeTriggerSettings, get_trigger_settings
    from core.aws import TRIGGER_BUDGET, AwsClients
    from core.clock import current_clock
    from core.observability import logger, observed
    from core.otp import proof_digest
    from core.store.sign_in import SignInStore
    from core.wiring import Wiring

CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"


class ChallengeWiring(Wiring[ChallengeTriggerSettings]):
    @cached_property
    def aws(self) -> AwsClients:
        # Cognito gives a trigger 5 s: a tighter retry budget than the HTTP functions' (core.aws).
        return AwsClients.for_function(self.settings, budget=TRIGGER_BUDGET)

    @cached_property
    def sign_in(self) -> SignInStore:
        return SignInStore(self.aws.dynamodb, self.settings.sign_in_table)


wiring = ChallengeWiring(get_trigger_settings)


def define(event: DefineAuthChallengeTriggerEvent) -> None:
    """One custom challenge; tokens if it was answered, failure otherwise. No password step."""
    session = event.request.session
    if not session:
        event.response.challenge_name = CUSTOM_CHALLENGE
        event.response.issue_tokens = False
        event.response.fail_authentication = False
        return
    last = session[-1]
    answered = len(session) == 1 and last.challenge_name == CUSTOM_CHALLENGE and last.challenge_result
    event.response.issue_tokens = bool(answered)
    event.response.fail_authentication = not answered


def create(event: CreateAuthChallengeTriggerEvent) -> None:
    # Nothing to send: the OTP went by SMS before; the answer is the sign-in function's proof.
    event.response.public_challenge_parameters = {"kind": "anubandh-otp-proof"}
    event.response.private_challenge_parameters = {}
    event.response.challenge_metadata = "ANUBANDH_OTP_PROOF"


def verify(event: VerifyAuthChallengeResponseTriggerEvent) -> None:
    challenge_id, _, proof = str(event.request.challenge_answer or "").partition(".")
    correct = bool(challenge_id and proof) and wiring.sign_in.redeem(
        challenge_id, proof_digest=proof_digest(proof), username=event.user_name, at=current_clock().now()
    )
    event.response.answer_correct = correct
    logger.info("custom challenge answered", extra={"challenge_id": challenge_id, "correct": correct})


_TRIGGERS: dict[str, Any] = {
    "DefineAuthChallenge_Authentication": (DefineAuthChallengeTriggerEvent, define),
    "CreateAuthChallenge_Authentication": (CreateAuthChallengeTriggerEvent, create),
    "VerifyAuthChallengeResponse_Authentication": (VerifyAuthChallengeResponseTriggerEvent, verify),
}


@observed()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    kind, step = _TRIGGERS[event["triggerSource"]]
    step(kind(event))
    return event  # Cognito reads the trigger's answer from the event's `response`
