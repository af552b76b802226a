"""Transient AWS failures, decided by botocore's error code in one place, answer 503 with Retry-After;
every other AWS error stays a defect (the last-resort handler's, or Lambda's)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from core import aws_faults, errors
from core.aws_faults import FaultKind, fault_kind
from core.http import PROBLEM_JSON, create_resolver
from core.store import dynamo
from infra.local.events import http_api_event


def client_error(code: str, *, status: int = 400, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, "Operation")  # type: ignore[arg-type]


# The kinds, and the rest of each service's throttling and internal errors.
THROTTLED = [
    "ProvisionedThroughputExceededException",  # DynamoDB
    "ThrottlingException",  # DynamoDB, KMS, SNS, Secrets Manager
    "RequestLimitExceeded",  # DynamoDB (account level)
    "SlowDown",  # S3
    "Throttled",  # SNS
    "Throttling",  # SES
    "RequestThrottled",  # SQS
    "TooManyRequestsException",  # Cognito
]
UNAVAILABLE = [
    "InternalServerError",  # DynamoDB
    "KMSInternalException",  # KMS
    "InternalError",  # S3, SNS
    "ServiceUnavailable",  # S3, DynamoDB
    "InternalFailure",  # SES, SQS, SNS
    "InternalErrorException",  # Cognito
]


@pytest.mark.parametrize("code", THROTTLED)
def test_a_throttling_code_is_transient_throttling(code: str) -> None:
    assert fault_kind(client_error(code)) == FaultKind.THROTTLED


@pytest.mark.parametrize("code", UNAVAILABLE)
def test_an_internal_error_code_is_transient_unavailability(code: str) -> None:
    assert fault_kind(client_error(code, status=500)) == FaultKind.UNAVAILABLE


@pytest.mark.parametrize(
    "code",
    [
        "ConditionalCheckFailedException",
        "ValidationException",
        "AccessDenied",
        "ResourceNotFoundException",
        "NoSuchKey",
    ],
)
def test_an_error_a_retry_cannot_mend_is_not_transient(code: str) -> None:
    assert fault_kind(client_error(code)) is None


def test_the_code_decides_not_the_message_or_the_status() -> None:
    # A 500 whose code says nothing transient, and a message that mentions throttling, are not transient
    error = client_error("SerializationException", status=500)
    error.response["Error"]["Message"] = "Rate exceeded: ThrottlingException"
    assert fault_kind(error) is None


@pytest.mark.parametrize(
    ("reasons", "kind"),
    [
        (["ThrottlingError", "None"], FaultKind.THROTTLED),
        (["None", "ProvisionedThroughputExceeded"], FaultKind.THROTTLED),
        (["TransactionConflict", "None", "None"], FaultKind.UNAVAILABLE),
        (["ConditionalCheckFailed", "ThrottlingError"], None),  # a failed condition: the caller's to judge
        (["ValidationError"], None),
        ([], None),
    ],
)
def test_a_cancelled_transaction_is_transient_only_if_every_reason_is(
    reasons: list[str], kind: FaultKind | None
) -> None:
    assert fault_kind(client_error("TransactionCanceledException", reasons=reasons)) == kind


@pytest.mark.parametrize(
    "error",
    [
        ReadTimeoutError(endpoint_url="https://dynamodb.ap-south-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://kms.ap-south-1.amazonaws.com"),
        EndpointConnectionError(endpoint_url="https://sns.ap-south-1.amazonaws.com"),
    ],
)
def test_no_answer_in_time_is_transient_unavailability(error: Exception) -> None:
    assert fault_kind(error) == FaultKind.UNAVAILABLE


def test_the_aws_error_inside_powertools_idempotency_and_parameter_errors_decides() -> None:
    # Powertools raises its idempotency store's error `from` the AWS error...
    try:
        raise IdempotencyPersistenceLayerError("Failed to save in progress record") from client_error(
            "ProvisionedThroughputExceededException"
        )
    except IdempotencyPersistenceLayerError as wrapped:
        assert fault_kind(wrapped) == FaultKind.THROTTLED
    # ...and its parameter providers' while handling it
    try:
        try:
            raise client_error("ThrottlingException")
        except ClientError as error:
            raise GetParameterError(str(error))  # noqa: B904 - as Powertools raises it
    except GetParameterError as wrapped:
        assert fault_kind(wrapped) == FaultKind.THROTTLED
    assert fault_kind(IdempotencyPersistenceLayerError("no cause")) is None


def test_a_transient_fault_becomes_service_unavailable_with_its_retry_after() -> None:
    throttled = aws_faults.service_unavailable(client_error("SlowDown", status=503))
    assert isinstance(throttled, errors.ServiceUnavailable)
    assert (throttled.reason, throttled.extra["retry_after_seconds"]) == ("throttled", 5)
    down = aws_faults.service_unavailable(client_error("KMSInternalException", status=500))
    assert down is not None and down.reason == "unavailable"
    assert aws_faults.service_unavailable(client_error("ValidationException")) is None


# ---------------------------------------------------------------- the resolver's one handler
def _resolve_raising(error: Exception) -> dict[str, Any]:
    app = create_resolver()

    @app.get("/boom")
    def boom() -> dict[str, Any]:
        raise error

    return app.resolve(http_api_event(method="GET", route="/boom", path="/boom"), None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (client_error("ProvisionedThroughputExceededException"), "throttled"),
        (client_error("TransactionCanceledException", reasons=["ThrottlingError"]), "throttled"),
        (client_error("InternalServerError", status=500), "unavailable"),
        (ReadTimeoutError(endpoint_url="https://dynamodb.ap-south-1.amazonaws.com"), "unavailable"),
    ],
)
def test_a_route_that_meets_a_transient_fault_answers_503_problem_with_retry_after(
    error: Exception, reason: str
) -> None:
    answer = _resolve_raising(error)
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 503
    assert answer["headers"]["Content-Type"] == PROBLEM_JSON
    assert answer["headers"]["Retry-After"] == "5"
    assert (body["code"], body["retry_after_seconds"]) == ("service_unavailable", 5)
    assert "5 seconds" in body["detail"] and "Idempotency-Key" in body["detail"]
    said = {"throttled": "more requests than it can serve", "unavailable": "did not answer in time"}
    assert said[reason] in body["detail"]


def test_any_other_aws_error_is_left_to_the_last_resort_handler() -> None:
    # A defect or a misconfiguration, not something to retry: 500 internal_error, no Retry-After
    answer = _resolve_raising(client_error("ValidationException"))
    assert answer["statusCode"] == 500 and "Retry-After" not in answer["headers"]
    assert json.loads(answer["body"])["code"] == "internal_error"


@pytest.mark.parametrize(
    ("error", "seconds"),
    [
        (errors.Busy(), "2"),
        (errors.ProgrammeUnavailable(programme_id="HR-2026"), "60"),
        (errors.DocumentNotRetained(), "60"),
        (errors.SignInUnavailable(), "5"),
        (errors.ServiceUnavailable("throttled"), "5"),
    ],
)
def test_every_503_a_client_may_resend_says_when(error: errors.DomainError, seconds: str) -> None:
    answer = _resolve_raising(error)
    assert answer["statusCode"] == 503
    assert answer["headers"]["Retry-After"] == seconds
    assert json.loads(answer["body"])["retry_after_seconds"] == int(seconds)


def test_a_503_that_no_retry_mends_says_no_retry_after() -> None:
    # An operator must fix the programme data first
    answer = _resolve_raising(errors.NoGrievanceUnit())
    assert answer["statusCode"] == 503 and "Retry-After" not in answer["headers"]


# ---------------------------------------------------------------- a transaction that stays cancelled
class _Cancelling:
    """A DynamoDB client whose every transaction is cancelled for `reasons`."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        self.attempts = 0

    def transact_write_items(self, **_: Any) -> None:
        self.attempts += 1
        raise client_error("TransactionCanceledException", reasons=self.reasons)


@pytest.mark.parametrize(
    ("reasons", "answer"),
    [
        (["TransactionConflict"], errors.Busy),  # contended: busy, try again in 2 s
        (["ThrottlingError"], ClientError),  # throttled: service_unavailable (throttled), in 5 s
    ],
)
def test_a_transaction_that_stays_cancelled_is_busy_if_contended_and_throttled_if_throttled(
    monkeypatch: pytest.MonkeyPatch, reasons: list[str], answer: type[Exception]
) -> None:
    monkeypatch.setattr(dynamo.time, "sleep", lambda _: None)
    client = _Cancelling(reasons)
    with pytest.raises(answer) as raised:
        dynamo.transact_write(client, [dynamo.put_new("record", "t", {"pk": {"S": "a"}})])
    assert client.attempts == dynamo.TRANSACTION_ATTEMPTS
    unavailable = aws_faults.service_unavailable(raised.value)
    assert (unavailable is not None) == (answer is ClientError)
