"""The whole local stack in one process tree: moto server, provisioning, demo data, gateway, pollers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import requests

from core.clock import SettableClock, install_clock
from core.programme import Programme
from core.store.notifications import NotificationStore
from infra.local.auth import JwtVerifier
from infra.local.functions import FunctionRunner
from infra.local.gateway import TemplateGateway, serve
from infra.local.local_endpoints import LocalEndpoints
from infra.local.moto_fidelity import LAMBDA_ENDPOINT_VARIABLE
from infra.local.poller import QueuePoller, wait_until_drained
from infra.local.ports import PortInUse, is_free, taken
from infra.local.provision import provision
from infra.local.routing import RouteTable
from infra.local.seed import PROGRAMME, Tables, demo_users, seed
from infra.local.template import (
    LocalContext,
    ScheduledJob,
    function_environment,
    function_handlers,
    http_routes,
    load_template,
    resources_of_type,
    scheduled_jobs,
    sqs_sources,
    stack_outputs,
)

REGION = "ap-south-1"
STACK_NAME = "anubandh-local"
LOCAL_SETTINGS_CACHE_SECONDS = 1
ROOT = Path(__file__).resolve().parents[2]

# The outputs of what the local stack realises another way: its gateway is the API, and IAM (the
# operators' policy) is not enforced by moto.
LOCAL_POLICY_ARN = "arn:aws:iam::123456789012:policy/anubandh-local-operator-not-enforced"


def local_outputs(template: dict[str, Any], context: LocalContext, gateway_url: str) -> dict[str, str]:
    """The template's Outputs for the local stack: what CloudFormation lists after a deploy."""
    return stack_outputs(template, context, {"ApiUrl": gateway_url, "OperatorPolicyArn": LOCAL_POLICY_ARN})


@dataclass
class StackConfig:
    host: str = "127.0.0.1"
    port: int = 3000
    moto_port: int = 5000
    clock: str | None = None

    @classmethod
    def from_environment(cls) -> StackConfig:
        return cls(
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "3000")),
            moto_port=int(os.environ.get("MOTO_PORT", "5000")),
            clock=os.environ.get("CLOCK") or None,
        )

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    @property
    def ports(self) -> dict[str, int]:
        """Each port by the variable that sets it."""
        return {"MOTO_PORT": self.moto_port, "PORT": self.port}


@dataclass
class RunningStack:
    config: StackConfig
    context: LocalContext
    moto: subprocess.Popen[bytes]
    server: Any
    pollers: list[QueuePoller] = field(default_factory=list)
    clock: SettableClock = field(default_factory=SettableClock)
    jobs: dict[str, ScheduledJob] = field(default_factory=dict)
    programme: Programme = PROGRAMME

    def stop(self) -> None:
        """Pollers first (they stop asking moto), then the gateway, then moto: a few seconds at most."""
        for poller in self.pollers:
            poller.stop()
        self.server.shutdown()  # returns once serve_forever has (it polls every 0.5 s)
        self.server.server.server_close()
        self.moto.terminate()
        try:
            self.moto.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.moto.kill()


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if not is_free(host, port):  # taken since the check
                raise PortInUse("\n".join(taken(host, {"MOTO_PORT": port})))
            raise RuntimeError(f"the moto server exited with code {process.returncode}")
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the moto server did not listen on {host}:{port} within {timeout} s")


# Credentials that cannot reach AWS, shared by the functions and the moto server.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def _use_local_aws(moto_url: str) -> None:
    """Point every boto3 client in this process at moto, with credentials that cannot reach AWS."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": moto_url,
            **LOCAL_CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
        }
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)


def _function_environments(template: dict[str, Any], context: LocalContext) -> dict[str, str]:
    """Every function's variables; all handlers share this process, so the names must agree."""
    merged: dict[str, str] = {}
    for function_id in resources_of_type(template, "AWS::Serverless::Function"):
        for name, value in function_environment(template, function_id, context).items():
            if name in merged and merged[name] != value and name != "POWERTOOLS_SERVICE_NAME":
                raise RuntimeError(f"functions disagree on {name}: {merged[name]!r} vs {value!r}")
            merged[name] = value
    merged.pop("POWERTOOLS_SERVICE_NAME", None)
    return merged


def function_services(template: dict[str, Any], context: LocalContext) -> dict[str, str]:
    """Each function's POWERTOOLS_SERVICE_NAME (its logical id if the template gives none)."""
    return {
        function_id: function_environment(template, function_id, context).get("POWERTOOLS_SERVICE_NAME", function_id)
        for function_id in resources_of_type(template, "AWS::Serverless::Function")
    }


def _cors_headers(template: dict[str, Any]) -> dict[str, str]:
    apis = resources_of_type(template, "AWS::Serverless::HttpApi")
    cors = next(iter(apis.values()), {}).get("Properties", {}).get("CorsConfiguration", {})
    return {
        "Access-Control-Allow-Origin": ",".join(cors.get("AllowOrigins", ["*"])),
        "Access-Control-Allow-Headers": ",".join(cors.get("AllowHeaders", [])),
        "Access-Control-Allow-Methods": ",".join(cors.get("AllowMethods", [])),
        "Access-Control-Max-Age": str(cors.get("MaxAge", 0)),
    }


def start(config: StackConfig) -> RunningStack:
    """Everything, in order; PortInUse (before anything starts) if a port is taken."""
    busy = taken(config.host, config.ports)
    if busy:
        raise PortInUse("\n".join(busy))
    moto = subprocess.Popen(
        [sys.executable, "-m", "infra.local.moto_fidelity", "-H", config.host, "-p", str(config.moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # moto calls the user pool's triggers (custom auth) through the gateway's Lambda endpoint.
        # With the functions' credentials: it checks their pre-signed POSTs' signatures.
        env={**os.environ, **LOCAL_CREDENTIALS, LAMBDA_ENDPOINT_VARIABLE: f"{config.gateway_url}/_local/lambda"},
    )
    try:
        _wait_for_port(config.host, config.moto_port, moto)
        _use_local_aws(config.moto_url)
        template = load_template()
        context = provision(template, endpoint_url=config.moto_url, region=REGION, stack_name=STACK_NAME)
        os.environ.update(_function_environments(template, context))
        # In the cloud an admin's window change reaches every function within the 60 s settings
        # cache; locally a demo (or an API test) should not have to wait for it.
        os.environ.setdefault("SETTINGS_CACHE_SECONDS", str(LOCAL_SETTINGS_CACHE_SECONDS))

        clock = SettableClock()
        if config.clock:
            clock.set(datetime.fromisoformat(config.clock))
        install_clock(clock)

        pool = _only(template, "AWS::Cognito::UserPool")
        client = _only(template, "AWS::Cognito::UserPoolClient")
        dynamodb = boto3.client("dynamodb")
        seed(
            dynamodb=dynamodb,
            dynamodb_resource=boto3.resource("dynamodb"),
            cognito=boto3.client("cognito-idp"),
            tables=Tables(
                settings=os.environ["SETTINGS_TABLE"],
                roll=_physical(context, template, "AWS::DynamoDB::Table", "RollTable"),
                directory=os.environ["DIRECTORY_TABLE"],
                corrections=_physical(context, template, "AWS::DynamoDB::Table", "CorrectionsTable"),
                events=_physical(context, template, "AWS::DynamoDB::Table", "EventsTable"),
                counters=_physical(context, template, "AWS::DynamoDB::Table", "CountersTable"),
            ),
            user_pool_id=context.physical[pool]["Ref"],
            now=clock.now(),
        )

        runner = FunctionRunner(services=function_services(template, context))
        pollers = [
            QueuePoller(
                sqs=boto3.client("sqs"),
                source=source,
                queue_url=context.physical[source.queue_id]["Ref"],
                queue_arn=context.physical[source.queue_id]["Arn"],
                region=REGION,
                runner=runner,
            )
            for source in sqs_sources(template)
        ]
        endpoints = LocalEndpoints(
            cognito=boto3.client("cognito-idp"),
            user_pool_id=context.physical[pool]["Ref"],
            client_id=context.physical[client]["Ref"],
            clock=clock,
            jobs=scheduled_jobs(template),
            runner=runner,
            drain=lambda timeout: wait_until_drained(pollers, timeout),
            ledger=NotificationStore(dynamodb, os.environ["NOTIFICATIONS_TABLE"]),
            functions={
                context.physical[function_id]["Ref"]: (function_id, handler)
                for function_id, handler in function_handlers(template).items()
            },
            sms_sent=lambda: requests.get(f"{config.moto_url}/moto-api/anubandh/sms", timeout=5).json(),
            demo_names={u.username: u.cognito_username for u in demo_users()},
            stack={
                "stack_name": STACK_NAME,
                "region": REGION,
                "aws_endpoint_url": config.moto_url,
                "outputs": local_outputs(template, context, config.gateway_url),
            },
        )
        gateway = TemplateGateway(
            routes=RouteTable(http_routes(template)),
            runner=runner,
            verifier=JwtVerifier(
                jwks_url=context.physical[pool]["JwksUrl"],
                issuer=context.physical[pool]["ProviderURL"],
                audience=context.physical[client]["Ref"],
            ),
            cors_headers=_cors_headers(template),
            local_endpoints=endpoints.routes(),
        )
        try:
            server = serve(gateway, config.host, config.port)
        except OSError as error:
            if is_free(config.host, config.port):
                raise
            raise PortInUse("\n".join(taken(config.host, {"PORT": config.port}))) from error
        for poller in pollers:
            poller.start()
        return RunningStack(
            config=config,
            context=context,
            moto=moto,
            server=server,
            pollers=pollers,
            clock=clock,
            jobs=scheduled_jobs(template),
        )
    except BaseException:
        moto.terminate()
        raise


def _only(template: dict[str, Any], type_name: str) -> str:
    found = list(resources_of_type(template, type_name))
    if len(found) != 1:
        raise RuntimeError(f"expected one {type_name} in the template, found {found}")
    return found[0]


def _physical(context: LocalContext, template: dict[str, Any], type_name: str, logical_id: str) -> str:
    if logical_id not in resources_of_type(template, type_name):
        raise RuntimeError(f"{logical_id} ({type_name}) is not in the template")
    return context.physical[logical_id]["Ref"]
