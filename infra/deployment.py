"""Where the operator CLI finds a deployment: the CloudFormation stack's Outputs (`--stack NAME`), or
the local stack's `GET /_local/stack` (`--local URL`), which resolves the same Outputs of
infra/template.yaml and adds moto's endpoint. The API's URL, the user pool and the tables all come
from those Outputs, so no id is copied by hand and `make run` is driven exactly as AWS is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import requests
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from infra.cli_errors import CliError

DEFAULT_REGION = "ap-south-1"
LOCAL_TIMEOUT = (5, 30)  # seconds: connect, read

# The Outputs the CLI reads (infra/template.yaml declares them; tests/infra checks it).
API_URL = "ApiUrl"
USER_POOL_ID = "UserPoolId"
USER_POOL_CLIENT_ID = "UserPoolClientId"
PROGRAMME_ID = "ProgrammeId"
SETTINGS_TABLE = "SettingsTableName"
DIRECTORY_TABLE = "DirectoryTableName"
EVENTS_TABLE = "EventsTableName"
OUTPUTS_READ = (API_URL, USER_POOL_ID, USER_POOL_CLIENT_ID, PROGRAMME_ID, SETTINGS_TABLE, DIRECTORY_TABLE, EVENTS_TABLE)

# Throttled Cognito and DynamoDB calls are retried with backoff rather than failing a line.
_RETRIES = Config(retries={"mode": "standard", "max_attempts": 8})


def aws_problem(error: ClientError | BotoCoreError, doing: str) -> CliError:
    """AWS's refusal as a message with a next step, never a stack trace."""
    if isinstance(error, NoCredentialsError):
        return CliError(f"{doing}: no AWS credentials. Run `aws configure` or set AWS_PROFILE, then try again.")
    if isinstance(error, BotoCoreError):
        return CliError(f"{doing}: AWS could not be reached: {error}")
    details = error.response.get("Error", {})
    code, message = details.get("Code", "?"), details.get("Message", "")
    if code in {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}:
        return CliError(f"{doing}: your AWS identity may not do this ({code}): {message}. See docs/operator-cli.md.")
    return CliError(f"{doing}: {code}: {message}")


@dataclass(frozen=True)
class Deployment:
    name: str
    region: str
    outputs: Mapping[str, str]
    aws_endpoint_url: str | None = None  # the local stack's moto server; None for AWS itself
    _clients: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def local(self) -> bool:
        return self.aws_endpoint_url is not None

    def output(self, key: str) -> str:
        value = self.outputs.get(key)
        if not value:
            raise CliError(
                f"stack {self.name} has no output {key}: deploy the current template "
                "(make package && sam deploy --template-file build/template.yaml), then try again"
            )
        return value

    def _session_arguments(self) -> dict[str, Any]:
        if not self.local:
            return {"region_name": self.region, "config": _RETRIES}
        # moto takes any credentials; these can never reach AWS.
        return {
            "region_name": self.region,
            "endpoint_url": self.aws_endpoint_url,
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
            "config": _RETRIES,
        }

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, **self._session_arguments())
        return self._clients[service]

    def resource(self, service: str) -> Any:
        return boto3.resource(service, **self._session_arguments())


def from_stack(name: str, region: str, cloudformation: Any | None = None) -> Deployment:
    """The stack's Outputs, read with the operator's AWS credentials (cloudformation:DescribeStacks)."""
    client = cloudformation or boto3.client("cloudformation", region_name=region)
    try:
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ValidationError":
            raise CliError(
                f"no stack {name} in {region}: check --stack and --region (and AWS_PROFILE: the stack's account)"
            ) from error
        raise aws_problem(error, f"reading stack {name}") from error
    except BotoCoreError as error:
        raise aws_problem(error, f"reading stack {name}") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs") or []}
    return Deployment(name=name, region=region, outputs=outputs)


def from_local(url: str, http: requests.Session) -> Deployment:
    """The local stack's Outputs from `GET /_local/stack` (the `make run` gateway at `url`)."""
    try:
        response = http.get(f"{url.rstrip('/')}/_local/stack", timeout=LOCAL_TIMEOUT)
    except requests.RequestException as error:
        raise CliError(f"the local stack at {url} cannot be reached ({error}): is `make run` running?") from error
    if response.status_code in {403, 404, 405}:
        raise CliError(f"{url} has no /_local/stack: --local works only with the local stack (make run)")
    if not response.ok:
        raise CliError(f"the local stack at {url} answered HTTP {response.status_code} to /_local/stack")
    body = response.json()
    return Deployment(
        name=str(body["stack_name"]),
        region=str(body["region"]),
        outputs={str(k): str(v) for k, v in body["outputs"].items()},
        aws_endpoint_url=str(body["aws_endpoint_url"]),
    )
