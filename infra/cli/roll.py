"""`anubandh roll import` and `anubandh roll status`: the roll through the admin API, signed in as an admin."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

import requests

from infra.cli.api import COUNT_NAMES, AnubandhClient, ApiError, ImportState
from infra.cli.arguments import Subcommands, add_connection, positive
from infra.cli.connection import connect
from infra.cli.files import check_csv_file, default_report_path, size_text
from infra.cli.progress import ProgressBar, format_bar
from infra.cli_errors import EXIT_FAILED, EXIT_OK, EXIT_ROW_ERRORS, CliError

POLL_RETRIES = 3  # consecutive transient failures tolerated while following an import
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


def exit_code_for(state: ImportState) -> int:
    if state.status == "FAILED":
        return EXIT_FAILED
    if state.status == "COMPLETED" and state.counts.get("errors", 0):
        return EXIT_ROW_ERRORS
    return EXIT_OK


def _transient(error: Exception) -> bool:
    if isinstance(error, ApiError):
        return error.status in TRANSIENT_STATUSES
    return isinstance(error, requests.ConnectionError | requests.Timeout)


def wait_for_import(
    client: AnubandhClient,
    import_id: str,
    bar: ProgressBar,
    *,
    poll_seconds: float,
    timeout_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ImportState:
    """Follows the import until it is COMPLETED or FAILED; a few passing network or 5xx failures in a row are
    waited out. Raises CliError when the time is up."""
    deadline = clock() + timeout_seconds
    failures = 0
    try:
        while True:
            try:
                state = client.import_status(import_id)
                failures = 0
            except (ApiError, requests.RequestException) as error:
                failures += 1
                if not _transient(error) or failures > POLL_RETRIES:
                    raise
            else:
                if state.rows_total is not None:
                    bar.update(state.rows_done, state.rows_total, state.counts)
                if state.finished:
                    return state
            if clock() >= deadline:
                raise CliError(
                    f"import {import_id} not finished after {timeout_seconds / 60:g} minutes; "
                    f"it goes on: follow it with `anubandh roll status {import_id}`"
                )
            sleep(poll_seconds)
    finally:
        bar.finish()


def print_summary(state: ImportState, out: TextIO) -> None:
    rows = "?" if state.rows_total is None else f"{state.rows_total:,}"
    print(f"Import {state.import_id} ({state.filename}): {state.status}", file=out)
    print(f"  lines      {state.rows_done:,}/{rows}", file=out)
    for name in COUNT_NAMES:
        print(f"  {name.replace('_', ' '):<19}{state.counts.get(name, 0):>10,}", file=out)
    if state.failure:
        print(f"  failure    {state.failure}", file=out)


def import_roll(
    client: AnubandhClient,
    path: Path,
    content: bytes,
    *,
    report_path: Path,
    poll_seconds: float,
    timeout_seconds: float,
    out: TextIO,
    err: TextIO,
    bar: ProgressBar | None = None,
) -> int:
    started = client.start_import(path.name)
    print(f"import {started.import_id} started for {path.name}", file=err)
    print(f"uploading {size_text(len(content))}…", end=" ", file=err, flush=True)
    try:
        client.upload(started.upload, path.name, content)
    except BaseException:
        print("failed", file=err)
        raise
    print("done", file=err)
    print("waiting for the import to start…", file=err)
    state = wait_for_import(
        client,
        started.import_id,
        bar or ProgressBar(err),
        poll_seconds=poll_seconds,
        timeout_seconds=timeout_seconds,
    )
    print_summary(state, out)
    if state.report_url:
        client.download(state.report_url, report_path)
        print(f"Report: {report_path}", file=out)
    code = exit_code_for(state)
    if code == EXIT_ROW_ERRORS:
        print(f"{state.counts['errors']:,} line(s) not imported: see the report", file=err)
    elif code == EXIT_FAILED:
        print(f"error: the import failed: {state.failure or 'no reason given'}", file=err)
    return code


def command_import(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    path: Path = args.file
    content = check_csv_file(path)  # fail fast, before signing in
    return import_roll(
        connect(args, env),
        path,
        content,
        report_path=args.report or default_report_path(path),
        poll_seconds=args.poll_seconds,
        timeout_seconds=args.timeout_minutes * 60,
        out=sys.stdout,
        err=sys.stderr,
    )


def command_status(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    state = connect(args, env).import_status(args.import_id)
    print_summary(state, sys.stdout)
    print(f"  progress   {format_bar(state.rows_done, state.rows_total, state.counts)}", file=sys.stdout)
    if state.report_url:
        print(f"Report URL (until {state.report_expires_at}): {state.report_url}", file=sys.stdout)
    return exit_code_for(state)


def add_roll_commands(commands: Subcommands) -> None:
    roll = commands.add_parser(
        "roll",
        help="the programme's roll of contractual employees",
        description="Load the roll from a CSV through the admin API, and follow an import; signed in as an admin.",
    )
    roll_commands = roll.add_subparsers(dest="command", metavar="COMMAND", required=True)

    start = roll_commands.add_parser(
        "import",
        help="import a roll CSV, with a progress bar",
        description="Upload a roll CSV (UTF-8, at most 50 MB), follow the import and save its report. "
        "Exit codes: 0 all lines imported, 3 some lines had errors, 1 failed, 2 bad usage or file.",
    )
    start.add_argument("file", type=Path, metavar="FILE.csv")
    add_connection(start)
    start.add_argument("--report", type=Path, help="where to save the report CSV (default: FILE.report.csv beside it)")
    start.add_argument(
        "--language",
        choices=("en", "hi"),
        default="en",
        help="the report's and the errors' language: en (English, the default) or hi (Hindi)",
    )
    start.add_argument("--poll-seconds", type=positive, default=1.0, help="between status checks (default: 1)")
    start.add_argument("--timeout-minutes", type=positive, default=30.0, help="give up after (default: 30)")
    start.set_defaults(handler=command_import)

    status = roll_commands.add_parser(
        "status",
        help="an import's status, counts and report link",
        description="Show an import's status, its counts and, once done, the link to its report CSV. Exit codes: "
        "0 completed, every line imported; 3 completed with line errors; 1 failed or refused; 2 bad usage.",
    )
    status.add_argument("import_id", metavar="IMPORT_ID")
    add_connection(status)
    status.set_defaults(handler=command_status)
