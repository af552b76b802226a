"""Employee sign-in by OTP on moto: challenge, SMS, verify, first-sign-in user, refresh, sign-out, limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import jwt
import pytest

from auth import challenge as auth_challenge
from auth import handler as auth_handler
from core.clock import SettableClock
from infra.local.events import api_gateway_claims
from infra.local.template import LocalContext
from tests import factories
from tests.integration.conftest import Reply, call, directory_store
from tests.integration.test_deadline_jobs import drain

EMPLOYEE_MOBILE = "+919812345678"  # EMP-0001's mobile on the seeded roll


class Phone:
    """Every SMS the sign-in function publishes, with its real parameters."""

    def __init__(self) -> None:
        self.sms: list[dict[str, Any]] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.sms.append(params)

    def last_otp(self, number: str = EMPLOYEE_MOBILE) -> str:
        texts = [p["Message"] for p in self.sms if p["PhoneNumber"] == number]
        assert texts, f"no SMS reached {number}"
        found = re.search(r"\b(\d{6})\b", texts[-1])
        assert found is not None
        return found.group(1)


@pytest.fixture
def phone(seeded: LocalContext) -> Iterator[Phone]:
    received = Phone()
    auth_handler.wiring.aws.client("sns").meta.events.register("before-parameter-build.sns.Publish", received)
    yield received


def deliver_otps(stack: LocalContext) -> int:
    """Feeds the OTP queue to the sign-in function as Lambda's poller would."""
    return drain(stack, "AuthFunction")


def ask_otp(code: str = "EMP-0001", **headers: str) -> Reply:
    return call("POST", "/v1/auth/otp", as_=None, body={"employee_code": code}, headers=headers)


def answer(challenge_id: str, otp: str) -> Reply:
    return call("POST", "/v1/auth/otp/verify", as_=None, body={"challenge_id": challenge_id, "otp": otp})


def signed_in(stack: LocalContext, phone: Phone, code: str = "EMP-0001") -> dict[str, Any]:
    challenge = ask_otp(code).body["challenge_id"]
    deliver_otps(stack)
    reply = answer(challenge, phone.last_otp())
    assert reply.status == 200, reply.body
    return dict(reply.body)


def claims_of(token: str) -> dict[str, str]:
    """What API Gateway hands the Lambda once it has checked the token (the API tests check it for real)."""
    return api_gateway_claims(jwt.decode(token, options={"verify_signature": False}))


def test_an_employee_with_no_user_signs_in_by_the_otp_sent_to_the_roll_mobile_and_registers(
    seeded: LocalContext, phone: Phone
) -> None:
    # Given an employee on the roll with no Cognito user
    cognito = boto3.client("cognito-idp")
    pool = seeded.physical["UserPool"]["Ref"]
    assert not cognito.list_users(UserPoolId=pool, Filter='username = "emp:EMP-0001"')["Users"]
    # When they ask for an OTP
    asked = ask_otp()
    # Then the answer is 202 with the challenge, its expiry (5 minutes) and when to ask again (30 s)
    assert asked.status == 202
    assert set(asked.body) == {"challenge_id", "expires_at", "resend_after"}
    assert asked.body["expires_at"] == "2026-01-20T11:05:00+05:30"
    assert asked.body["resend_after"] == "2026-01-20T11:00:30+05:30"
    # And one transactional SMS goes to the roll's mobile, bilingual, with the DLT ids
    assert deliver_otps(seeded) == 1
    (sms,) = phone.sms
    assert sms["PhoneNumber"] == EMPLOYEE_MOBILE
    attributes = {k: v["StringValue"] for k, v in sms["MessageAttributes"].items()}
    assert attributes["AWS.SNS.SMS.SMSType"] == "Transactional"
    assert re.fullmatch(r"\d{19}", attributes["AWS.MM.SMS.EntityId"])
    assert re.fullmatch(r"\d{19}", attributes["AWS.MM.SMS.TemplateId"])
    assert "OTP" in sms["Message"] and "अनुबंध" in sms["Message"]
    # When they answer it
    tokens = answer(asked.body["challenge_id"], phone.last_otp())
    # Then Cognito's tokens come back, for a user created now in group employee
    assert tokens.status == 200
    assert set(tokens.body) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
    user = cognito.admin_get_user(UserPoolId=pool, Username="emp:EMP-0001")
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username="emp:EMP-0001")["Groups"]
    assert [g["GroupName"] for g in groups] == ["employee"]
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    link = directory_store().link(sub)
    assert link is not None and link.employee_code == "EMP-0001"
    # And the id and the access token give the same /v1/me, which knows the roll entry
    by_id = call("GET", "/v1/me", as_=claims_of(tokens.body["id_token"]))
    by_access = call("GET", "/v1/me", as_=claims_of(tokens.body["access_token"]))
    assert by_id.status == by_access.status == 200
    assert by_id.body == by_access.body
    assert by_id.body["employee_code"] == "EMP-0001"
    assert by_id.body["roles"] == ["employee"]
    # And with the access token they create their draft
    created = call("POST", "/v1/registrations", as_=claims_of(tokens.body["access_token"]), body={})
    assert created.status == 201, created.body


def test_the_ledger_keeps_the_sms_but_never_the_otp(seeded: LocalContext, phone: Phone) -> None:
    ask_otp()
    deliver_otps(seeded)
    otp = phone.last_otp()
    items = boto3.client("dynamodb").scan(TableName=seeded.physical["NotificationsTable"]["Ref"])["Items"]
    (entry,) = [i for i in items if i["sk"]["S"].startswith("employee:EMP-0001#otp#")]
    assert otp not in str(entry)
    assert "******" in entry["text"]["S"]
    assert entry["to_masked"]["S"] == "98******78"
    # and the challenge holds no OTP either
    challenges = boto3.client("dynamodb").scan(TableName=seeded.physical["SignInTable"]["Ref"])["Items"]
    assert challenges and otp not in str(challenges)


def test_a_code_not_on_the_roll_gets_the_same_answer_and_no_sms(seeded: LocalContext, phone: Phone) -> None:
    # When someone asks for a code that is not on the roll
    unknown = ask_otp("EMP-9999")
    known = ask_otp("EMP-0002")
    # Then the answer has the same status and shape as for a code on the roll
    assert unknown.status == known.status == 202
    assert set(unknown.body) == set(known.body)
    assert unknown.body["expires_at"] == known.body["expires_at"]
    # And a message is queued for each (the same work), but only the employee on the roll gets an SMS
    assert deliver_otps(seeded) == 2
    assert [p["PhoneNumber"] for p in phone.sms] == ["+919876501234"]
    # And no answer opens the unknown code's challenge
    reply = answer(unknown.body["challenge_id"], "123456")
    assert reply.status == 401 and reply.code == "otp_invalid"


def test_three_wrong_answers_lock_the_challenge_even_for_the_right_otp(seeded: LocalContext, phone: Phone) -> None:
    challenge = ask_otp().body["challenge_id"]
    deliver_otps(seeded)
    right = phone.last_otp()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    # When three wrong OTPs are sent
    replies = [answer(challenge, wrong) for _ in range(3)]
    # Then each is otp_invalid with the tries left, and the fourth, even the right one, is otp_locked
    assert [(r.status, r.code, r.body["attempts_left"]) for r in replies] == [
        (401, "otp_invalid", 2),
        (401, "otp_invalid", 1),
        (401, "otp_invalid", 0),
    ]
    fourth = answer(challenge, right)
    assert (fourth.status, fourth.code) == (401, "otp_locked")
    assert fourth.headers["Content-Type"] == "application/problem+json"


def test_an_expired_otp_is_refused(seeded: LocalContext, phone: Phone, clock: SettableClock) -> None:
    challenge = ask_otp().body["challenge_id"]
    deliver_otps(seeded)
    clock.set(clock.now() + timedelta(minutes=5, seconds=1), frozen=True)
    reply = answer(challenge, phone.last_otp())
    assert (reply.status, reply.code) == (401, "otp_expired")


def test_a_challenge_answered_once_cannot_be_replayed(seeded: LocalContext, phone: Phone) -> None:
    challenge = ask_otp().body["challenge_id"]
    deliver_otps(seeded)
    otp = phone.last_otp()
    assert answer(challenge, otp).status == 200
    replay = answer(challenge, otp)
    assert (replay.status, replay.code) == (401, "otp_used")


def test_an_unknown_challenge_is_expired(seeded: LocalContext) -> None:
    reply = answer("OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3B", "123456")
    assert (reply.status, reply.code) == (401, "otp_expired")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/auth/otp", {"employee_code": "emp 0001"}),  # malformed code
        ("/v1/auth/otp", {"employee_code": "EMP-0001", "mobile": "9812345678"}),  # unknown field
        ("/v1/auth/otp", ["EMP-0001"]),  # not an object
        ("/v1/auth/otp/verify", {"challenge_id": "OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3B", "otp": "12345"}),  # 5 digits
        ("/v1/auth/otp/verify", {"challenge_id": "OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3B", "otp": "1234567"}),
        ("/v1/auth/otp/verify", {"challenge_id": "not-a-challenge", "otp": "123456"}),
        ("/v1/auth/refresh", {"refresh_token": ""}),
    ],
)
def test_malformed_requests_get_a_422_and_change_nothing(
    seeded: LocalContext, path: str, body: Any, phone: Phone
) -> None:
    reply = call("POST", path, as_=None, body=body)
    assert (reply.status, reply.code) == (422, "validation_error")
    assert deliver_otps(seeded) == 0


def test_a_resend_waits_30_seconds_and_the_sixth_otp_of_an_hour_is_refused(
    seeded: LocalContext, clock: SettableClock
) -> None:
    start = clock.now()
    assert ask_otp().status == 202
    # A resend within 30 s is refused, and says when to try
    too_soon = ask_otp()
    assert (too_soon.status, too_soon.code) == (429, "too_many_requests")
    assert too_soon.headers["Retry-After"] == "30"
    # Four more, 31 s apart, are allowed; the sixth within the hour is not
    for n in range(1, 5):
        clock.set(start + timedelta(seconds=31 * n), frozen=True)
        assert ask_otp().status == 202
    clock.set(start + timedelta(seconds=31 * 5), frozen=True)
    sixth = ask_otp()
    assert (sixth.status, sixth.code) == (429, "too_many_requests")
    assert int(sixth.headers["Retry-After"]) == 3600 - 31 * 5  # the first of the hour leaves the window
    # Another employee is not affected
    assert ask_otp("EMP-0002").status == 202


def test_a_burst_from_one_address_is_braked(seeded: LocalContext, clock: SettableClock) -> None:
    start = clock.now()
    codes = [f"EMP-{n:04d}" for n in range(100, 131)]  # distinct codes: only the address limit applies
    replies = [ask_otp(code) for code in codes]
    assert [r.status for r in replies[:30]] == [202] * 30
    assert (replies[30].status, replies[30].code) == (429, "too_many_requests")
    clock.set(start + timedelta(minutes=1, seconds=1), frozen=True)
    assert ask_otp("EMP-0200").status == 202


def test_refresh_renews_the_tokens_and_a_dead_refresh_token_is_a_401(seeded: LocalContext, phone: Phone) -> None:
    tokens = signed_in(seeded, phone)
    renewed = call("POST", "/v1/auth/refresh", as_=None, body={"refresh_token": tokens["refresh_token"]})
    assert renewed.status == 200
    assert set(renewed.body) == {"id_token", "access_token", "expires_in", "token_type"}
    assert claims_of(renewed.body["id_token"])["sub"] == claims_of(tokens["id_token"])["sub"]
    forged = call("POST", "/v1/auth/refresh", as_=None, body={"refresh_token": "not-a-refresh-token"})
    assert (forged.status, forged.code) == (401, "refresh_invalid")


def test_sign_out_revokes_the_refresh_token_and_the_tokens_issued_before(
    seeded: LocalContext, phone: Phone, clock: SettableClock
) -> None:
    tokens = signed_in(seeded, phone)
    access = claims_of(tokens["access_token"])
    early = {**access, "iat": str(int(access["iat"]) - 5)}  # a token of the session, issued before
    # When the employee signs out
    out = call("POST", "/v1/auth/sign-out", as_=access)
    assert out.status == 204
    # Then the refresh token is dead and earlier tokens are refused
    refreshed = call("POST", "/v1/auth/refresh", as_=None, body={"refresh_token": tokens["refresh_token"]})
    assert (refreshed.status, refreshed.code) == (401, "refresh_invalid")
    me = call("GET", "/v1/me", as_=early)
    assert (me.status, me.code) == (401, "session_revoked")
    # And signing in again works
    clock.set(clock.now() + timedelta(minutes=1), frozen=True)
    again = signed_in(seeded, phone)
    assert call("GET", "/v1/me", as_=claims_of(again["access_token"])).status == 200


def test_only_the_proof_of_a_verified_otp_opens_cognito_s_custom_challenge(seeded: LocalContext, phone: Phone) -> None:
    # Given an employee who has signed in once (so the user exists)
    signed_in(seeded, phone)
    # When someone starts the custom flow with the public client and guesses an answer
    cognito = boto3.client("cognito-idp")
    client_id = seeded.physical["UserPoolClient"]["Ref"]
    started = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "emp:EMP-0001"}
    )
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    # Then the trigger refuses it, and the flow fails
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "emp:EMP-0001", "ANSWER": "OTP-01JH3Q8R5T6Y7V8W9X0Y1Z2A3B.guess"},
        )


class Calls:
    """Counts AWS API calls by service (a botocore event hook on the functions' clients)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.names.append(f"{model.service_model.service_name}:{model.name}")

    def take(self) -> list[str]:
        taken, self.names = self.names, []
        return taken


@pytest.fixture
def calls(seeded: LocalContext, phone: Phone) -> Calls:
    counted = Calls()
    aws = auth_handler.wiring.aws
    for service in ("dynamodb", "cognito-idp", "sns", "sqs", "secretsmanager"):
        aws.client(service).meta.events.register("before-call", counted)
    auth_challenge.wiring.sign_in._client.meta.events.register("before-call", counted)
    return counted


def test_what_a_sign_in_costs(seeded: LocalContext, phone: Phone, calls: Calls) -> None:
    # Asking: two limit windows (read, write), the roll entry, the challenge, one queued message
    challenge = ask_otp().body["challenge_id"]
    assert sorted(calls.take()) == sorted(
        ["dynamodb:GetItem"] * 3 + ["dynamodb:PutItem"] * 3 + ["sqs:SendMessageBatch"]
    )
    # Sending: the challenge, the programme, the roll entry, the OTP key, the ledger claim and confirm, one SMS
    deliver_otps(seeded)
    sent = calls.take()
    assert sent.count("sns:Publish") == 1
    assert sent.count("secretsmanager:GetSecretValue") == 1
    # Verifying, first sign-in: the challenge (read, write), the user created, linked, and the custom flow
    answer(challenge, phone.last_otp())
    first = calls.take()
    assert [c for c in first if c.startswith("cognito-idp:")] == [
        "cognito-idp:AdminGetUser",
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminAddUserToGroup",  # then the password, which confirms the user: CONFIRMED means both done
        "cognito-idp:AdminSetUserPassword",
        "cognito-idp:AdminInitiateAuth",
        "cognito-idp:AdminRespondToAuthChallenge",
    ]
    assert [c for c in first if c.startswith("dynamodb:")] == [
        "dynamodb:GetItem",  # the challenge
        "dynamodb:UpdateItem",  # answered: the proof's digest
        "dynamodb:GetItem",  # the directory link: none yet
        "dynamodb:PutItem",  # the link to the roll entry
        "dynamodb:UpdateItem",  # the Verify trigger redeems the proof
    ]


def help_request(**changes: str) -> Reply:
    body = {
        "employee_code": "EMP-0001",
        "family_id": "FAM12345",
        "date_of_birth": "1988-04-12",
        "new_mobile": "9700012345",
        "message": "My old SIM is lost.",
        **changes,
    }
    return call("POST", "/v1/auth/help", as_=None, body=body)


def ddo_queue() -> list[str]:
    reply = call("GET", "/v1/roll/corrections", as_=factories.ddo("DDO-PKL-001"))
    assert reply.status == 200, reply.body
    return [item["employee_code"] for item in reply.body["items"]]


def test_a_help_request_matching_the_roll_reaches_the_ddo_and_a_mismatch_nothing(
    seeded: LocalContext, clock: SettableClock
) -> None:
    # When the Family ID does not match, or the code is not on the roll
    wrong_family = help_request(family_id="FAM99999")
    unknown = help_request(employee_code="EMP-9999")
    # Then the answer is the same 202 as for a match, and nothing reaches the DDO
    assert wrong_family.status == unknown.status == 202
    assert ddo_queue() == []
    # When the details match (a minute later: one help request a minute per code)
    clock.set(clock.now() + timedelta(minutes=1), frozen=True)
    matched = help_request()
    assert matched.status == 202
    assert matched.body == wrong_family.body == unknown.body
    # Then the DDO sees one request
    assert ddo_queue() == ["EMP-0001"]


@pytest.mark.parametrize(
    "changes",
    [{"family_id": "FAM-1"}, {"date_of_birth": "12-04-1988"}, {"new_mobile": "12345"}, {"employee_code": "emp 1"}],
)
def test_a_malformed_help_request_gets_a_422_and_opens_nothing(seeded: LocalContext, changes: dict[str, str]) -> None:
    reply = help_request(**changes)
    assert (reply.status, reply.code) == (422, "validation_error")
    assert ddo_queue() == []


def test_help_requests_are_limited_per_employee_code(seeded: LocalContext, clock: SettableClock) -> None:
    start = clock.now()
    for n in range(3):
        clock.set(start + timedelta(minutes=2 * n), frozen=True)
        assert help_request(family_id="FAM99999").status == 202
    clock.set(start + timedelta(minutes=6), frozen=True)
    fourth = help_request()
    assert (fourth.status, fourth.code) == (429, "too_many_requests")
    assert "Retry-After" in fourth.headers
