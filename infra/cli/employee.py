"""`anubandh employee sign-in`: what an employee's phone does, from a terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

import requests

from infra.cli.api import API_TIMEOUT, ApiError
from infra.cli.arguments import Subcommands, add_api_target
from infra.cli.connection import api_endpoint, find_deployment
from infra.cli_errors import EXIT_OK


def command_employee_sign_in(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """An employee's sign-in as a phone makes it: the OTP to the roll's mobile, typed in, then /v1/me."""
    http = requests.Session()
    endpoint = api_endpoint(find_deployment(args, env, http), args, env)
    asked = http.post(f"{endpoint}/v1/auth/otp", json={"employee_code": args.employee_code}, timeout=API_TIMEOUT)
    if asked.status_code != 202:
        raise ApiError.of(asked)
    challenge = asked.json()
    print(
        f"If {args.employee_code} is on the roll, an SMS with a 6-digit OTP has gone to its mobile "
        f"(valid until {challenge['expires_at']}).",
        file=sys.stderr,
    )
    otp = input("OTP: ").strip()
    verified = http.post(
        f"{endpoint}/v1/auth/otp/verify",
        json={"challenge_id": challenge["challenge_id"], "otp": otp},
        timeout=API_TIMEOUT,
    )
    if verified.status_code != 200:
        raise ApiError.of(verified)
    token = verified.json()["access_token"]
    me = http.get(f"{endpoint}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=API_TIMEOUT)
    if me.status_code != 200:
        raise ApiError.of(me)
    who = me.json()
    name = ((who.get("roll") or {}).get("record") or {}).get("personal", {}).get("name", "")
    print(f"Signed in: {who['employee_code']} {name}; registration: {who.get('registration_id') or 'not started'}")
    if args.token_file:
        args.token_file.write_text(token + "\n", encoding="utf-8")
        print(f"Access token saved to {args.token_file}", file=sys.stderr)
    return EXIT_OK


def add_employee_commands(commands: Subcommands) -> None:
    employee = commands.add_parser(
        "employee",
        help="what an employee does: sign in by OTP",
        description="What an employee's phone does, from a terminal: sign in by the OTP sent to the roll's mobile.",
    )
    employee_commands = employee.add_subparsers(dest="command", metavar="COMMAND", required=True)
    signing_in = employee_commands.add_parser(
        "sign-in",
        help="sign in by the OTP sent to the roll's mobile, as the employee's phone would",
        description="Ask for an OTP for EMPLOYEE_CODE, read it (typed in, from the SMS), verify it and show who "
        "the API says you are. Exit codes: 0 signed in, 1 refused (the problem's code is shown), 2 bad usage.",
    )
    signing_in.add_argument("employee_code", metavar="EMPLOYEE_CODE")
    add_api_target(signing_in)
    signing_in.add_argument("--token-file", type=Path, help="save the access token there (for curl)")
    signing_in.set_defaults(handler=command_employee_sign_in)
