"""HTTP routes of employee sign-in (public but for sign-out), and the consumer that sends the OTP SMS.

The queued SMS keeps the answer to `POST /v1/auth/otp` the same in shape and time for a code that
is on the roll and one that is not.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    import json
    from functools import cached_property
    from typing import Annotated, Any

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.openapi.params import Body
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from auth.models import (
        HelpReceived,
        OtpChallengeResponse,
        OtpRequest,
        OtpVerifyRequest,
        RefreshRequest,
        RefreshResponse,
        TokensResponse,
    )
    from auth.service import SignInService
    from auth.settings import AuthSettings, get_settings
    from core.clock import current_clock
    from core.corrections import HelpRequest
    from core.delivery import Deliverer, SmsSender
    from core.errors import (
        Busy,
        InvalidRequest,
        OtpExpired,
        OtpInvalid,
        OtpLocked,
        OtpUsed,
        RefreshRefused,
        SignInUnavailable,
        TooManyRequests,
    )
    from core.http import Caller, contract, create_resolver
    from core.observability import logger, observed, traced
    from core.store.corrections import CorrectionStore
    from core.store.counters import CounterStore
    from core.store.directory import DirectoryStore
    from core.store.events import EventStore
    from core.store.notifications import NotificationStore
    from core.store.roll import RollStore
    from core.store.sign_in import SignInStore
    from core.store.work_queue import WorkQueue
    from core.user_pool import UserPool
    from core.wiring import HttpWiring

OTP_KEY_CACHE_SECONDS = 300

app = create_resolver()


class AuthWiring(HttpWiring[AuthSettings]):
    @cached_property
    def secrets(self) -> SecretsProvider:
        return SecretsProvider(boto3_client=self.aws.client("secretsmanager"))

    @cached_property
    def service(self) -> SignInService:
        settings = self.settings
        dynamodb = self.aws.dynamodb
        roll = RollStore(dynamodb, settings.roll_table)
        return SignInService(
            programme_id=settings.programme_id,
            programmes=self.programmes,
            sign_in=SignInStore(dynamodb, settings.sign_in_table),
            roll=roll,
            directory=DirectoryStore(dynamodb, settings.directory_table),
            principals=self.directory,
            user_pool=UserPool(
                self.aws.lazy("cognito-idp"), pool_id=settings.user_pool_id, client_id=settings.user_pool_client_id
            ),
            otp_key=otp_key,
            queue=WorkQueue(self.aws.lazy("sqs"), settings.otp_queue_url),
            deliverer=Deliverer(
                notifications=NotificationStore(dynamodb, settings.notifications_table),
                roll=roll,
                sms=SmsSender(self.aws.lazy("sns")),
                email=None,  # an OTP goes by SMS only
                dlt_entity_id=settings.dlt_entity_id,
            ),
            corrections=CorrectionStore(dynamodb, settings.corrections_table),
            events=EventStore(dynamodb, settings.events_table),
            counters=CounterStore(dynamodb, settings.counters_table),
            clock=current_clock(),
            limits=settings.limits(),
        )


wiring = AuthWiring(get_settings)
caller = Caller(app, lambda: wiring.directory)


def otp_key() -> bytes:
    secret = wiring.secrets.get(wiring.settings.otp_key_secret, max_age=OTP_KEY_CACHE_SECONDS)
    return str(secret).encode()


def _source_ip() -> str:
    return app.current_event.request_context.http.source_ip


@app.post(
    "/v1/auth/otp",
    tags=["sign-in"],
    summary="Ask for an OTP by SMS to the mobile on the roll",
    **contract(
        InvalidRequest,
        TooManyRequests,
        Busy,
        public=True,
        callers="anyone with an employee code.",
        changes="a new OTP challenge; when the code is on the roll, an SMS with a 6-digit OTP (valid 5 minutes) to "
        "the roll's mobile.",
        notes="Answers 202 with a new challenge whether or not the code is on the roll (the roll cannot be "
        "enumerated). Limits: per employee code one request per 30 s, 5 an hour and 10 a day; per source IP a "
        "burst limit (429 with Retry-After).",
        success=202,
    ),
)
def request_otp(request: Annotated[OtpRequest, Body()]) -> OtpChallengeResponse:
    challenge, resend_after = wiring.service.request_otp(request.employee_code, _source_ip())
    return OtpChallengeResponse(
        challenge_id=challenge.challenge_id, expires_at=challenge.expires_at, resend_after=resend_after
    )


@app.post(
    "/v1/auth/otp/verify",
    tags=["sign-in"],
    summary="Answer the OTP: Cognito tokens for the employee",
    **contract(
        OtpInvalid,
        OtpLocked,
        OtpExpired,
        OtpUsed,
        InvalidRequest,
        SignInUnavailable,
        Busy,
        public=True,
        callers="anyone holding an OTP challenge.",
        changes="the challenge is answered (or spends a try: `otp_invalid` carries `attempts_left`, the third wrong "
        "answer locks it); the first successful sign-in creates the employee's user and binds it to the roll entry.",
    ),
)
def verify_otp(request: Annotated[OtpVerifyRequest, Body()]) -> TokensResponse:
    tokens = wiring.service.verify(request.challenge_id, request.otp)
    assert tokens.refresh_token is not None  # a sign-in always has one
    return TokensResponse(
        id_token=tokens.id_token,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@app.post(
    "/v1/auth/refresh",
    tags=["sign-in"],
    summary="New id and access tokens for a refresh token",
    **contract(
        RefreshRefused,
        InvalidRequest,
        public=True,
        callers="anyone holding a refresh token.",
        notes="`refresh_invalid`: the refresh token expired, was revoked by sign-out, or is unknown.",
    ),
)
def refresh(request: Annotated[RefreshRequest, Body()]) -> RefreshResponse:
    tokens = wiring.service.refresh(request.refresh_token)
    return RefreshResponse(id_token=tokens.id_token, access_token=tokens.access_token, expires_in=tokens.expires_in)


@app.post(
    "/v1/auth/help",
    tags=["sign-in"],
    summary="The OTP does not reach me: ask the DDO to correct the mobile on the roll",
    **contract(
        InvalidRequest,
        TooManyRequests,
        Busy,
        public=True,
        callers="anyone with an employee code (per employee code 3 a day, per source IP a burst limit).",
        changes="when the employee code, date of birth and Family ID match the roll, a mobile-correction request "
        "PENDING in the employee's DDO's queue (GET /v1/roll/corrections), or a new claim on the pending one.",
        notes="The answer is the same 202 whether or not anything matched, so nothing about the roll is revealed.",
        success=202,
    ),
)
def ask_for_help(request: Annotated[HelpRequest, Body()]) -> HelpReceived:
    wiring.service.ask_for_help(request, _source_ip())
    return HelpReceived()


@app.post(
    "/v1/auth/sign-out",
    tags=["sign-in"],
    summary="Sign out everywhere: revoke the refresh tokens",
    **contract(
        callers="any signed-in user (`employee`, `ddo`, `hod`, `officer`, `admin`).",
        changes="revokes every refresh token of the user; id and access tokens issued until now are refused within "
        "a minute (`session_revoked`).",
        success=204,
        success_description="Signed out",
    ),
)
def sign_out() -> Response[None]:
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    principal = caller()
    # The token's own username claim (id: cognito:username, access: username), signed by Cognito.
    username = str(claims.get("cognito:username") or claims.get("username") or principal.username)
    wiring.service.sign_out(principal, username)
    return Response(status_code=204, body=None)


# ---------------------------------------------------------------- the OTP SMS
@traced
def _send_otp(record: Any) -> None:  # a Powertools SQSRecord
    challenge_id = str(json.loads(record.body)["challenge_id"])
    sent = wiring.service.send_otp(challenge_id)
    logger.info("OTP message handled", extra={"challenge_id": challenge_id, "sent": sent})


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        # Imported here: Powertools batch costs cold start that HTTP requests never need.
        from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415
            BatchProcessor,
            EventType,
            process_partial_response,
        )

        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return dict(
            process_partial_response(event=event, record_handler=_send_otp, processor=processor, context=context)
        )
    return app.resolve(event, context)
