"""The CLI's Cognito sign-in through the challenges of a pool that requires TOTP: a fake of our own
AdminAuth interface plays Cognito (moto does not enforce MFA on the admin password flow)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.cli_errors import AuthError
from infra.sign_in import CognitoAdminAuth, TerminalPrompts, admin_sign_in, otpauth_uri

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOKENS = {"AuthenticationResult": {"IdToken": "id", "AccessToken": "access", "ExpiresIn": 3600}}


def challenge(name: str, session: str, **parameters: Any) -> dict[str, Any]:
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": parameters}


class FakeCognito:
    """Cognito's side of the admin flow, step by step: each reply is scripted, each call recorded."""

    def __init__(self, *replies: dict[str, Any], password: str = "Temp-Pass-1") -> None:
        self._replies = list(replies)
        self._password = password
        self.calls: list[tuple[str, Any]] = []

    def initiate(self, username: str, password: str) -> dict[str, Any]:
        self.calls.append(("initiate", username))
        if password != self._password:
            raise AuthError("Cognito refused the sign-in: NotAuthorizedException: Incorrect username or password.")
        return self._replies.pop(0)

    def respond(self, challenge: str, session: str, answers: dict[str, str]) -> dict[str, Any]:
        self.calls.append(("respond", challenge, session, answers))
        return self._replies.pop(0)

    def associate_software_token(self, session: str) -> tuple[str, str]:
        self.calls.append(("associate", session))
        return SECRET, "s-associated"

    def verify_software_token(self, session: str, code: str) -> str:
        self.calls.append(("verify", session, code))
        return "s-verified"

    def prefer_software_token(self, username: str) -> None:
        self.calls.append(("prefer_totp", username))


class Operator:
    """The person at the terminal: a new password, codes from the app; what they were shown."""

    def __init__(self, *codes: str, new_password: str = "Chosen-Pass-1") -> None:
        self._codes = list(codes)
        self._new_password = new_password
        self.shown: list[str] = []
        self.asked: list[str] = []

    def password(self, prompt: str) -> str:
        raise AssertionError("the password was given")

    def new_password(self, username: str) -> str:
        self.asked.append(f"new password for {username}")
        return self._new_password

    def code(self, prompt: str) -> str:
        self.asked.append(prompt)
        return self._codes.pop(0)

    def show(self, text: str) -> None:
        self.shown.append(text)


def test_the_first_sign_in_sets_a_password_enrols_an_app_and_ends_with_tokens() -> None:
    # Given an official invited with a temporary password, in a pool that requires TOTP
    cognito = FakeCognito(
        challenge("NEW_PASSWORD_REQUIRED", "s1", USER_ID_FOR_SRP="nodal1", requiredAttributes="[]"),
        challenge("MFA_SETUP", "s2", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]'),
        TOKENS,
    )
    person = Operator("123 456")
    # When they sign in with the CLI
    tokens = admin_sign_in(cognito, "nodal1", "Temp-Pass-1", totp=None, prompts=person)
    # Then they chose a password, were shown the secret as an otpauth URI, answered with the app's code
    assert tokens.id_token == "id"
    assert cognito.calls == [
        ("initiate", "nodal1"),
        ("respond", "NEW_PASSWORD_REQUIRED", "s1", {"USERNAME": "nodal1", "NEW_PASSWORD": "Chosen-Pass-1"}),
        ("associate", "s2"),
        ("verify", "s-associated", "123456"),
        ("respond", "MFA_SETUP", "s-verified", {"USERNAME": "nodal1"}),
        ("prefer_totp", "nodal1"),
    ]
    enrolment = person.shown[-1]
    assert otpauth_uri(SECRET, "nodal1") in enrolment
    assert "JBSW Y3DP EHPK 3PXP" in enrolment  # the key to type, in groups
    assert person.asked == ["new password for nodal1", "6-digit code the app shows now: "]


def test_later_sign_ins_answer_the_totp_challenge_with_the_given_code() -> None:
    cognito = FakeCognito(challenge("SOFTWARE_TOKEN_MFA", "s1", CODE_DELIVERY_DESTINATION="app"), TOKENS)
    person = Operator()
    tokens = admin_sign_in(cognito, "nodal1", "Temp-Pass-1", totp="654321", prompts=person)
    assert tokens.access_token == "access"
    assert cognito.calls[1] == (
        "respond",
        "SOFTWARE_TOKEN_MFA",
        "s1",
        {"USERNAME": "nodal1", "SOFTWARE_TOKEN_MFA_CODE": "654321"},
    )
    assert person.asked == []  # --totp given: nothing asked


def test_without_totp_the_code_is_asked_for() -> None:
    cognito = FakeCognito(challenge("SOFTWARE_TOKEN_MFA", "s1"), TOKENS)
    person = Operator("111222")
    admin_sign_in(cognito, "nodal1", "Temp-Pass-1", totp=None, prompts=person)
    assert person.asked == ["6-digit code from your authenticator app: "]
    assert cognito.calls[1][3]["SOFTWARE_TOKEN_MFA_CODE"] == "111222"


@pytest.mark.parametrize("can_setup", ['["SOFTWARE_TOKEN_MFA"]', "['SOFTWARE_TOKEN_MFA']", ["SOFTWARE_TOKEN_MFA"]])
def test_mfas_can_setup_as_cognito_moto_or_a_list_sends_it(can_setup: Any) -> None:
    cognito = FakeCognito(challenge("MFA_SETUP", "s1", MFAS_CAN_SETUP=can_setup), TOKENS)
    assert admin_sign_in(cognito, "nodal1", "Temp-Pass-1", totp=None, prompts=Operator("000000")).id_token == "id"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (challenge("MFA_SETUP", "s1", MFAS_CAN_SETUP='["SMS_MFA"]'), "no authenticator-app set-up"),
        (challenge("CUSTOM_CHALLENGE", "s1"), "CUSTOM_CHALLENGE, which the CLI cannot answer"),
    ],
)
def test_challenges_the_cli_cannot_answer_say_so(reply: dict[str, Any], message: str) -> None:
    with pytest.raises(AuthError, match=message):
        admin_sign_in(FakeCognito(reply), "nodal1", "Temp-Pass-1", totp=None, prompts=Operator())


def test_a_code_that_is_not_six_digits_is_refused_before_cognito_sees_it() -> None:
    cognito = FakeCognito(challenge("SOFTWARE_TOKEN_MFA", "s1"), TOKENS)
    with pytest.raises(AuthError, match="6 digits"):
        admin_sign_in(cognito, "nodal1", "Temp-Pass-1", totp="12345", prompts=Operator())
    assert [call[0] for call in cognito.calls] == ["initiate"]


def test_cognito_asking_without_end_is_cut_short() -> None:
    endless = FakeCognito(*[challenge("SELECT_MFA_TYPE", f"s{n}") for n in range(10)])
    with pytest.raises(AuthError, match="kept asking"):
        admin_sign_in(endless, "nodal1", "Temp-Pass-1", totp=None, prompts=Operator())


# ---------------------------------------------------------------------------- Cognito's refusals


class Refusing:
    def __init__(self, code: str, message: str) -> None:
        self._error = ClientError({"Error": {"Code": code, "Message": message}}, "AdminRespondToAuthChallenge")

    def admin_respond_to_auth_challenge(self, **_: Any) -> dict[str, Any]:
        raise self._error


def test_a_wrong_code_is_explained_with_a_next_step() -> None:
    auth = CognitoAdminAuth(Refusing("CodeMismatchException", "Invalid code received for user"), "pool", "client")
    with pytest.raises(AuthError, match=r"CodeMismatchException.*phone's time"):
        auth.respond("SOFTWARE_TOKEN_MFA", "s", {"USERNAME": "u", "SOFTWARE_TOKEN_MFA_CODE": "000000"})


def test_a_weak_new_password_is_explained() -> None:
    auth = CognitoAdminAuth(Refusing("InvalidPasswordException", "Password must have symbols"), "pool", "client")
    with pytest.raises(AuthError, match=r"Password must have symbols.*password policy"):
        auth.respond("NEW_PASSWORD_REQUIRED", "s", {"USERNAME": "u", "NEW_PASSWORD": "weak"})


# ---------------------------------------------------------------------------- the terminal


def test_off_a_terminal_the_new_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    prompts = TerminalPrompts(err=io.StringIO(), env={"ANUBANDH_NEW_PASSWORD": "From-Env-1"})
    assert prompts.new_password("nodal1") == "From-Env-1"
    with pytest.raises(AuthError, match="ANUBANDH_NEW_PASSWORD"):
        TerminalPrompts(err=io.StringIO(), env={}).new_password("nodal1")
    with pytest.raises(AuthError, match="--totp"):
        prompts.code("code: ")


def test_the_otpauth_uri_names_the_issuer_and_the_user() -> None:
    assert otpauth_uri("ABC", "nodal.officer") == (
        "otpauth://totp/Anubandh:nodal.officer?secret=ABC&issuer=Anubandh&algorithm=SHA1&digits=6&period=30"
    )
