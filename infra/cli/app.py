"""The `anubandh` parser, every command's subcommands in it, and `main`, which turns failures into exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import requests
from botocore.exceptions import BotoCoreError, ClientError

from infra.cli.employee import add_employee_commands
from infra.cli.operator_commands import add_operator_commands
from infra.cli.roll import add_roll_commands
from infra.cli_errors import EXIT_FAILED, EXIT_USAGE, CliError
from infra.deployment import aws_problem
from infra.verify_cli import add_verify_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anubandh", description="Anubandh's operator tools.")
    commands = parser.add_subparsers(dest="area", metavar="COMMAND", required=True)
    add_operator_commands(commands)
    add_roll_commands(commands)
    add_employee_commands(commands)
    add_verify_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, or argparse's own usage errors (exit 2)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        code: int = args.handler(args, os.environ)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except requests.RequestException as error:
        print(f"error: cannot reach the API: {error}", file=sys.stderr)
        return EXIT_FAILED
    except (ClientError, BotoCoreError) as error:
        print(f"error: {aws_problem(error, 'AWS refused')}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\ninterrupted: an import already uploaded goes on; see `anubandh roll status`", file=sys.stderr)
        return 130
    return code
