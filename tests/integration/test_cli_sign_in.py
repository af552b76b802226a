"""The operator CLI signs in to Cognito with the operator's AWS credentials (AdminInitiateAuth), on moto.

What moto supports of a pool requiring TOTP (checked here, on the pool provisioned from the template):
the temporary password's NEW_PASSWORD_REQUIRED, then MFA_SETUP; AssociateSoftwareToken and
VerifySoftwareToken with the session (the code is checked against moto's fixed secret when
MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP is true); SOFTWARE_TOKEN_MFA on a later admin sign-in only once
the user prefers TOTP (which the CLI sets after enrolling). It does not refuse an admin password sign-in
of a user who never enrolled: the fake in tests/unit/test_cli_mfa.py covers what Cognito asks then.
"""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlparse

import boto3
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from infra.cli.auth import CognitoAuth, sign_in
from infra.cli_errors import AuthError
from infra.deployment import Deployment
from infra.local.stack import local_outputs
from infra.local.template import LocalContext, load_template

PASSWORD = "Chosen-Pass-1!"
HTTP = requests.Session()  # unused by a Cognito sign-in


def totp_now(secret: str) -> str:
    padded = secret + "=" * (-len(secret) % 8)
    key = base64.b32decode(padded, casefold=True)
    return TOTP(key, 6, SHA1(), 30, enforce_key_length=False).generate(int(time.time())).decode()


class Authenticator:
    """The official with their phone: reads the enrolment URI the CLI shows, answers with the app's code."""

    def __init__(self, new_password: str = PASSWORD) -> None:
        self._new_password = new_password
        self.secret: str | None = None

    def password(self, prompt: str) -> str:
        raise AssertionError("the password was given")

    def new_password(self, username: str) -> str:
        return self._new_password

    def code(self, prompt: str) -> str:
        assert self.secret is not None, "a code was asked for before any app was enrolled"
        return totp_now(self.secret)

    def show(self, text: str) -> None:
        for word in text.split():
            if word.startswith("otpauth://totp/"):
                self.secret = parse_qs(urlparse(word).query)["secret"][0]


@pytest.fixture
def deployment(stack: LocalContext, monkeypatch: pytest.MonkeyPatch) -> Deployment:
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")  # moto checks every code
    outputs = local_outputs(load_template(), stack, "https://api.example.invalid/dev")
    return Deployment(name="anubandh-test", region="ap-south-1", outputs=outputs)


def invite(deployment: Deployment, username: str, temporary: str = "Temp-Pass-1!") -> None:
    """What `officials import` and Cognito's invitation e-mail leave: a user with a temporary password."""
    cognito = boto3.client("cognito-idp")
    pool = deployment.outputs["UserPoolId"]
    cognito.admin_create_user(UserPoolId=pool, Username=username, TemporaryPassword=temporary)


def test_the_first_sign_in_sets_a_password_enrols_totp_and_later_ones_ask_for_the_code(
    deployment: Deployment,
) -> None:
    # Given an official invited with a temporary password
    invite(deployment, "nodal1")
    phone = Authenticator()
    # When they first sign in with the CLI
    first = sign_in(CognitoAuth("nodal1", "Temp-Pass-1!"), "u", HTTP, deployment=deployment, prompts=phone)
    # Then they chose a password and enrolled their app on the way, and hold an id token
    claims = jwt.decode(first, options={"verify_signature": False})
    assert claims["cognito:username"] == "nodal1" and claims["token_use"] == "id"
    assert phone.secret is not None
    # When they sign in again with the new password and the app's current code
    code = totp_now(phone.secret)
    again = sign_in(CognitoAuth("nodal1", PASSWORD, totp=code), "u", HTTP, deployment=deployment, prompts=phone)
    assert jwt.decode(again, options={"verify_signature": False})["cognito:username"] == "nodal1"
    # And a wrong code is refused with Cognito's reason and what to do
    with pytest.raises(AuthError, match=r"CodeMismatchException.*phone's time"):
        sign_in(CognitoAuth("nodal1", PASSWORD, totp="000000"), "u", HTTP, deployment=deployment, prompts=phone)


def test_a_wrong_code_at_enrolment_is_refused(deployment: Deployment) -> None:
    invite(deployment, "nodal2")

    class WrongCode(Authenticator):
        def code(self, prompt: str) -> str:
            return "000000"

    with pytest.raises(AuthError, match="CodeMismatchException"):
        sign_in(CognitoAuth("nodal2", "Temp-Pass-1!"), "u", HTTP, deployment=deployment, prompts=WrongCode())


def test_a_wrong_password_is_a_clear_refusal(deployment: Deployment) -> None:
    invite(deployment, "nodal3")
    with pytest.raises(AuthError, match="NotAuthorizedException"):
        sign_in(CognitoAuth("nodal3", "wrong"), "u", HTTP, deployment=deployment, prompts=Authenticator())


def test_without_a_stack_the_pool_and_client_are_given(deployment: Deployment) -> None:
    invite(deployment, "nodal4")
    outputs = deployment.outputs
    auth = CognitoAuth(
        "nodal4", "Temp-Pass-1!", client_id=outputs["UserPoolClientId"], user_pool_id=outputs["UserPoolId"]
    )
    token = sign_in(auth, "u", HTTP, prompts=Authenticator())
    assert jwt.decode(token, options={"verify_signature": False})["cognito:username"] == "nodal4"
