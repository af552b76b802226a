"""The Cognito user pool as the token issuer of employee sign-in (admin API calls only).

An employee's Cognito user is created at the first successful OTP sign-in (username `emp:<code>`,
group `employee`), so 1.2 lakh people need no bulk pre-creation. Tokens come from the custom auth
flow: the sign-in function starts it and answers the one CUSTOM_CHALLENGE with a one-time proof
that the pool's Verify trigger redeems against the sign-in table (auth/challenge.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from core.aws_faults import fault_kind
from core.errors import RefreshRefused, SignInUnavailable

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_cognito_idp.client import CognitoIdentityProviderClient

EMPLOYEE_GROUP = "employee"
CONFIRMED = "CONFIRMED"


def employee_username(employee_code: str) -> str:
    # ":" never appears in an official's username, so the two can never collide.
    return f"emp:{employee_code}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class Tokens(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    id_token: str
    access_token: str
    refresh_token: str | None = None
    expires_in: int

    @classmethod
    def of(cls, result: Mapping[str, Any]) -> Tokens:
        return cls(
            id_token=result["IdToken"],
            access_token=result["AccessToken"],
            refresh_token=result.get("RefreshToken"),
            expires_in=int(result["ExpiresIn"]),
        )


class UserPool:
    def __init__(self, cognito: CognitoIdentityProviderClient, *, pool_id: str, client_id: str) -> None:
        self._cognito = cognito
        self._pool = pool_id
        self._client = client_id

    def ensure_employee(self, employee_code: str) -> tuple[str, str]:
        """(username, sub) of the employee's user, creating it on the first sign-in."""
        username = employee_username(employee_code)
        try:
            user: Mapping[str, Any] = self._cognito.admin_get_user(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            if _code(error) != "UserNotFoundException":
                raise
            user = self._create(username)
        if user["UserStatus"] != CONFIRMED:
            self._finish(username)
        return username, self._sub(user)

    def _create(self, username: str) -> dict[str, Any]:
        try:
            created = self._cognito.admin_create_user(
                UserPoolId=self._pool, Username=username, MessageAction="SUPPRESS"
            )["User"]
        except ClientError as error:
            if _code(error) != "UsernameExistsException":  # a concurrent first sign-in made it
                raise
            return dict(self._cognito.admin_get_user(UserPoolId=self._pool, Username=username))
        return {"UserStatus": created["UserStatus"], "UserAttributes": created["Attributes"]}

    def _finish(self, username: str) -> None:
        """The rest of a first sign-in: the group, then a password nobody knows, which makes the user
        CONFIRMED (employees never sign in with a password). In this order, CONFIRMED means both are
        done: a sign-in that stopped between them (a throttled call) is finished by the next one."""
        self._cognito.admin_add_user_to_group(UserPoolId=self._pool, Username=username, GroupName=EMPLOYEE_GROUP)
        self._cognito.admin_set_user_password(
            UserPoolId=self._pool, Username=username, Password=f"{secrets.token_urlsafe(24)}aA1!", Permanent=True
        )

    @staticmethod
    def _sub(user: Mapping[str, Any]) -> str:
        return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")

    def answer_custom_challenge(self, username: str, answer: str) -> Tokens:
        """Starts the custom auth flow and answers its one challenge; the pool's triggers decide."""
        try:
            started = self._cognito.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._client,
                AuthFlow="CUSTOM_AUTH",
                AuthParameters={"USERNAME": username},
            )
            answered = self._cognito.admin_respond_to_auth_challenge(
                UserPoolId=self._pool,
                ClientId=self._client,
                ChallengeName="CUSTOM_CHALLENGE",
                Session=started["Session"],
                ChallengeResponses={"USERNAME": username, "ANSWER": answer},
            )
        except ClientError as error:
            if fault_kind(error) is not None:
                raise  # throttled or down: core.http answers 503 service_unavailable; the same OTP works again
            raise SignInUnavailable() from error
        if "AuthenticationResult" not in answered:
            raise SignInUnavailable()
        return Tokens.of(answered["AuthenticationResult"])

    def refresh(self, refresh_token: str) -> Tokens:
        try:
            result = self._cognito.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._client,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )["AuthenticationResult"]
        except ClientError as error:
            if _code(error) in ("NotAuthorizedException", "UserNotFoundException", "InvalidParameterException"):
                raise RefreshRefused() from error
            raise
        return Tokens.of(result)

    def sign_out(self, username: str) -> None:
        """Revokes every refresh token of the user (Cognito's global sign-out)."""
        try:
            self._cognito.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            if _code(error) != "UserNotFoundException":
                raise
