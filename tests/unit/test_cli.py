"""The operator CLI (`anubandh`) without a network: the bar, the options, sign-in choice, the local
file checks, exit codes and the import flow against a fake client."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

from infra import cli
from infra.cli.api import AnubandhClient, ApiError, ImportState, StartedImport, UploadGrant
from infra.cli.auth import CognitoAuth, LocalAuth, TokenAuth, choose_auth, sign_in
from infra.cli.connection import api_endpoint
from infra.cli.files import check_csv_file, default_report_path
from infra.cli.progress import ProgressBar, format_bar
from infra.cli.roll import POLL_RETRIES, command_import, command_status, exit_code_for, import_roll, wait_for_import
from infra.cli_errors import AuthError, CliError, LocalFileProblem, UsageError

NO_COUNTS = {"inserted": 0, "updated": 0, "unchanged": 0, "skipped_registered": 0, "errors": 0}
HEADER = "employee_code,name,ddo_code\n"


def counts(**given: int) -> dict[str, int]:
    return {**NO_COUNTS, **given}


def state(status: str = "RUNNING", done: int = 0, total: int | None = 10, **given: Any) -> ImportState:
    return ImportState(
        import_id="imp-1",
        filename="roll.csv",
        status=status,
        rows_total=total,
        rows_done=done,
        counts=given.pop("counts", NO_COUNTS),
        **given,
    )


def parse(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(list(argv))


# ---------------------------------------------------------------------------- the bar


def test_the_bar_at_0_percent() -> None:
    assert format_bar(0, 100_000, NO_COUNTS) == "[....................]   0%  0/100,000 rows  inserted 0 · errors 0"


def test_the_bar_at_45_percent() -> None:
    line = format_bar(45_000, 100_000, counts(inserted=44_900, errors=100))
    assert line == "[#########...........]  45%  45,000/100,000 rows  inserted 44,900 · errors 100"


def test_the_bar_at_100_percent_shows_the_counts_that_are_not_0() -> None:
    line = format_bar(3, 3, counts(inserted=1, unchanged=1, skipped_registered=1))
    assert line == "[####################] 100%  3/3 rows  inserted 1 · unchanged 1 · skipped registered 1 · errors 0"


def test_the_bar_rounds_down_so_it_is_full_only_when_every_line_is_done() -> None:
    assert format_bar(99_999, 100_000, NO_COUNTS).startswith("[###################.]  99%")
    assert format_bar(29, 100, NO_COUNTS).startswith("[#####...............]  29%")  # 0.29 * 100 < 29 in floats


def test_the_bar_with_the_total_not_known_yet() -> None:
    assert format_bar(0, None, NO_COUNTS) == "[....................]  --%  0 rows  inserted 0 · errors 0"


def test_the_bar_of_a_file_with_no_lines_is_full() -> None:
    assert format_bar(0, 0, NO_COUNTS).startswith("[####################] 100%  0/0 rows")


def test_the_bar_never_overflows() -> None:
    assert format_bar(12, 10, NO_COUNTS, width=10).startswith("[##########] 100%  12/10 rows")


def test_off_a_terminal_the_bar_is_a_plain_line_every_10_percent() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=False)
    bar.update(0, None, NO_COUNTS)  # nothing known yet: nothing written
    for done in (0, 5, 10, 15, 45, 46, 100):
        bar.update(done, 100, NO_COUNTS)
    bar.finish()
    lines = stream.getvalue().splitlines()
    assert [line.split("]")[1].split("%")[0].strip() for line in lines] == ["0", "10", "45", "100"]
    assert "\r" not in stream.getvalue()


def test_on_a_terminal_the_bar_is_redrawn_in_place() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=True)
    bar.update(1, 10, counts(inserted=1_000_000))
    bar.update(1, 10, counts(inserted=1_000_000))  # the same line: not redrawn
    bar.update(2, 10, counts(inserted=2))
    bar.finish()
    written = stream.getvalue()
    assert written.count("\r") == 2
    first, second = written.split("\r")[1:]
    assert second.rstrip("\n").startswith("[####................]  20%")
    assert len(second.rstrip("\n")) == len(first)  # padded over the longer line before it
    assert written.endswith("\n")


# ---------------------------------------------------------------------------- options and sign-in


def test_roll_import_options_and_their_defaults() -> None:
    args = parse("roll", "import", "roll.csv", "--endpoint", "http://127.0.0.1:3000", "--local-user", "admin1")
    assert args.handler is command_import
    assert args.file == Path("roll.csv")
    assert args.endpoint == "http://127.0.0.1:3000"
    assert (args.poll_seconds, args.timeout_minutes, args.report) == (1.0, 30.0, None)
    assert choose_auth(args, {}) == LocalAuth("admin1")


def test_roll_status_options() -> None:
    args = parse("roll", "status", "imp-1", "--endpoint", "https://api.example", "--token", "t0k")
    assert args.handler is command_status
    assert args.import_id == "imp-1"
    assert choose_auth(args, {"ANUBANDH_TOKEN": "ignored"}) == TokenAuth("t0k")


def test_the_token_may_come_from_the_environment() -> None:
    args = parse("roll", "status", "imp-1", "--endpoint", "https://api.example")
    assert choose_auth(args, {"ANUBANDH_TOKEN": "from-env"}) == TokenAuth("from-env")


def test_cognito_sign_in_takes_the_password_and_region_from_the_environment() -> None:
    pool = ("--user-pool-id", "ap-south-1_pool")
    args = parse("roll", "status", "i", "--endpoint", "u", "--username", "nodal", "--client-id", "abc", *pool)
    assert choose_auth(args, {"ANUBANDH_PASSWORD": "pw", "AWS_REGION": "eu-west-1"}) == CognitoAuth(
        "nodal", "pw", client_id="abc", user_pool_id="ap-south-1_pool", region="eu-west-1"
    )
    assert choose_auth(args, {}) == CognitoAuth("nodal", None, client_id="abc", user_pool_id="ap-south-1_pool")
    args = parse(
        "roll", "status", "i", "--endpoint", "u", "--username", "n", "--client-id", "c", "--region", "r", *pool
    )
    chosen = choose_auth(args, {"AWS_REGION": "other"})
    assert isinstance(chosen, CognitoAuth)
    assert chosen.region == "r"


def test_with_a_stack_the_pool_and_client_come_from_its_outputs() -> None:
    args = parse("roll", "status", "i", "--stack", "anubandh-prod", "--username", "nodal", "--totp", "123456")
    assert choose_auth(args, {}) == CognitoAuth("nodal", None, totp="123456")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--username", "nodal"], "--client-id"),
        (["--client-id", "abc"], "go with --username"),
        (["--totp", "123456"], "go with --username"),
        (["--username", "nodal", "--client-id", "abc"], "--user-pool-id"),
        (["--local-user", "admin1", "--password", "pw"], "go with --username"),
        ([], "sign in with"),
    ],
)
def test_sign_in_options_that_do_not_add_up(argv: list[str], message: str) -> None:
    args = parse("roll", "status", "imp-1", "--endpoint", "u", *argv)
    with pytest.raises(UsageError, match=message):
        choose_auth(args, {})


@pytest.mark.parametrize(
    "argv",
    [
        ["roll", "import", "x.csv", "--endpoint", "u", "--token", "t", "--local-user", "admin1"],  # two sign-ins
        ["roll", "import", "x.csv", "--endpoint", "u", "--poll-seconds", "0"],
        ["roll", "import", "x.csv", "--endpoint", "u", "--timeout-minutes", "soon"],
        ["roll", "import", "x.csv", "--stack", "s", "--local", "http://127.0.0.1:3000"],  # two places
        ["officials", "import", "o.csv"],  # no stack
        ["programme", "init", "p.json", "--endpoint", "u"],  # an operator command needs the stack
        ["roll"],
        [],
    ],
)
def test_bad_usage_exits_2(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANUBANDH_ENDPOINT", raising=False)
    assert cli.main(argv) == 2
    assert "usage: anubandh" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["roll", "import", "--help"]) == 0
    assert "--local-user" in capsys.readouterr().out


def _subcommands(parser: argparse.ArgumentParser, path: str = "anubandh") -> Iterator[tuple[str, Any]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{path} {name}", sub
                yield from _subcommands(sub, f"{path} {name}")


def test_every_subcommand_says_what_it_does_and_client_id_says_what_it_needs() -> None:
    # Given the whole command tree
    commands = dict(_subcommands(cli.build_parser()))
    assert {"anubandh roll status", "anubandh verify certificate", "anubandh employee sign-in"} <= set(commands)
    # Then each has a description for its --help, not only a one-line help in its parent's list
    assert [name for name, sub in commands.items() if not sub.description] == []
    # and --client-id names what goes with it
    client_id = next(a for a in commands["anubandh roll import"]._actions if "--client-id" in a.option_strings)
    assert "--username" in client_id.help and "--user-pool-id" in client_id.help


def test_without_stack_local_or_endpoint_the_api_is_the_one_in_anubandh_endpoint() -> None:
    # Given no --stack, --local or --endpoint (the variable is read when the command runs, not at start-up)
    args = parse("roll", "status", "imp-1", "--token", "t")
    # Then ANUBANDH_ENDPOINT names the API, --endpoint wins over it, and with neither it is bad usage
    assert api_endpoint(None, args, {"ANUBANDH_ENDPOINT": "http://api.example"}) == "http://api.example"
    given = parse("roll", "status", "imp-1", "--token", "t", "--endpoint", "http://given")
    assert api_endpoint(None, given, {"ANUBANDH_ENDPOINT": "http://api.example"}) == "http://given"
    with pytest.raises(UsageError, match="set ANUBANDH_ENDPOINT"):
        api_endpoint(None, args, {})


def test_no_sign_in_at_all_exits_2_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANUBANDH_TOKEN", raising=False)
    roll = tmp_path / "roll.csv"
    roll.write_text(HEADER, encoding="utf-8")
    assert cli.main(["roll", "import", str(roll), "--endpoint", "http://127.0.0.1:9"]) == 2
    assert "sign in with --local-user" in capsys.readouterr().err


def test_a_given_token_is_used_as_it_is() -> None:
    assert sign_in(TokenAuth("Bearer abc"), "u", requests.Session()) == "abc"


class Answers:
    """Prompts that answer from a script and remember what they were asked."""

    def __init__(self, password: str = "pw", code: str = "123456") -> None:
        self._password = password
        self._code = code
        self.asked: list[str] = []

    def password(self, prompt: str) -> str:
        self.asked.append(prompt)
        return self._password

    def new_password(self, username: str) -> str:
        raise AssertionError("not asked here")

    def code(self, prompt: str) -> str:
        self.asked.append(prompt)
        return self._code

    def show(self, text: str) -> None:
        self.asked.append(text)


class OneStepCognito:
    """admin_initiate_auth answering tokens at once, as for an operator without MFA in moto."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def admin_initiate_auth(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        return {"AuthenticationResult": {"IdToken": "id-token", "AccessToken": "a", "ExpiresIn": 3600}}


def test_cognito_asks_for_the_password_when_none_was_given() -> None:
    answers, cognito = Answers(), OneStepCognito()
    auth = CognitoAuth("nodal", None, client_id="abc", user_pool_id="pool")
    assert sign_in(auth, "u", requests.Session(), prompts=answers, cognito=cognito) == "id-token"
    assert answers.asked == ["Password for nodal: "]
    assert cognito.calls[0]["AuthParameters"] == {"USERNAME": "nodal", "PASSWORD": "pw"}
    assert (cognito.calls[0]["UserPoolId"], cognito.calls[0]["ClientId"]) == ("pool", "abc")


def test_no_password_and_no_terminal_to_ask_on_is_a_sign_in_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("piped\n"))
    auth = CognitoAuth("nodal", None, client_id="abc", user_pool_id="pool")
    with pytest.raises(AuthError, match="ANUBANDH_PASSWORD"):
        sign_in(auth, "u", requests.Session(), cognito=OneStepCognito())


def test_cognito_sign_in_without_a_stack_or_pool_is_bad_usage() -> None:
    with pytest.raises(UsageError, match="--stack"):
        sign_in(CognitoAuth("nodal", "pw", client_id="abc"), "u", requests.Session(), cognito=OneStepCognito())


# ---------------------------------------------------------------------------- the local file


def test_a_missing_file_exits_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["roll", "import", str(tmp_path / "nope.csv"), "--endpoint", "http://127.0.0.1:9", "--local-user", "a"]
    assert cli.main(argv) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err


def test_a_file_that_is_not_utf8_exits_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roll = tmp_path / "roll.csv"
    roll.write_bytes(HEADER.encode() + "EMP-1,José,DDO-PKL-001\n".encode("cp1252"))
    assert cli.main(["roll", "import", str(roll), "--endpoint", "http://127.0.0.1:9", "--token", "t"]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8 (byte 0xe9 on line 2)" in err
    assert "CSV UTF-8" in err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("roll.xlsx", HEADER.encode(), "must be a .csv"),
        ("big.csv", HEADER.encode() * 100, "2.7 KB is over the limit of 2.0 KB"),
    ],
)
def test_files_the_api_would_refuse(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LocalFileProblem, match=message):
        check_csv_file(path, max_bytes=2048)


def test_a_good_file_is_read_with_its_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "Roll.CSV"
    content = "\ufeff".encode() + HEADER.encode() + "EMP-1,सुनीता देवी,DDO-PKL-001\n".encode()
    path.write_bytes(content)
    assert check_csv_file(path) == content


def test_the_report_goes_beside_the_file() -> None:
    assert default_report_path(Path("/data/roll 2026.csv")) == Path("/data/roll 2026.report.csv")


# ---------------------------------------------------------------------------- exit codes and errors


@pytest.mark.parametrize(
    ("status", "errors", "code"),
    [("COMPLETED", 0, 0), ("COMPLETED", 2, 3), ("FAILED", 0, 1), ("RUNNING", 0, 0), ("AWAITING_UPLOAD", 0, 0)],
)
def test_exit_codes(status: str, errors: int, code: int) -> None:
    assert exit_code_for(state(status, counts=counts(errors=errors))) == code


def response(status: int, body: bytes, content_type: str = "application/problem+json") -> requests.Response:
    reply = requests.Response()
    reply.status_code = status
    reply._content = body
    reply.headers["Content-Type"] = content_type
    reply.reason = "Reason"
    return reply


def test_problem_json_gives_code_and_detail() -> None:
    error = ApiError.of(response(403, b'{"code": "forbidden", "detail": "This needs one of the roles: admin."}'))
    assert (error.status, error.code, error.detail) == (403, "forbidden", "This needs one of the roles: admin.")
    assert str(error) == "forbidden (HTTP 403): This needs one of the roles: admin."


def test_a_validation_problem_lists_its_fields() -> None:
    body = b'{"code": "validation_error", "detail": "Wrong.", "errors": [{"loc": ["body", "filename"], "msg": "bad"}]}'
    assert ApiError.of(response(422, body)).detail == "Wrong.\n  filename: bad"


def test_s3_errors_are_read_from_their_xml() -> None:
    body = b"<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum</Message></Error>"
    error = ApiError.of(response(400, body, "application/xml"))
    assert (error.code, error.detail) == ("EntityTooLarge", "Your proposed upload exceeds the maximum")


def test_anything_else_is_shown_as_text() -> None:
    error = ApiError.of(response(502, b"Bad Gateway", "text/plain"))
    assert (error.code, error.detail) == ("http_502", "Bad Gateway")


# ---------------------------------------------------------------------------- following an import


class FakeClient(AnubandhClient):
    """The client with its HTTP replaced by a script of answers."""

    def __init__(self, answers: list[ImportState | Exception], report: str = "line,employee_code\n") -> None:
        super().__init__("http://api.example", "token")
        self.answers: Iterator[ImportState | Exception] = iter(answers)
        self.report = report
        self.calls: list[str] = []

    def start_import(self, filename: str) -> StartedImport:
        self.calls.append(f"start {filename}")
        return StartedImport("imp-1", "AWAITING_UPLOAD", UploadGrant("http://s3.example/b", {"key": "k"}, "later"))

    def upload(self, grant: UploadGrant, filename: str, content: bytes) -> None:
        self.calls.append(f"upload {filename} {len(content)} bytes to {grant.url}")

    def import_status(self, import_id: str) -> ImportState:
        answer = next(self.answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def download(self, url: str, path: Path) -> Path:
        self.calls.append(f"download {url}")
        path.write_text(self.report, encoding="utf-8")
        return path


def follow(client: FakeClient, timeout_seconds: float = 60) -> tuple[ImportState, list[float]]:
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    result = wait_for_import(
        client,
        "imp-1",
        ProgressBar(io.StringIO(), tty=False),
        poll_seconds=2,
        timeout_seconds=timeout_seconds,
        sleep=sleep,
        clock=lambda: now[0],
    )
    return result, slept


def test_the_import_is_followed_until_it_finishes() -> None:
    done = state("COMPLETED", 10, 10)
    result, slept = follow(FakeClient([state("AWAITING_UPLOAD", 0, None), state("RUNNING", 5), done]))
    assert result == done
    assert slept == [2, 2]


def test_passing_network_trouble_is_waited_out() -> None:
    done = state("COMPLETED", 10, 10)
    trouble: list[ImportState | Exception] = [requests.ConnectionError("reset"), ApiError(503, "http_503", "busy")]
    assert follow(FakeClient([*trouble, done]))[0] == done


def test_other_api_errors_end_the_wait() -> None:
    with pytest.raises(ApiError, match="forbidden"):
        follow(FakeClient([ApiError(403, "forbidden", "no")]))


def test_too_many_failures_in_a_row_end_the_wait() -> None:
    with pytest.raises(ApiError):
        follow(FakeClient([ApiError(503, "http_503", "busy")] * (POLL_RETRIES + 1)))


def test_the_wait_has_a_time_limit() -> None:
    with pytest.raises(CliError, match=r"not finished after 0.1 minutes.*anubandh roll status imp-1"):
        follow(FakeClient([state("RUNNING", 1)] * 10), timeout_seconds=6)


def test_an_import_with_bad_lines_exits_3_with_a_summary_and_the_report(tmp_path: Path) -> None:
    source = tmp_path / "roll.csv"
    content = (HEADER + "EMP-1,A,DDO-XYZ-999\n").encode()
    source.write_bytes(content)
    finished = state(
        "COMPLETED", 1, 1, counts=counts(errors=1), report_url="http://s3.example/report", completed_at="now"
    )
    client = FakeClient([state("RUNNING", 0, 1), finished], report="line,employee_code,outcome,column,message\n")
    out, err = io.StringIO(), io.StringIO()
    code = import_roll(
        client,
        source,
        content,
        report_path=tmp_path / "report.csv",
        poll_seconds=0.01,
        timeout_seconds=60,
        out=out,
        err=err,
        bar=ProgressBar(err, tty=False),
    )
    assert code == 3
    assert client.calls == [
        "start roll.csv",
        f"upload roll.csv {len(content)} bytes to http://s3.example/b",
        "download http://s3.example/report",
    ]
    summary = out.getvalue()
    assert "Import imp-1 (roll.csv): COMPLETED" in summary
    assert "errors                      1" in summary
    assert f"Report: {tmp_path / 'report.csv'}" in summary
    assert (tmp_path / "report.csv").read_text(encoding="utf-8").startswith("line,employee_code,outcome")
    assert f"uploading {len(content)} bytes… done" in err.getvalue()
    assert "[####################] 100%  1/1 rows  inserted 0 · errors 1" in err.getvalue()
    assert "1 line(s) not imported" in err.getvalue()


def test_a_failed_import_exits_1_with_its_reason(tmp_path: Path) -> None:
    source = tmp_path / "roll.csv"
    source.write_bytes(b"x\n")
    failed = state("FAILED", 0, None, failure="The file is not UTF-8 CSV.", report_url="http://s3.example/r")
    out, err = io.StringIO(), io.StringIO()
    code = import_roll(
        FakeClient([failed]),
        source,
        b"x\n",
        report_path=tmp_path / "r.csv",
        poll_seconds=0.01,
        timeout_seconds=60,
        out=out,
        err=err,
    )
    assert code == 1
    assert "failure    The file is not UTF-8 CSV." in out.getvalue()
    assert "error: the import failed: The file is not UTF-8 CSV." in err.getvalue()


class _RecordingSession(requests.Session):
    """Answers every request with one JSON body, keeping the headers it was sent."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__()
        self.body = body
        self.sent: list[Mapping[str, str]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(kwargs.get("headers") or {})
        answer = requests.Response()
        answer.status_code = 200
        answer._content = json.dumps(self.body).encode()
        return answer


@pytest.mark.parametrize(("given", "expected"), [([], "en"), (["--language", "hi"], "hi")])
def test_roll_import_asks_for_the_report_in_the_chosen_language(given: list[str], expected: str) -> None:
    # Given `anubandh roll import` with (or without) --language
    args = cli.build_parser().parse_args(["roll", "import", "roll.csv", "--endpoint", "http://api", *given])
    session = _RecordingSession({"import_id": "imp-1", "status": "RUNNING"})
    client = AnubandhClient("http://api", "token", session, language=args.language)
    # When it asks for an import's state
    client.import_status("imp-1")
    # Then the API is asked for that language (the report's, and the problems')
    assert session.sent[0]["Accept-Language"] == expected
