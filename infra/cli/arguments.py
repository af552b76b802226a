"""The options the commands share: where the deployment or the API is, and how to sign in."""

from __future__ import annotations

import argparse
from typing import Any

from infra.cli_errors import ENDPOINT_VARIABLE
from infra.deployment import DEFAULT_REGION

Subcommands = Any  # argparse's _SubParsersAction, which it does not export


def positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from error
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {value!r}")
    return number


def add_stack(group: Any) -> None:
    group.add_argument("--stack", metavar="NAME", help="the CloudFormation stack (its Outputs name everything else)")
    group.add_argument("--local", metavar="URL", help="the local stack (make run), e.g. http://127.0.0.1:3000")


def add_region(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help=f"the stack's region (default: $AWS_REGION, else {DEFAULT_REGION})")


def add_api_target(parser: argparse.ArgumentParser) -> None:
    """Where the API is: a stack, the local stack, or its URL (else $ANUBANDH_ENDPOINT)."""
    where = parser.add_argument_group(f"where (one of; none: the URL in ${ENDPOINT_VARIABLE})")
    target = where.add_mutually_exclusive_group()
    add_stack(target)
    target.add_argument(
        "--endpoint",
        metavar="URL",
        help=f"the API's base URL, e.g. http://127.0.0.1:3000 (default: ${ENDPOINT_VARIABLE})",
    )
    add_region(parser)


def add_connection(common: argparse.ArgumentParser) -> None:
    add_api_target(common)
    auth = common.add_argument_group("sign-in (one of; default: $ANUBANDH_TOKEN)")
    choice = auth.add_mutually_exclusive_group()
    choice.add_argument("--token", help="an id token (a JWT), used as it is")
    choice.add_argument("--username", help="sign in to Cognito as this user (admin password flow, AWS credentials)")
    choice.add_argument("--local-user", metavar="USER", help="the local stack's demo user, e.g. admin1")
    auth.add_argument("--password", help="for --username (default: $ANUBANDH_PASSWORD, else asked)")
    auth.add_argument("--totp", metavar="CODE", help="for --username: the TOTP app's 6-digit code (else asked)")
    auth.add_argument(
        "--client-id",
        help="for --username with --endpoint (no --stack or --local to read it from): the app client's id, "
        "the stack's UserPoolClientId output; needs --user-pool-id too",
    )
    auth.add_argument(
        "--user-pool-id",
        help="for --username with --endpoint: the user pool's id, the stack's UserPoolId output; needs --client-id too",
    )


def add_operator_target(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("where (one of; with your AWS credentials)")
    add_stack(where.add_mutually_exclusive_group(required=True))
    add_region(parser)
