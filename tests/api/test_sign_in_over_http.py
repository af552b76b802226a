"""Employee sign-in over real HTTP against the local stack: no demo shortcut, the OTP read from the outbox."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from infra.cli import main
from tests.api.conftest import LocalStack

pytestmark = pytest.mark.api

# The roll's last two employees have no demo user: they exist only on the roll.
NEW_EMPLOYEE = "EMP-0031"
LIMITED_EMPLOYEE = "EMP-0032"


def ask(stack: LocalStack, code: str) -> Any:
    return stack.call("POST", "/v1/auth/otp", json={"employee_code": code})


def otp_from_outbox(stack: LocalStack, challenge_id: str) -> str:
    """The OTP as the employee's phone received it (the local outbox shows what moto's SNS sent)."""
    for _ in range(100):  # the SMS goes through the OTP queue: wait for the poller
        items = stack.call("GET", "/_local/outbox").json()["items"]
        sent = [i for i in items if i["campaign"] == f"otp#{challenge_id}" and i["status"] == "SENT"]
        if sent:
            (sms,) = sent
            assert sms["template"] == "sign_in_otp" and sms["channel"] == "sms"
            return next(word for word in sms["text"].replace(",", " ").split() if word.isdigit() and len(word) == 6)
        time.sleep(0.1)
    raise AssertionError(f"no OTP SMS for {challenge_id}")


def verify(stack: LocalStack, challenge_id: str, otp: str) -> Any:
    return stack.call("POST", "/v1/auth/otp/verify", json={"challenge_id": challenge_id, "otp": otp})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_employee_with_no_user_signs_in_with_the_otp_and_registers(local_stack: LocalStack) -> None:
    local_stack.set_clock("2026-01-20T10:00:00+05:30")
    # When an employee on the roll (no Cognito user yet) asks for an OTP and reads it from the SMS
    asked = ask(local_stack, NEW_EMPLOYEE)
    assert asked.status_code == 202, asked.text
    challenge = asked.json()["challenge_id"]
    tokens = verify(local_stack, challenge, otp_from_outbox(local_stack, challenge))
    # Then they hold real Cognito tokens
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    # And the id and the access token say the same of them, through the gateway's JWT check
    by_id = local_stack.call("GET", "/v1/me", bearer(body["id_token"]))
    by_access = local_stack.call("GET", "/v1/me", bearer(body["access_token"]))
    assert by_id.status_code == by_access.status_code == 200
    assert by_id.json() == by_access.json()
    assert by_id.json()["employee_code"] == NEW_EMPLOYEE
    # And they register with the access token
    created = local_stack.call("POST", "/v1/registrations", bearer(body["access_token"]), json={})
    assert created.status_code == 201, created.text
    # And a refresh gives new tokens that work too
    renewed = local_stack.call("POST", "/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert renewed.status_code == 200
    assert local_stack.call("GET", "/v1/me", bearer(renewed.json()["access_token"])).status_code == 200


def test_an_unknown_code_gets_the_same_202_and_the_fourth_wrong_otp_is_locked(local_stack: LocalStack) -> None:
    local_stack.set_clock("2026-01-21T10:00:00+05:30")
    unknown = ask(local_stack, "EMP-7777")
    known = ask(local_stack, NEW_EMPLOYEE)
    assert unknown.status_code == known.status_code == 202
    assert set(unknown.json()) == set(known.json()) == {"challenge_id", "expires_at", "resend_after"}
    challenge = known.json()["challenge_id"]
    right = otp_from_outbox(local_stack, challenge)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    codes = [verify(local_stack, challenge, wrong).json()["code"] for _ in range(3)]
    assert codes == ["otp_invalid"] * 3
    fourth = verify(local_stack, challenge, right)
    assert fourth.status_code == 401
    assert fourth.headers["Content-Type"] == "application/problem+json"
    assert fourth.json()["code"] == "otp_locked"


def test_the_sixth_otp_in_an_hour_gets_429_with_retry_after(local_stack: LocalStack) -> None:
    start = datetime(2026, 1, 22, 10, 0, tzinfo=UTC)
    for n in range(5):
        local_stack.set_clock((start + timedelta(seconds=31 * n)).isoformat())
        assert ask(local_stack, LIMITED_EMPLOYEE).status_code == 202
    local_stack.set_clock((start + timedelta(seconds=31 * 5)).isoformat())
    sixth = ask(local_stack, LIMITED_EMPLOYEE)
    assert sixth.status_code == 429
    assert sixth.json()["code"] == "too_many_requests"
    assert int(sixth.headers["Retry-After"]) == 3600 - 31 * 5


# ---------------------------------------------------------------------------- the gateway's JWT check

# moto signs every pool's tokens with this key: what the pool's JWKS publishes.
_MOTO_KEY = load_resource("cognitoidp/resources/jwks-private.json")


def _forge(claims: dict[str, Any], *, key: Any = None, headers: dict[str, str] | None = None) -> str:
    signing_key = key or jwt.PyJWK(_MOTO_KEY).key
    return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": "dummy", **(headers or {})})


@pytest.fixture
def genuine(local_stack: LocalStack) -> dict[str, Any]:
    """The claims of a real id token of a demo DDO: the pool's issuer and app client."""
    token = local_stack.login("ddo1")["Authorization"].split()[1]
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _variants(good: dict[str, Any]) -> dict[str, str]:
    now = int(time.time())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    access = {k: v for k, v in good.items() if k != "aud"} | {"token_use": "access", "client_id": good["aud"]}
    return {
        "expired": _forge({**good, "iat": now - 7200, "exp": now - 3600}),
        "signed by another key": _forge(good, key=other_key),
        "of another pool": _forge({**good, "iss": good["iss"] + "x"}),
        "for another app client": _forge({**good, "aud": "another-client"}),
        "an access token for another client": _forge({**access, "client_id": "another-client"}),
        "an id token naming its client as an access token does": _forge(
            {k: v for k, v in good.items() if k != "aud"} | {"client_id": good["aud"]}
        ),
        "of another kind": _forge({**good, "token_use": "refresh"}),
        "of no kind": _forge({k: v for k, v in good.items() if k != "token_use"}),
        "not yet valid": _forge({**good, "nbf": now + 3600}),
    }


def test_the_gateway_refuses_every_token_api_gateway_would(local_stack: LocalStack, genuine: dict[str, Any]) -> None:
    # Given a re-signed copy of a genuine token, it passes (the forging is sound)
    assert local_stack.call("GET", "/v1/me", bearer(_forge(genuine))).status_code == 200
    # Then each defect gets a 401 problem before any function runs
    for defect, token in _variants(genuine).items():
        reply = local_stack.call("GET", "/v1/me", bearer(token))
        assert reply.status_code == 401, defect
        assert reply.headers["Content-Type"] == "application/problem+json", defect
        assert reply.json()["code"] == "unauthenticated", defect


def test_the_deploy_step_an_employee_signs_in_with_the_cli(
    local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    local_stack.set_clock("2026-01-23T10:00:00+05:30")

    def otps() -> list[dict[str, Any]]:
        items = local_stack.call("GET", "/_local/outbox").json()["items"]
        return [i for i in items if i["recipient"] == f"employee:{LIMITED_EMPLOYEE}" and i["status"] == "SENT"]

    before = len(otps())

    def typed_from_the_sms(prompt: str) -> str:
        for _ in range(100):  # the SMS goes through the OTP queue
            if len(otps()) > before:
                campaign = otps()[-1]["campaign"]
                return otp_from_outbox(local_stack, campaign.removeprefix("otp#"))
            time.sleep(0.1)
        raise AssertionError("no OTP SMS arrived")

    # When the employee signs in with the one command of the deploy steps, typing the SMS's OTP
    monkeypatch.setattr("builtins.input", typed_from_the_sms)
    token_file = tmp_path / "token"
    code = main(["employee", "sign-in", LIMITED_EMPLOYEE, "--local", local_stack.url, "--token-file", str(token_file)])
    # Then they are signed in as the roll entry, and the saved token works
    assert code == 0
    assert f"Signed in: {LIMITED_EMPLOYEE}" in capsys.readouterr().out
    me = local_stack.call("GET", "/v1/me", bearer(token_file.read_text().strip()))
    assert me.json()["employee_code"] == LIMITED_EMPLOYEE
    # And a wrong OTP ends with the problem's code and exit 1
    monkeypatch.setattr("builtins.input", lambda prompt: "000000")
    local_stack.set_clock("2026-01-23T10:01:00+05:30")
    assert main(["employee", "sign-in", LIMITED_EMPLOYEE, "--local", local_stack.url]) == 1
    assert "otp_invalid" in capsys.readouterr().err


def test_the_gateway_answers_any_method_with_a_problem(local_stack: LocalStack) -> None:
    # Given a route that answers POST only, When it is sent other methods (the contract fuzz's TRACE got
    # http.server's HTML 501), Then each is a 405 problem naming the allowed methods; an unknown path is a 404
    answers = [local_stack.call(method, "/v1/auth/otp") for method in ("TRACE", "DELETE", "GET")]
    assert [(a.status_code, a.headers["Content-Type"], a.json()["code"], a.headers["Allow"]) for a in answers] == [
        (405, "application/problem+json", "method_not_allowed", "POST")
    ] * 3
    unknown = local_stack.call("TRACE", "/v1/nowhere")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "route_not_found")
