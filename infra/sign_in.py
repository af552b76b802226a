"""An operator's sign-in to Cognito with the admin password flow, through the challenges of a pool that
requires TOTP MFA:

* `NEW_PASSWORD_REQUIRED` — the first sign-in, with the invitation's temporary password: choose one;
* `MFA_SETUP` — enrol an authenticator app: `AssociateSoftwareToken` gives a secret, shown as an
  `otpauth://totp/...` URI (and as a key to type), `VerifySoftwareToken` checks the app's first code,
  then the challenge is answered and TOTP becomes the user's MFA;
* `SOFTWARE_TOKEN_MFA` — every later sign-in: the app's current code (`--totp CODE` or a prompt).

The admin flow needs `cognito-idp:AdminInitiateAuth` (AWS credentials), so only operators use it;
officials in a browser get the same challenges from Amplify's `signIn`.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TextIO
from urllib.parse import quote, urlencode

from botocore.exceptions import BotoCoreError, ClientError

from infra.cli_errors import AuthError

ISSUER = "Anubandh"
DEVICE_NAME = "anubandh-cli"
MAX_CHALLENGES = 5  # new password, enrolment, code: three at most in practice
_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    expires_in: int


class AdminAuth(Protocol):
    """Cognito's admin sign-in, as far as the CLI uses it (a fake stands in for it in the unit tests)."""

    def initiate(self, username: str, password: str) -> dict[str, Any]: ...

    def respond(self, challenge: str, session: str, answers: dict[str, str]) -> dict[str, Any]: ...

    def associate_software_token(self, session: str) -> tuple[str, str]:
        """(the secret, the next session)"""
        ...

    def verify_software_token(self, session: str, code: str) -> str:
        """The next session."""
        ...

    def prefer_software_token(self, username: str) -> None: ...


class Prompts(Protocol):
    def password(self, prompt: str) -> str: ...

    def new_password(self, username: str) -> str: ...

    def code(self, prompt: str) -> str: ...

    def show(self, text: str) -> None: ...


# ---------------------------------------------------------------------------- the challenges


def otpauth_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """What an authenticator app reads (as a QR code or a link): `otpauth://totp/Issuer:user?secret=...`."""
    label = quote(f"{issuer}:{username}", safe=":@")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{query}"


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _six_digits(code: str) -> str:
    digits = code.replace(" ", "").strip()
    if not _CODE.match(digits):
        raise AuthError("a code from the authenticator app is 6 digits; run the command again with the current one")
    return digits


def _setup_choices(parameters: Mapping[str, Any]) -> list[str]:
    """MFAS_CAN_SETUP: Cognito sends a JSON list in a string, moto the repr of a Python list; names only."""
    raw = parameters.get("MFAS_CAN_SETUP", "SOFTWARE_TOKEN_MFA")
    return re.findall(r"[A-Z][A-Z_]+", raw if isinstance(raw, str) else " ".join(map(str, raw)))


def admin_sign_in(auth: AdminAuth, username: str, password: str, *, totp: str | None, prompts: Prompts) -> Tokens:
    """Tokens for `username`, answering each challenge Cognito asks on the way."""
    reply = auth.initiate(username, password)
    enrolled = False
    user_id = username
    for _ in range(MAX_CHALLENGES):
        result = reply.get("AuthenticationResult")
        if result:
            if enrolled:  # the app is the user's MFA from now on (moto needs telling; Cognito agrees)
                auth.prefer_software_token(user_id)
            return Tokens(str(result["IdToken"]), str(result["AccessToken"]), int(result.get("ExpiresIn", 3600)))
        challenge = str(reply.get("ChallengeName"))
        session = str(reply.get("Session", ""))
        parameters = reply.get("ChallengeParameters") or {}
        user_id = str(parameters.get("USER_ID_FOR_SRP") or user_id)
        if challenge == "NEW_PASSWORD_REQUIRED":
            prompts.show(f"{username} signs in for the first time: choose a new password (the temporary one expires).")
            new = prompts.new_password(username)
            reply = auth.respond(challenge, session, {"USERNAME": user_id, "NEW_PASSWORD": new})
        elif challenge == "MFA_SETUP":
            if "SOFTWARE_TOKEN_MFA" not in _setup_choices(parameters):
                raise AuthError(f"Cognito offers no authenticator-app set-up ({parameters}): check the pool's MFA")
            secret, session = auth.associate_software_token(session)
            prompts.show(
                "Officials sign in with a password and an authenticator app (TOTP). Add this account to one\n"
                "(Google Authenticator, Microsoft Authenticator, FreeOTP, ...) by opening or scanning:\n"
                f"  {otpauth_uri(secret, username)}\n"
                f"or by typing the key: {_grouped(secret)}"
            )
            code = _six_digits(prompts.code("6-digit code the app shows now: "))
            session = auth.verify_software_token(session, code)
            reply = auth.respond(challenge, session, {"USERNAME": user_id})
            enrolled = True
        elif challenge == "SOFTWARE_TOKEN_MFA":
            code = _six_digits(totp or prompts.code("6-digit code from your authenticator app: "))
            reply = auth.respond(challenge, session, {"USERNAME": user_id, "SOFTWARE_TOKEN_MFA_CODE": code})
        elif challenge == "SELECT_MFA_TYPE":
            reply = auth.respond(challenge, session, {"USERNAME": user_id, "ANSWER": "SOFTWARE_TOKEN_MFA"})
        else:
            raise AuthError(f"Cognito asks for {challenge}, which the CLI cannot answer: sign in once in the portal")
    raise AuthError("Cognito kept asking for more: sign in once in the portal, then try again")


# ---------------------------------------------------------------------------- Cognito


_REFUSALS = {
    "CodeMismatchException": "the code was not accepted: check that the phone's time is right, then run the "
    "command again with the code the app shows now",
    "EnableSoftwareTokenMFAException": "the code was not accepted: check that the phone's time is right, then run "
    "the command again",
    "InvalidPasswordException": "the new password does not meet the password policy",
    "PasswordResetRequiredException": "the password must be reset: ask another operator to re-import you "
    "(a new invitation) or reset it in Cognito",
}


class CognitoAdminAuth:
    """AdminAuth over boto3's cognito-idp client, with the operator's AWS credentials."""

    def __init__(self, cognito: Any, user_pool_id: str, client_id: str) -> None:
        self._cognito = cognito
        self._pool = user_pool_id
        self._client = client_id

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        try:
            reply: dict[str, Any] = getattr(self._cognito, operation)(**request)
        except ClientError as error:
            details = error.response.get("Error", {})
            code, message = details.get("Code", "?"), details.get("Message", "")
            hint = _REFUSALS.get(code)
            raise AuthError(
                f"Cognito refused the sign-in: {code}: {message}" + (f" ({hint})" if hint else "")
            ) from error
        except BotoCoreError as error:
            raise AuthError(f"Cognito could not be reached: {error}") from error
        return reply

    def initiate(self, username: str, password: str) -> dict[str, Any]:
        return self._call(
            "admin_initiate_auth",
            UserPoolId=self._pool,
            ClientId=self._client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )

    def respond(self, challenge: str, session: str, answers: dict[str, str]) -> dict[str, Any]:
        return self._call(
            "admin_respond_to_auth_challenge",
            UserPoolId=self._pool,
            ClientId=self._client,
            ChallengeName=challenge,
            Session=session,
            ChallengeResponses=answers,
        )

    def associate_software_token(self, session: str) -> tuple[str, str]:
        reply = self._call("associate_software_token", Session=session)
        return str(reply["SecretCode"]), str(reply.get("Session") or session)

    def verify_software_token(self, session: str, code: str) -> str:
        reply = self._call("verify_software_token", Session=session, UserCode=code, FriendlyDeviceName=DEVICE_NAME)
        if reply.get("Status") != "SUCCESS":
            raise AuthError(f"Cognito did not accept the authenticator app ({reply.get('Status')}): try again")
        return str(reply.get("Session") or session)

    def prefer_software_token(self, username: str) -> None:
        self._call(
            "admin_set_user_mfa_preference",
            UserPoolId=self._pool,
            Username=username,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )


# ---------------------------------------------------------------------------- the terminal


def _on_terminal(ask: Callable[[str], str], prompt: str) -> str:
    """Asks only when there is a terminal (never reads a pipe, e.g. in CI)."""
    if not sys.stdin.isatty():
        raise EOFError
    return ask(prompt)


@dataclass
class TerminalPrompts:
    """Prompts on the terminal; without one, a new password may come from ANUBANDH_NEW_PASSWORD."""

    err: TextIO
    env: Mapping[str, str]

    @classmethod
    def default(cls) -> TerminalPrompts:
        return cls(err=sys.stderr, env=os.environ)

    def password(self, prompt: str) -> str:
        try:
            return _on_terminal(getpass.getpass, prompt)
        except EOFError as error:
            raise AuthError("no password: pass --password or set ANUBANDH_PASSWORD") from error

    def new_password(self, username: str) -> str:
        given = self.env.get("ANUBANDH_NEW_PASSWORD")
        if given:
            return given
        try:
            first = _on_terminal(getpass.getpass, f"New password for {username}: ")
            second = _on_terminal(getpass.getpass, "The new password again: ")
        except EOFError as error:
            raise AuthError("a new password is needed: run on a terminal, or set ANUBANDH_NEW_PASSWORD") from error
        if first != second:
            raise AuthError("the two new passwords differ: run the command again")
        return first

    def code(self, prompt: str) -> str:
        try:
            return _on_terminal(self._read_line, prompt)
        except EOFError as error:
            raise AuthError("Cognito asks for the authenticator app's code: pass --totp CODE") from error

    def show(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def _read_line(self, prompt: str) -> str:
        """Like input(), but the prompt goes to stderr: stdout carries the command's results."""
        print(prompt, end="", file=self.err, flush=True)
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.strip()
