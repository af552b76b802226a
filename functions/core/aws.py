"""Lazily created boto3 clients, one per service per process.

Nothing is built at import time: tests enter moto before the first call, and a cold start pays
only for the clients a request really uses. `AWS_ENDPOINT_URL` (set by the local stack) points
every client at the moto server with no code change; the function's settings say whether it is set.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

from core.settings import FunctionSettings

if TYPE_CHECKING:  # the boto3 stubs are a dev dependency (type checking only): nothing imports them at run time
    from botocore.client import BaseClient
    from types_boto3_cognito_idp.client import CognitoIdentityProviderClient
    from types_boto3_dynamodb.client import DynamoDBClient
    from types_boto3_dynamodb.service_resource import DynamoDBServiceResource
    from types_boto3_kms.client import KMSClient
    from types_boto3_s3.client import S3Client
    from types_boto3_ses.client import SESClient
    from types_boto3_sns.client import SNSClient
    from types_boto3_sqs.client import SQSClient

# botocore's standard retry mode waits rand(0, 1) * min(scale * 2**i, 20 s) before retry i (0-based):
# a scale of 1 s after a throttling error, 50 ms (DynamoDB: 25 ms) after any other. The worst case is the
# throttling one.
THROTTLING_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 20.0


@dataclass(frozen=True)
class RetryBudget:
    """How long one AWS call may take, botocore's retries included (standard mode)."""

    attempts: int  # in all, the first one included (botocore's `total_max_attempts`)
    connect_timeout: float
    read_timeout: float  # of each read from the socket: a call that stalls gives up after this

    @property
    def worst_case_seconds(self) -> float:
        """Every attempt times out connecting and then reading, and each wait is the longest backoff."""
        waits = sum(min(THROTTLING_BACKOFF_SECONDS * 2**i, MAX_BACKOFF_SECONDS) for i in range(self.attempts - 1))
        return self.attempts * (self.connect_timeout + self.read_timeout) + waits

    def config(self, *, path_style: bool) -> Config:
        # An endpoint override (the local moto server) has no per-bucket DNS names: use path style there.
        return Config(
            retries={"mode": "standard", "total_max_attempts": self.attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            signature_version="s3v4",  # pre-signed POSTs must be SigV4
            s3={"addressing_style": "path" if path_style else "virtual"},
        )


# The functions behind the HTTP API time out at 29 s (infra/template.yaml, Globals), 1 s inside the HTTP
# API's 30 s. One call's worst case: 3 attempts x (1 s + 3 s) + waits of 1 s and 2 s = 15 s, so a request
# that meets a throttled or stalled service answers 503 (core.aws_faults) with 14 s to spare for its other
# calls, which take milliseconds each when they answer (docs/capacity.md). DynamoDB, S3, KMS, SNS, SES and
# SQS answer in well under a second; 3 s is a stall, not a slow answer.
DEFAULT_BUDGET = RetryBudget(attempts=3, connect_timeout=1.0, read_timeout=3.0)
# Cognito's custom auth runs the user pool's triggers (Define, Create, Verify: each a Lambda Cognito
# gives 5 s) inside InitiateAuth and RespondToAuthChallenge: up to 10 s. 2 x (1 s + 10 s) + 1 s = 23 s.
SERVICE_BUDGETS: Mapping[str, RetryBudget] = {
    "cognito-idp": RetryBudget(attempts=2, connect_timeout=1.0, read_timeout=10.0),
}
# The user pool's trigger Lambda times out at 5 s: 2 x (0.5 s + 1 s) + 1 s = 4 s.
TRIGGER_BUDGET = RetryBudget(attempts=2, connect_timeout=0.5, read_timeout=1.0)
# The local stack (AWS_ENDPOINT_URL): one moto process, its DynamoDB serialised, on a laptop's cores
# shared with everything else. A slow answer there is load, not an outage: wait longer, retry the same.
LOCAL_BUDGET = RetryBudget(attempts=3, connect_timeout=2.0, read_timeout=20.0)


class AwsClients:
    def __init__(
        self,
        session: boto3.session.Session | None = None,
        *,
        path_style: bool = False,
        budget: RetryBudget | None = None,
    ) -> None:
        self._session = session
        self._path_style = path_style
        self._budget = budget  # None: DEFAULT_BUDGET, or the service's own in SERVICE_BUDGETS
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_function(cls, settings: FunctionSettings, *, budget: RetryBudget | None = None) -> AwsClients:
        local = bool(settings.aws_endpoint_url)
        return cls(path_style=local, budget=LOCAL_BUDGET if local else budget)

    def budget(self, service: str) -> RetryBudget:
        return self._budget or SERVICE_BUDGETS.get(service, DEFAULT_BUDGET)

    def config(self, service: str) -> Config:
        return self.budget(service).config(path_style=self._path_style)

    # `client` and `lazy` are typed per service (the boto3 stubs' client classes), so mypy checks every
    # call the stores make. A service not named here is a type error: add its overload (and its stubs).
    @overload
    def client(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["s3"]) -> S3Client: ...
    @overload
    def client(self, service: Literal["sqs"]) -> SQSClient: ...
    @overload
    def client(self, service: Literal["kms"]) -> KMSClient: ...
    @overload
    def client(self, service: Literal["sns"]) -> SNSClient: ...
    @overload
    def client(self, service: Literal["ses"]) -> SESClient: ...
    @overload
    def client(self, service: Literal["cognito-idp"]) -> CognitoIdentityProviderClient: ...
    @overload
    def client(self, service: Literal["secretsmanager"]) -> BaseClient: ...  # handed to Powertools only
    def client(self, service: str) -> Any:
        return self._client(service)

    @overload
    def lazy(self, service: Literal["s3"]) -> S3Client: ...
    @overload
    def lazy(self, service: Literal["sqs"]) -> SQSClient: ...
    @overload
    def lazy(self, service: Literal["sns"]) -> SNSClient: ...
    @overload
    def lazy(self, service: Literal["cognito-idp"]) -> CognitoIdentityProviderClient: ...
    def lazy(self, service: str) -> Any:
        """The service's client, built only when first used: a store holds it from the cold start, but
        most requests never touch S3, SQS or SNS, and building a client costs tens of milliseconds. It is a
        stand-in that passes every attribute to the real client, so it is typed as the client itself."""
        return _LazyClient(lambda: self._client(service))

    def resource(self, service: Literal["dynamodb"]) -> DynamoDBServiceResource:
        with self._lock:
            key = f"resource:{service}"
            if key not in self._clients:
                self._clients[key] = self._boto3_session().resource(service, config=self.config(service))
            return self._clients[key]

    def _client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._boto3_session().client(service, config=self.config(service))
            return self._clients[service]

    def _boto3_session(self) -> boto3.session.Session:
        # One session for all of the function's clients: each new session loads botocore's data anew.
        if self._session is None:
            self._session = boto3.session.Session()
        return self._session

    @property
    def dynamodb(self) -> DynamoDBClient:
        return self.client("dynamodb")

    @property
    def s3(self) -> S3Client:
        return self.lazy("s3")


class _LazyClient:
    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build

    def __getattr__(self, name: str) -> Any:
        # Only reached for what this object lacks: the first use builds (or finds) the real client.
        return getattr(self._build(), name)
