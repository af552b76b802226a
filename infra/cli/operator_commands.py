"""`anubandh programme init` and `anubandh officials import`: written with the operator's AWS credentials
(Cognito and DynamoDB directly), audited as the operator's AWS identity."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import requests
from botocore.exceptions import BotoCoreError, ClientError

from core.audit import Actor
from core.csv_file import UnreadableFile
from core.errors import ProgrammeUnavailable
from core.store.directory import DirectoryStore
from core.store.events import EventStore
from core.store.programmes import ProgrammeStore
from infra import deployment as stack
from infra import officials
from infra.cli.arguments import Subcommands, add_operator_target
from infra.cli.connection import find_deployment
from infra.cli.files import check_csv_file, default_report_path
from infra.cli.progress import ProgressBar
from infra.cli_errors import EXIT_OK, EXIT_ROW_ERRORS, CliError, LocalFileProblem, UsageError
from infra.deployment import Deployment, aws_problem
from infra.officials_csv import Known, parse_officials
from infra.programmes import init_programme, read_programme_file

MAX_OFFICIALS_BYTES = 5 * 1024 * 1024  # some thousand officials take well under 1 MB
OFFICIALS_ALWAYS_SHOWN = frozenset({"created", "errors"})


def operator_actor(deployment: Deployment) -> Actor:
    """Who the audit trail names for an operator's write: their AWS identity (sts:GetCallerIdentity)."""
    try:
        arn = deployment.client("sts").get_caller_identity()["Arn"]
    except (ClientError, BotoCoreError) as error:
        raise aws_problem(error, "finding out who you are in AWS") from error
    return Actor(id=f"operator:{arn}", role="operator")


def _operator_deployment(args: argparse.Namespace, env: Mapping[str, str]) -> Deployment:
    deployment = find_deployment(args, env, requests.Session())
    if deployment is None:  # the parser requires one of them
        raise UsageError("name the deployment: --stack NAME or --local URL")
    return deployment


def _programmes(deployment: Deployment) -> ProgrammeStore:
    dynamodb = deployment.client("dynamodb")
    return ProgrammeStore(dynamodb, deployment.resource("dynamodb"), deployment.output(stack.SETTINGS_TABLE), 0)


def command_programme_init(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    programme = read_programme_file(args.file)  # every problem of the file, before any request
    deployment = _operator_deployment(args, env)
    dynamodb = deployment.client("dynamodb")
    result = init_programme(
        programme,
        expected_id=deployment.output(stack.PROGRAMME_ID),
        programmes=_programmes(deployment),
        events=EventStore(dynamodb, deployment.output(stack.EVENTS_TABLE)),
        dynamodb=dynamodb,
        actor=operator_actor(deployment),
        at=datetime.now(UTC),
    )
    registration = programme.registration
    if result.created:
        print(f"Programme {programme.programme_id} written to {deployment.name}:", file=sys.stdout)
        print(f"  registration   {registration.opens_at.isoformat()} to {registration.closes_at.isoformat()}")
        print(f"  verification   closes {programme.verification_closes_at.isoformat()}")
        print(f"  DDO codes      {len(programme.ddo_codes)}, grievance units {len(programme.grievances.units)}")
        print("  audited as programme.created; a window moves from now on through PUT /v1/admin/windows")
    else:
        print(f"Programme {programme.programme_id} is already in {deployment.name} as in the file: nothing to do")
    return EXIT_OK


def command_officials_import(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    path: Path = args.file
    content = check_csv_file(path, what="the officials file", max_bytes=MAX_OFFICIALS_BYTES)
    deployment = _operator_deployment(args, env)
    programme_id = deployment.output(stack.PROGRAMME_ID)
    try:
        programme = _programmes(deployment).read(programme_id)
    except ProgrammeUnavailable as missing:
        raise CliError(
            f"{deployment.name} has no programme {programme_id} yet: run `anubandh programme init programme.json` "
            "first (its DDO codes and grievance units are what officials' scopes may name)"
        ) from missing
    try:
        parsed = parse_officials(content, Known.of(programme.programme))
    except UnreadableFile as unreadable:
        raise LocalFileProblem(f"{path}: {unreadable}") from unreadable
    dynamodb = deployment.client("dynamodb")
    directory = DirectoryStore(dynamodb, deployment.output(stack.DIRECTORY_TABLE))
    provisioner = (
        None
        if args.dry_run
        else officials.Provisioner(
            cognito=deployment.client("cognito-idp"),
            directory=directory,
            events=EventStore(dynamodb, deployment.output(stack.EVENTS_TABLE)),
            user_pool_id=deployment.output(stack.USER_POOL_ID),
            actor=operator_actor(deployment),
            reason=args.reason or f"officials import of {path.name}",
        )
    )
    bar = ProgressBar(sys.stderr, names=officials.COUNT_NAMES, always=OFFICIALS_ALWAYS_SHOWN)
    try:
        result = officials.import_officials(
            parsed,
            directory=directory,
            provisioner=provisioner,
            disable_missing=args.disable_missing,
            progress=bar.update,
        )
    finally:
        bar.finish()
    report = args.report or default_report_path(path)
    write_report(report, officials.report_rows(result))
    print_officials_summary(result, path, report, dry_run=args.dry_run, out=sys.stdout)
    if result.missing_kept:
        print(f"warning: {result.missing_kept}", file=sys.stderr)
    if result.counts["errors"]:
        print(f"{result.counts['errors']:,} line(s) not imported: see the report", file=sys.stderr)
        return EXIT_ROW_ERRORS
    return EXIT_OK


def print_officials_summary(
    result: officials.ImportResult, path: Path, report: Path, *, dry_run: bool, out: TextIO
) -> None:
    heading = "Dry run, nothing written" if dry_run else "Officials import"
    print(f"{heading} ({path.name}):", file=out)
    for name in officials.COUNT_NAMES:
        print(f"  {name:<19}{result.counts[name]:>10,}", file=out)
    for line, change in result.changes:
        where = f"line {line}" if line is not None else "not in the file"
        print(f"  {where:<16} {change.username:<24} {change.summary()}", file=out)
    print(f"Report: {report}", file=out)


def write_report(path: Path, rows: Sequence[Sequence[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as report:
        writer = csv.writer(report)
        writer.writerow(officials.REPORT_HEADER)
        writer.writerows(rows)


def add_operator_commands(commands: Subcommands) -> None:
    programme = commands.add_parser(
        "programme",
        help="the programme: windows, DDO codes, grievance units",
        description="The programme item (windows, DDO codes, grievance units), written once with the operator's "
        "AWS credentials.",
    )
    programme_commands = programme.add_subparsers(dest="command", metavar="COMMAND", required=True)
    init = programme_commands.add_parser(
        "init",
        help="write the programme item once, from a JSON file",
        description="Check programme.json and write it into the settings table, audited, if no programme is "
        "there yet. Later window changes go through PUT /v1/admin/windows. Exit codes: 0 written (or already "
        "there, the same), 1 refused or failed, 2 bad usage or file.",
    )
    init.add_argument("file", type=Path, metavar="programme.json")
    add_operator_target(init)
    init.set_defaults(handler=command_programme_init)

    people = commands.add_parser(
        "officials",
        help="DDOs, HoDs, grievance officers and admins",
        description="The officials' accounts (Cognito users) and scopes (the directory), from a CSV, with the "
        "operator's AWS credentials; every change audited.",
    )
    people_commands = people.add_subparsers(dest="command", metavar="COMMAND", required=True)
    provision = people_commands.add_parser(
        "import",
        help="create, update or disable officials from a CSV, with a progress bar",
        description="Create (with Cognito's invitation), update or disable officials from a CSV with the columns "
        "username, name, email, mobile, role, ddo_code, department, unit and optionally status (active or "
        "disabled). Exit codes: 0 every line imported, 3 some lines had errors (see the report), 1 failed, "
        "2 bad usage or file.",
    )
    provision.add_argument("file", type=Path, metavar="officials.csv")
    add_operator_target(provision)
    provision.add_argument(
        "--disable-missing",
        action="store_true",
        help="the file is the complete list: disable every active official it does not name (only if no line "
        "has a problem)",
    )
    provision.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    provision.add_argument("--reason", help="recorded in each official's audit trail (default: the file's name)")
    provision.add_argument("--report", type=Path, help="where to save the report CSV (default: FILE.report.csv)")
    provision.set_defaults(handler=command_officials_import)
