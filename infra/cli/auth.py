"""Sign-in for the API: which one the options ask for (`choose_auth`) and the id token it gives (`sign_in`).

`--token` (or $ANUBANDH_TOKEN) is used as it is; `--username` signs in to Cognito with the admin password
flow (infra/sign_in.py answers its challenges); `--local-user` asks the local stack's `/_local/login`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import requests

from infra import deployment as stack
from infra.cli.api import API_TIMEOUT, ApiError
from infra.cli_errors import AuthError, UsageError
from infra.deployment import DEFAULT_REGION, Deployment
from infra.sign_in import CognitoAdminAuth, Prompts, TerminalPrompts, admin_sign_in


@dataclass(frozen=True)
class TokenAuth:
    token: str


@dataclass(frozen=True)
class CognitoAuth:
    username: str
    password: str | None  # None: ask for it
    totp: str | None = None  # None: ask for it if Cognito does
    client_id: str | None = None  # None: the stack's UserPoolClientId output
    user_pool_id: str | None = None  # None: the stack's UserPoolId output
    region: str = DEFAULT_REGION


@dataclass(frozen=True)
class LocalAuth:
    username: str


Auth = TokenAuth | CognitoAuth | LocalAuth


def choose_auth(args: argparse.Namespace, env: Mapping[str, str]) -> Auth:
    """Which sign-in the options ask for: --token, --username (Cognito), --local-user, else ANUBANDH_TOKEN."""
    cognito_only = (args.client_id, args.password, args.user_pool_id, args.totp)
    if args.username is None and cognito_only != (None, None, None, None):
        raise UsageError("--client-id, --user-pool-id, --password and --totp go with --username")
    if args.token:
        return TokenAuth(args.token)
    if args.local_user:
        return LocalAuth(args.local_user)
    if args.username:
        if not (args.stack or args.local):
            if not args.client_id:
                raise UsageError("--username needs --stack NAME (or --client-id, the app client's id)")
            if not args.user_pool_id:
                raise UsageError("--username needs --stack NAME (or --user-pool-id, the stack's UserPoolId output)")
        return CognitoAuth(
            username=args.username,
            password=args.password or env.get("ANUBANDH_PASSWORD"),
            totp=args.totp,
            client_id=args.client_id,
            user_pool_id=args.user_pool_id,
            region=args.region or env.get("AWS_REGION") or DEFAULT_REGION,
        )
    if env.get("ANUBANDH_TOKEN"):
        return TokenAuth(env["ANUBANDH_TOKEN"])
    raise UsageError("sign in with --local-user, --username (with --stack) or --token (or set ANUBANDH_TOKEN)")


def sign_in(
    auth: Auth,
    endpoint: str,
    http: requests.Session,
    *,
    deployment: Deployment | None = None,
    prompts: Prompts | None = None,
    cognito: Any = None,
) -> str:
    """An id token for the API."""
    if isinstance(auth, TokenAuth):
        return auth.token.removeprefix("Bearer ").strip()
    if isinstance(auth, LocalAuth):
        return _local_login(auth.username, endpoint, http)
    prompts = prompts or TerminalPrompts.default()
    password = auth.password or prompts.password(f"Password for {auth.username}: ")
    if cognito is None and deployment is not None:
        cognito = deployment.client("cognito-idp")
    elif cognito is None:
        cognito = boto3.client("cognito-idp", region_name=auth.region)
    admin = CognitoAdminAuth(
        cognito,
        user_pool_id=auth.user_pool_id or _required(deployment, stack.USER_POOL_ID),
        client_id=auth.client_id or _required(deployment, stack.USER_POOL_CLIENT_ID),
    )
    return admin_sign_in(admin, auth.username, password, totp=auth.totp, prompts=prompts).id_token


def _required(deployment: Deployment | None, output: str) -> str:
    if deployment is None:
        raise UsageError(f"--username needs --stack NAME (for its {output} output)")
    return deployment.output(output)


def _local_login(username: str, endpoint: str, http: requests.Session) -> str:
    response = http.post(f"{endpoint.rstrip('/')}/_local/login", json={"username": username}, timeout=API_TIMEOUT)
    if response.status_code in {403, 404, 405}:
        raise AuthError(f"{endpoint} has no /_local/login: --local-user works only with the local stack (make run)")
    if not response.ok:
        raise ApiError.of(response)
    return str(response.json()["id_token"])
