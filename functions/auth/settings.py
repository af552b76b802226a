"""Settings of the sign-in function and of its Cognito challenge trigger, each read once per cold start."""

from datetime import timedelta
from typing import Annotated

from pydantic import Field

from core.otp import BurstLimit, SendLimits, SignInLimits
from core.settings import FunctionSettings, HttpFunctionSettings


class AuthSettings(HttpFunctionSettings):
    sign_in_table: str
    roll_table: str
    notifications_table: str
    otp_queue_url: str
    user_pool_id: str
    user_pool_client_id: str
    # The Secrets Manager secret whose value keys the OTPs (HMAC); read through a 5-minute cache.
    otp_key_secret: str
    # The help request (POST /v1/auth/help) opens a mobile correction, audited and counted.
    corrections_table: str
    events_table: str
    counters_table: str
    # The deployment's DLT principal entity id; empty means the programme data's.
    dlt_entity_id: str = ""
    # Abuse limits (issue figures): per employee code, and a burst brake per source IP.
    otp_resend_seconds: Annotated[int, Field(ge=30)] = 30
    otp_per_hour: Annotated[int, Field(ge=1, le=5)] = 5
    otp_per_day: Annotated[int, Field(ge=1, le=10)] = 10
    help_per_day: Annotated[int, Field(ge=1, le=10)] = 3
    ip_burst: Annotated[int, Field(ge=1)] = 30
    ip_window_seconds: Annotated[int, Field(ge=1)] = 60

    def limits(self) -> SignInLimits:
        return SignInLimits(
            otp=SendLimits(
                resend_after=timedelta(seconds=self.otp_resend_seconds),
                per_hour=self.otp_per_hour,
                per_day=self.otp_per_day,
            ),
            help=SendLimits(resend_after=timedelta(minutes=1), per_hour=self.help_per_day, per_day=self.help_per_day),
            burst=BurstLimit(requests=self.ip_burst, window=timedelta(seconds=self.ip_window_seconds)),
        )


class ChallengeTriggerSettings(FunctionSettings):
    sign_in_table: str


def get_settings() -> AuthSettings:
    return AuthSettings.from_environment()


def get_trigger_settings() -> ChallengeTriggerSettings:
    return ChallengeTriggerSettings.from_environment()
