"""Where a command goes: the deployment the options name, the API's URL, and a signed-in client."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import requests

from infra import deployment as stack
from infra.cli.api import AnubandhClient
from infra.cli.auth import choose_auth, sign_in
from infra.cli_errors import ENDPOINT_VARIABLE, UsageError
from infra.deployment import DEFAULT_REGION, Deployment


def find_deployment(args: argparse.Namespace, env: Mapping[str, str], http: requests.Session) -> Deployment | None:
    """The stack the options name (--stack or --local), or None (--endpoint alone)."""
    if args.local:
        return stack.from_local(args.local, http)
    if args.stack:
        return stack.from_stack(args.stack, args.region or env.get("AWS_REGION") or DEFAULT_REGION)
    return None


def api_endpoint(deployment: Deployment | None, args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """The API's base URL: the stack's ApiUrl output, else --endpoint, else $ANUBANDH_ENDPOINT."""
    endpoint = deployment.output(stack.API_URL) if deployment else args.endpoint or env.get(ENDPOINT_VARIABLE)
    if not endpoint:
        raise UsageError(f"name the API: --stack NAME, --local URL or --endpoint URL (or set {ENDPOINT_VARIABLE})")
    return str(endpoint)


def connect(args: argparse.Namespace, env: Mapping[str, str]) -> AnubandhClient:
    auth = choose_auth(args, env)  # usage problems before any request
    http = requests.Session()
    deployment = find_deployment(args, env, http)
    endpoint = api_endpoint(deployment, args, env)
    token = sign_in(auth, endpoint, http, deployment=deployment)
    return AnubandhClient(endpoint, token, http, language=getattr(args, "language", "en"))
