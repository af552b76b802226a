"""How an `anubandh` command ends when it cannot go on: a message on stderr and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ROW_ERRORS = 3

# Where the API is when no --stack, --local or --endpoint says it (every command that calls the API).
ENDPOINT_VARIABLE = "ANUBANDH_ENDPOINT"


class CliError(Exception):
    """Ends the command with a message on stderr and an exit code."""

    exit_code = EXIT_FAILED


class UsageError(CliError):
    exit_code = EXIT_USAGE


class LocalFileProblem(CliError):
    exit_code = EXIT_USAGE


class AuthError(CliError):
    exit_code = EXIT_FAILED
