"""Request and response bodies of the sign-in routes (the API layer's models)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from core.types import ChallengeId, EmployeeCode

Otp = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class _Request(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")


class OtpRequest(_Request):
    model_config = ConfigDict(defer_build=True, json_schema_extra={"examples": [{"employee_code": "EMP-0031"}]})

    employee_code: EmployeeCode = Field(description="Your employee code as on the roll", examples=["EMP-0001"])


class OtpChallengeResponse(BaseModel):
    """The same shape and timing whether or not the code is on the roll."""

    model_config = ConfigDict(defer_build=True)

    challenge_id: ChallengeId = Field(examples=["OTP-01JH3Q8R5T6Y7V8K9M0P1A2S3D"])
    expires_at: AwareDatetime = Field(description="The OTP can be used until then (5 minutes)")
    resend_after: AwareDatetime = Field(description="Ask for another OTP only after this")


class OtpVerifyRequest(_Request):
    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={"examples": [{"challenge_id": "OTP-01JH3Q8R5T6Y7V8K9M0P1A2S3D", "otp": "482913"}]},
    )

    challenge_id: ChallengeId
    otp: Otp = Field(description="The six digits of the SMS", examples=["482913"])


class TokensResponse(BaseModel):
    """Cognito's tokens for the employee's user; send the id or the access token as `Bearer`."""

    model_config = ConfigDict(defer_build=True)

    id_token: str
    access_token: str
    refresh_token: str = Field(description="Renews the tokens with POST /v1/auth/refresh (30 days)")
    expires_in: int = Field(description="Seconds the id and access tokens are valid", examples=[3600])
    token_type: Literal["Bearer"] = "Bearer"


class RefreshRequest(_Request):
    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "examples": [
                {
                    "refresh_token": "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.lC8w5Ot7"
                    "Xk2LkV9pQ4mZrW1sT3dY6bN0cF8gH5jA.e7fP2qR9sT1uV3wX.Zm9yIGxvY2FsIHRlc3Rpbmc.Qk3v8XyZ1wR4tU7m"
                }
            ]
        },
    )

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class RefreshResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id_token: str
    access_token: str
    expires_in: int = Field(examples=[3600])
    token_type: Literal["Bearer"] = "Bearer"


class HelpReceived(BaseModel):
    """The same answer whatever the details matched: the roll is never revealed."""

    model_config = ConfigDict(defer_build=True)

    status: Literal["received"] = "received"
    detail: str = (
        "If these details match the roll, your DDO will see a request to change your mobile number. "
        "Once it is approved, an SMS comes to the new number and you can sign in with an OTP. "
        "You may also meet your DDO with proof of your number."
    )
