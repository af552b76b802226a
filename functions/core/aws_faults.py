"""Which AWS failures are transient: the one place that decides, by botocore's error *code* (never
its message), what a client may simply retry later.

botocore has already retried such a call (core.aws: standard mode, bounded attempts) when one of
these reaches us, so the request stops here and core.http answers 503 `service_unavailable` with
`Retry-After`. Any other AWS error is a defect or a misconfiguration, and stays a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from core.errors import ServiceUnavailable

# What an AWS call raises once botocore gives up: an error answer, or no answer (a timeout, a dropped
# connection). For code that must undo a step when a later one fails.
AWS_ERRORS = (ClientError, BotoCoreError)


class FaultKind(StrEnum):
    THROTTLED = "throttled"  # over a rate or capacity limit: back off
    UNAVAILABLE = "unavailable"  # the service failed or did not answer in time


# Per service, as its API documents them (the union is what counts: a ClientError does not name its
# service). TransactionCanceledException is judged by its cancellation reasons, below.
THROTTLING_CODES: Mapping[str, frozenset[str]] = {
    "dynamodb": frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}),
    "kms": frozenset({"ThrottlingException"}),
    "s3": frozenset({"SlowDown"}),
    "sns": frozenset({"Throttled", "ThrottlingException", "ThrottledException"}),
    "ses": frozenset({"Throttling"}),
    "sqs": frozenset({"RequestThrottled", "ThrottlingException"}),
    "cognito-idp": frozenset({"TooManyRequestsException"}),
    "secretsmanager": frozenset({"ThrottlingException"}),
}
UNAVAILABLE_CODES: Mapping[str, frozenset[str]] = {
    "dynamodb": frozenset({"InternalServerError", "ServiceUnavailable"}),
    "kms": frozenset({"KMSInternalException", "DependencyTimeoutException"}),
    "s3": frozenset({"InternalError", "ServiceUnavailable", "RequestTimeout"}),
    "sns": frozenset({"InternalError", "InternalFailure", "ServiceUnavailable"}),
    "ses": frozenset({"InternalFailure", "ServiceUnavailable"}),
    "sqs": frozenset({"InternalFailure", "ServiceUnavailable"}),
    "cognito-idp": frozenset({"InternalErrorException"}),
    "secretsmanager": frozenset({"InternalServiceError"}),
}
_THROTTLING = frozenset().union(*THROTTLING_CODES.values())
_UNAVAILABLE = frozenset().union(*UNAVAILABLE_CODES.values())

# A transaction cancelled for these reasons only would have gone through a moment later; a failed
# condition (or a malformed item) would not.
TRANSIENT_CANCELLATIONS = frozenset(
    {"None", "ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)
TRANSACTION_CANCELED = "TransactionCanceledException"

# Seconds a client should wait before retrying (RFC 9110 Retry-After): past botocore's own backoff,
# long enough for a throttled partition or an on-demand table to catch up.
RETRY_AFTER_SECONDS: Mapping[FaultKind, int] = {FaultKind.THROTTLED: 5, FaultKind.UNAVAILABLE: 5}


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def transient_cancellation(error: ClientError) -> bool:
    """A TransactionCanceledException none of whose items failed for a reason a retry cannot mend."""
    if error_code(error) != TRANSACTION_CANCELED:
        return False
    reasons = error.response.get("CancellationReasons") or []
    return bool(reasons) and all(str(r.get("Code", "None")) in TRANSIENT_CANCELLATIONS for r in reasons)


def _wrapped(error: BaseException) -> BaseException | None:
    """The AWS error inside a Powertools error: its idempotency store's (`raise ... from` it) or its
    parameter providers' (raised while handling it: the AWS error is the context)."""
    # Imported here, on a failure's path only: a function that never uses Powertools' idempotency or
    # parameters (the user pool's trigger) does not load them at its cold start.
    from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
        IdempotencyPersistenceLayerError,
    )
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

    if isinstance(error, IdempotencyPersistenceLayerError | GetParameterError):
        return error.__cause__ or error.__context__
    return None


def fault_kind(error: BaseException) -> FaultKind | None:
    """THROTTLED or UNAVAILABLE if `error` (or the AWS error a Powertools utility wrapped in it) is a
    transient AWS failure; None for anything else."""
    if isinstance(error, BotoConnectionError | HTTPClientError):  # timeouts, refused or dropped connections
        return FaultKind.UNAVAILABLE
    if not isinstance(error, ClientError):
        cause = None if isinstance(error, BotoCoreError) else _wrapped(error)
        return fault_kind(cause) if cause is not None else None
    code = error_code(error)
    if code in _THROTTLING:
        return FaultKind.THROTTLED
    if code in _UNAVAILABLE:
        return FaultKind.UNAVAILABLE
    if transient_cancellation(error):
        reasons = {str(r.get("Code")) for r in error.response.get("CancellationReasons") or []}
        throttled = {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
        return FaultKind.THROTTLED if reasons & throttled else FaultKind.UNAVAILABLE
    return None


def describe(error: BaseException) -> dict[str, str]:
    """What a log line says of the failure: its type, and the AWS code and operation if it has them."""
    cause = error if isinstance(error, AWS_ERRORS) else (_wrapped(error) or error)
    described = {"error_type": type(cause).__name__}
    if isinstance(cause, ClientError):
        described |= {"error_code": error_code(cause), "operation": cause.operation_name}
    return described


def service_unavailable(error: BaseException) -> ServiceUnavailable | None:
    """The problem to answer for a transient AWS failure (None: not one)."""
    kind = fault_kind(error)
    if kind is None:
        return None
    if kind == FaultKind.THROTTLED:
        return ServiceUnavailable("throttled", retry_after_seconds=RETRY_AFTER_SECONDS[kind])
    return ServiceUnavailable("unavailable", retry_after_seconds=RETRY_AFTER_SECONDS[kind])
