"""`anubandh`: the operator's command line (installed as a console script with the project).

    anubandh programme init programme.json (--stack NAME [--region R] | --local URL)
    anubandh officials import officials.csv (--stack NAME | --local URL) [--disable-missing] [--dry-run]
    anubandh roll import FILE.csv [--stack NAME | --local URL | --endpoint URL] (--username U | --local-user U
                                  | --token T)      (no --stack, --local or --endpoint: $ANUBANDH_ENDPOINT)
    anubandh roll status IMPORT_ID (same options)
    anubandh employee sign-in EMPLOYEE_CODE [--stack NAME | --local URL | --endpoint URL]
    anubandh verify record|log …  (infra/verify_cli.py: checks against the signed log, trusting no server)
    anubandh verify receipt FILE (--keys JWKS.json | --endpoint URL)     (see infra/verify_cli.py)
    anubandh verify certificate FILE_OR_JWS (--keys JWKS.json | --endpoint URL)   (infra/verify_certificate.py)

Where: `--stack NAME` reads the CloudFormation stack's Outputs (API URL, user pool, tables) with your
AWS credentials; `--local URL` reads the same from the local stack's `GET /_local/stack` (make run).

`programme init` and `officials import` write with the operator's AWS credentials (Cognito and
DynamoDB directly): they are how the first admin and every official come to exist, and no app user
can do either through the API. See infra/programmes.py and infra/officials.py.

`roll import` does what the admin API's roll import asks of a browser: it checks the file here first
(present, at most 50 MB, UTF-8), starts the import (`POST /v1/admin/roll-imports`), uploads the file
to the pre-signed POST it gets back, then follows `GET /v1/admin/roll-imports/{id}` with a progress
bar on stderr until the import is COMPLETED or FAILED, prints the counts on stdout and saves the
report CSV (by default FILE.report.csv beside the file).

Exit codes: 0 done, every line imported; 3 done, but some lines had errors (see the report);
1 failed, timed out, or refused (by the API: its problem+json `code` and `detail` are shown; by AWS);
2 bad usage or a problem with the local file.

Sign-in for the API: `--token` (or the environment's ANUBANDH_TOKEN) is an id token used as it is;
`--username` signs in to Cognito with the admin password flow (AWS credentials needed), answering
the first sign-in's new-password and TOTP enrolment challenges and later the TOTP code (`--totp` or a
prompt); `--local-user` asks the local stack's `/_local/login`.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import boto3
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
from infra.cli_errors import (
    ENDPOINT_VARIABLE,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_ROW_ERRORS,
    EXIT_USAGE,
    AuthError,
    CliError,
    LocalFileProblem,
    UsageError,
)
from infra.deployment import DEFAULT_REGION, Deployment, aws_problem
from infra.officials_csv import Known, parse_officials
from infra.programmes import init_programme, read_programme_file
from infra.sign_in import CognitoAdminAuth, Prompts, TerminalPrompts, admin_sign_in
from infra.verify_cli import add_verify_commands

MAX_FILE_BYTES = 50 * 1024 * 1024  # the API's roll_import_max_bytes: the pre-signed POST's limit
MAX_OFFICIALS_BYTES = 5 * 1024 * 1024  # some thousand officials take well under 1 MB
BAR_WIDTH = 20
API_TIMEOUT = (10, 60)  # seconds: connect, read
UPLOAD_TIMEOUT = (10, 600)
POLL_RETRIES = 3  # consecutive transient failures tolerated while following an import
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
FINISHED = frozenset({"COMPLETED", "FAILED"})
COUNT_NAMES = ("inserted", "updated", "unchanged", "skipped_registered", "errors")
ALWAYS_SHOWN = frozenset({"inserted", "errors"})  # the bar shows the other counts once they are not 0
OFFICIALS_ALWAYS_SHOWN = frozenset({"created", "errors"})


# ---------------------------------------------------------------------------- errors


class ApiError(CliError):
    """A non-2xx answer. `code` and `detail` come from the problem+json body when there is one."""

    exit_code = EXIT_FAILED

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{code} (HTTP {status}): {detail}")
        self.status = status
        self.code = code
        self.detail = detail

    @classmethod
    def of(cls, response: requests.Response) -> ApiError:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "code" in body:
            detail = str(body.get("detail") or body.get("title") or "")
            for error in body.get("errors") or []:  # validation_error: which fields, and why
                if isinstance(error, dict):
                    where = ".".join(str(part) for part in error.get("loc", []) if part != "body")
                    detail += f"\n  {where}: {error.get('msg', '')}"
            return cls(response.status_code, str(body["code"]), detail)
        # S3 answers in XML (<Code>EntityTooLarge</Code><Message>...</Message>); anything else as text.
        code = re.search(r"<Code>([^<]*)</Code>", response.text)
        message = re.search(r"<Message>([^<]*)</Message>", response.text)
        if code:
            return cls(response.status_code, code.group(1), message.group(1) if message else "")
        return cls(response.status_code, f"http_{response.status_code}", response.text.strip()[:300] or response.reason)


# ---------------------------------------------------------------------------- the API


@dataclass(frozen=True)
class UploadGrant:
    url: str
    fields: dict[str, str]
    expires_at: str


@dataclass(frozen=True)
class StartedImport:
    import_id: str
    status: str
    upload: UploadGrant


@dataclass(frozen=True)
class ImportState:
    """`GET /v1/admin/roll-imports/{id}`, as far as the CLI needs it."""

    import_id: str
    filename: str
    status: str
    rows_total: int | None
    rows_done: int
    counts: dict[str, int]
    failure: str | None = None
    completed_at: str | None = None
    report_url: str | None = None
    report_expires_at: str | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ImportState:
        counts = body.get("counts") or {}
        return cls(
            import_id=str(body["import_id"]),
            filename=str(body.get("filename", "")),
            status=str(body["status"]),
            rows_total=None if body.get("rows_total") is None else int(body["rows_total"]),
            rows_done=int(body.get("rows_done") or 0),
            counts={name: int(counts.get(name) or 0) for name in COUNT_NAMES},
            failure=body.get("failure"),
            completed_at=body.get("completed_at"),
            report_url=body.get("report_url"),
            report_expires_at=body.get("report_expires_at"),
        )

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class AnubandhClient:
    """The admin API's roll import over HTTP. The bearer token goes to the API only: the upload and
    the report download are pre-signed S3 requests, which must carry no other credentials."""

    def __init__(
        self, endpoint: str, token: str, http: requests.Session | None = None, *, language: str = "en"
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        # The API's problems, and the import's report, come in this language.
        self._auth = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        self._http = http or requests.Session()

    def _api(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._http.request(
            method, f"{self.endpoint}{path}", headers=self._auth, timeout=API_TIMEOUT, **kwargs
        )
        if not response.ok:
            raise ApiError.of(response)
        body: dict[str, Any] = response.json()
        return body

    def start_import(self, filename: str) -> StartedImport:
        body = self._api("POST", "/v1/admin/roll-imports", json={"filename": filename})
        grant = body["upload"]
        return StartedImport(
            import_id=str(body["import_id"]),
            status=str(body["status"]),
            upload=UploadGrant(
                url=str(grant["url"]),
                fields={str(k): str(v) for k, v in grant["fields"].items()},
                expires_at=str(grant.get("expires_at", "")),
            ),
        )

    def upload(self, grant: UploadGrant, filename: str, content: bytes) -> None:
        """The pre-signed POST: every field, then the file as the last part, named `file`."""
        content_type = grant.fields.get("Content-Type", "text/csv")
        response = self._http.post(
            grant.url,
            data=grant.fields,  # requests writes `data` fields before `files`
            files={"file": (filename, content, content_type)},
            timeout=UPLOAD_TIMEOUT,
        )
        if not response.ok:
            raise ApiError.of(response)

    def import_status(self, import_id: str) -> ImportState:
        return ImportState.from_json(self._api("GET", f"/v1/admin/roll-imports/{quote(import_id, safe='')}"))

    def download(self, url: str, path: Path) -> Path:
        """A pre-signed GET saved to `path` (written beside it first, so a broken download leaves no half file)."""
        partial = path.with_name(f"{path.name}.part")
        with self._http.get(url, stream=True, timeout=API_TIMEOUT) as response:
            if not response.ok:
                raise ApiError.of(response)
            path.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as out:
                for chunk in response.iter_content(chunk_size=64 * 1024):
                    out.write(chunk)
        partial.replace(path)
        return path


# ---------------------------------------------------------------------------- sign-in


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


# ---------------------------------------------------------------------------- the local file


def check_csv_file(path: Path, *, what: str = "the roll", max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, if it can be taken: a .csv, not empty, at most `max_bytes`, UTF-8."""
    if not path.is_file():
        raise LocalFileProblem(f"{path}: no such file")
    if path.suffix.lower() != ".csv":
        raise LocalFileProblem(f"{path}: {what} must be a .csv file")
    size = path.stat().st_size
    if size == 0:
        raise LocalFileProblem(f"{path}: the file is empty")
    if size > max_bytes:
        raise LocalFileProblem(f"{path}: {_size(size)} is over the limit of {_size(max_bytes)}")
    content = path.read_bytes()
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise LocalFileProblem(
            f"{path}: not UTF-8 (byte 0x{content[error.start]:02x} on line {line}); "
            "save it as 'CSV UTF-8' and try again"
        ) from error
    return content


def default_report_path(path: Path) -> Path:
    """roll.csv -> roll.report.csv, beside it (officials.csv -> officials.report.csv)."""
    return path.with_name(f"{path.stem}.report.csv")


def _size(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# ---------------------------------------------------------------------------- progress


def format_counts(
    counts: Mapping[str, int], names: Sequence[str] = COUNT_NAMES, always: Collection[str] = ALWAYS_SHOWN
) -> str:
    shown = [name for name in names if name in always or counts.get(name)]
    return " · ".join(f"{name.replace('_', ' ')} {counts.get(name, 0):,}" for name in shown)


def format_bar(
    rows_done: int,
    rows_total: int | None,
    counts: Mapping[str, int],
    width: int = BAR_WIDTH,
    names: Sequence[str] = COUNT_NAMES,
    always: Collection[str] = ALWAYS_SHOWN,
) -> str:
    """`[#########...........]  45%  45,000/100,000 rows  inserted 44,900 · errors 100`.

    With the total not known yet the bar is empty and the percentage `--`. Integer arithmetic, and
    rounded down: the bar is full and says 100% only when every line is done."""
    if rows_total is None:
        filled, percent, rows = 0, " --%", f"{rows_done:,} rows"
    else:
        done = min(max(rows_done, 0), rows_total)
        filled = width if rows_total == 0 else done * width // rows_total
        percent = f"{100 if rows_total == 0 else done * 100 // rows_total:3d}%"
        rows = f"{rows_done:,}/{rows_total:,} rows"
    return f"[{'#' * filled}{'.' * (width - filled)}] {percent}  {rows}  {format_counts(counts, names, always)}"


class ProgressBar:
    """Redrawn in place with `\\r` on a terminal; on anything else (CI logs, files) one plain line each
    time the import passes another `step_percent`."""

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        width: int = BAR_WIDTH,
        step_percent: int = 10,
        names: Sequence[str] = COUNT_NAMES,
        always: Collection[str] = ALWAYS_SHOWN,
    ):
        self._stream = stream
        self._names = names
        self._always = always
        self._tty = stream.isatty() if tty is None else tty
        self._width = width
        self._step = step_percent
        self._shown_step = -1
        self._drawn = 0  # characters on the terminal's current line
        self._line = ""

    def update(self, rows_done: int, rows_total: int | None, counts: Mapping[str, int]) -> None:
        line = format_bar(rows_done, rows_total, counts, self._width, self._names, self._always)
        if self._tty:
            line = line[: max(shutil.get_terminal_size().columns - 1, 20)]
            if line == self._line:
                return
            self._line = line
            self._stream.write("\r" + line + " " * max(self._drawn - len(line), 0))
            self._drawn = len(line)
        else:
            if rows_total is None:
                return
            percent = 100 if rows_total == 0 else min(rows_done, rows_total) * 100 // rows_total
            if percent // self._step <= self._shown_step:
                return
            self._shown_step = percent // self._step
            self._stream.write(line + "\n")
        self._stream.flush()

    def finish(self) -> None:
        if self._tty and self._drawn:
            self._stream.write("\n")
            self._stream.flush()
        self._drawn = 0
        self._line = ""


# ---------------------------------------------------------------------------- the commands


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
    print(f"uploading {_size(len(content))}…", end=" ", file=err, flush=True)
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


def find_deployment(args: argparse.Namespace, env: Mapping[str, str], http: requests.Session) -> Deployment | None:
    """The stack the options name (--stack or --local), or None (--endpoint alone)."""
    if args.local:
        return stack.from_local(args.local, http)
    if args.stack:
        return stack.from_stack(args.stack, args.region or env.get("AWS_REGION") or DEFAULT_REGION)
    return None


def _api_endpoint(deployment: Deployment | None, args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """The API's base URL: the stack's ApiUrl output, else --endpoint, else $ANUBANDH_ENDPOINT."""
    endpoint = deployment.output(stack.API_URL) if deployment else args.endpoint or env.get(ENDPOINT_VARIABLE)
    if not endpoint:
        raise UsageError(f"name the API: --stack NAME, --local URL or --endpoint URL (or set {ENDPOINT_VARIABLE})")
    return str(endpoint)


def _connect(args: argparse.Namespace, env: Mapping[str, str]) -> AnubandhClient:
    auth = choose_auth(args, env)  # usage problems before any request
    http = requests.Session()
    deployment = find_deployment(args, env, http)
    endpoint = _api_endpoint(deployment, args, env)
    token = sign_in(auth, endpoint, http, deployment=deployment)
    return AnubandhClient(endpoint, token, http, language=getattr(args, "language", "en"))


def command_import(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    path: Path = args.file
    content = check_csv_file(path)  # fail fast, before signing in
    return import_roll(
        _connect(args, env),
        path,
        content,
        report_path=args.report or default_report_path(path),
        poll_seconds=args.poll_seconds,
        timeout_seconds=args.timeout_minutes * 60,
        out=sys.stdout,
        err=sys.stderr,
    )


def command_status(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    state = _connect(args, env).import_status(args.import_id)
    print_summary(state, sys.stdout)
    print(f"  progress   {format_bar(state.rows_done, state.rows_total, state.counts)}", file=sys.stdout)
    if state.report_url:
        print(f"Report URL (until {state.report_expires_at}): {state.report_url}", file=sys.stdout)
    return exit_code_for(state)


def command_employee_sign_in(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """An employee's sign-in as a phone makes it: the OTP to the roll's mobile, typed in, then /v1/me."""
    http = requests.Session()
    endpoint = _api_endpoint(find_deployment(args, env, http), args, env)
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


# ---------------------------------------------------------------------------- operator commands (AWS credentials)


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
            dynamodb=dynamodb,
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


# ---------------------------------------------------------------------------- arguments


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from error
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {value!r}")
    return number


def _add_stack(group: Any) -> None:
    group.add_argument("--stack", metavar="NAME", help="the CloudFormation stack (its Outputs name everything else)")
    group.add_argument("--local", metavar="URL", help="the local stack (make run), e.g. http://127.0.0.1:3000")


def _add_region(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help=f"the stack's region (default: $AWS_REGION, else {DEFAULT_REGION})")


def _add_api_target(parser: argparse.ArgumentParser) -> None:
    """Where the API is: a stack, the local stack, or its URL (else $ANUBANDH_ENDPOINT)."""
    where = parser.add_argument_group(f"where (one of; none: the URL in ${ENDPOINT_VARIABLE})")
    target = where.add_mutually_exclusive_group()
    _add_stack(target)
    target.add_argument(
        "--endpoint",
        metavar="URL",
        help=f"the API's base URL, e.g. http://127.0.0.1:3000 (default: ${ENDPOINT_VARIABLE})",
    )
    _add_region(parser)


def _add_connection(common: argparse.ArgumentParser) -> None:
    _add_api_target(common)
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


def _add_operator_target(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("where (one of; with your AWS credentials)")
    _add_stack(where.add_mutually_exclusive_group(required=True))
    _add_region(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anubandh", description="Anubandh's operator tools.")
    commands = parser.add_subparsers(dest="area", metavar="COMMAND", required=True)

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
    _add_operator_target(init)
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
    _add_operator_target(provision)
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
    _add_connection(start)
    start.add_argument("--report", type=Path, help="where to save the report CSV (default: FILE.report.csv beside it)")
    start.add_argument(
        "--language",
        choices=("en", "hi"),
        default="en",
        help="the report's and the errors' language: en (English, the default) or hi (Hindi)",
    )
    start.add_argument("--poll-seconds", type=_positive, default=1.0, help="between status checks (default: 1)")
    start.add_argument("--timeout-minutes", type=_positive, default=30.0, help="give up after (default: 30)")
    start.set_defaults(handler=command_import)

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
    _add_api_target(signing_in)
    signing_in.add_argument("--token-file", type=Path, help="save the access token there (for curl)")
    signing_in.set_defaults(handler=command_employee_sign_in)

    status = roll_commands.add_parser(
        "status",
        help="an import's status, counts and report link",
        description="Show an import's status, its counts and, once done, the link to its report CSV. Exit codes: "
        "0 completed, every line imported; 3 completed with line errors; 1 failed or refused; 2 bad usage.",
    )
    status.add_argument("import_id", metavar="IMPORT_ID")
    _add_connection(status)
    status.set_defaults(handler=command_status)

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


if __name__ == "__main__":
    raise SystemExit(main())
