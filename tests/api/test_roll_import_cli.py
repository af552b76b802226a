"""`anubandh roll import` against the real local stack: start, upload, follow, summary and report.

The stack is shared by the tests of a worker, so the roll may hold the sample's lines already: a
line of the sample is then "unchanged" (or "skipped registered") rather than "inserted"."""

from __future__ import annotations

import csv
import re
import shutil
import uuid
from pathlib import Path

import pytest

from infra.cli import main
from tests.api.conftest import ROOT, LocalStack

pytestmark = pytest.mark.api

SAMPLE = ROOT / "infra" / "samples" / "roll.csv"
REPORT_HEADER = "line,employee_code,outcome,column,message"


def roll_import(stack: LocalStack, path: Path, user: str = "admin1") -> int:
    argv = ["roll", "import", str(path), "--endpoint", stack.url, "--local-user", user]
    return main([*argv, "--poll-seconds", "0.2", "--timeout-minutes", "2"])


def summary_counts(out: str) -> dict[str, int]:
    found = re.findall(r"^  (inserted|updated|unchanged|skipped registered|errors)\s+([\d,]+)$", out, re.MULTILINE)
    return {name: int(value.replace(",", "")) for name, value in found}


def report_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as report:
        return list(csv.DictReader(report))


def test_the_sample_roll_is_imported_with_a_summary_and_a_report(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roll = tmp_path / "roll.csv"
    shutil.copyfile(SAMPLE, roll)

    assert roll_import(local_stack, roll) == 0

    out, err = capsys.readouterr()
    counts = summary_counts(out)
    assert counts["errors"] == 0
    assert counts["inserted"] + counts["updated"] + counts["unchanged"] + counts["skipped registered"] == 3, out
    assert "  lines      3/3" in out
    report = tmp_path / "roll.report.csv"
    assert f"Report: {report}" in out
    assert report.read_text(encoding="utf-8").splitlines()[0] == REPORT_HEADER
    assert "uploading" in err and "done" in err
    assert "[####################] 100%  3/3 rows" in err  # not a terminal: plain lines

    # roll status shows the finished import again
    import_id = re.search(r"^Import (\S+) \(roll\.csv\): COMPLETED$", out, re.MULTILINE)
    assert import_id, out
    argv = ["roll", "status", import_id.group(1), "--endpoint", local_stack.url, "--local-user", "admin1"]
    assert main(argv) == 0
    status = capsys.readouterr().out
    assert f"Import {import_id.group(1)} (roll.csv): COMPLETED" in status
    assert "100%  3/3 rows" in status
    assert "Report URL" in status


def test_a_line_with_an_unknown_ddo_exits_3_and_is_in_the_report(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header, first = SAMPLE.read_text(encoding="utf-8").splitlines()[:2]
    bad = first.replace("EMP-1001", f"EMP-CLI-{uuid.uuid4().hex[:8]}").replace("DDO-PKL-001", "DDO-XYZ-999")
    roll = tmp_path / "bad.csv"
    roll.write_text(f"{header}\n{bad}\n", encoding="utf-8")
    report = tmp_path / "out" / "bad-report.csv"

    argv = ["roll", "import", str(roll), "--endpoint", local_stack.url, "--local-user", "admin1"]
    assert main([*argv, "--poll-seconds", "0.2", "--timeout-minutes", "2", "--report", str(report)]) == 3

    out, err = capsys.readouterr()
    assert summary_counts(out)["errors"] == 1
    assert "1 line(s) not imported: see the report" in err
    errors = [row for row in report_rows(report) if row["outcome"] == "error"]
    assert [(row["line"], row["column"]) for row in errors] == [("2", "ddo_code")]

    import_id = re.search(r"^Import (\S+) ", out, re.MULTILINE)
    assert import_id, out
    assert main(["roll", "status", import_id.group(1), "--endpoint", local_stack.url, "--local-user", "admin1"]) == 3


def test_someone_who_is_not_an_admin_is_refused(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roll = tmp_path / "roll.csv"
    shutil.copyfile(SAMPLE, roll)

    assert roll_import(local_stack, roll, user="ddo1") == 1

    err = capsys.readouterr().err
    assert "error: forbidden (HTTP 403)" in err
    assert "admin" in err
    assert not (tmp_path / "roll.report.csv").exists()


def test_an_unknown_local_user_cannot_sign_in(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roll = tmp_path / "roll.csv"
    shutil.copyfile(SAMPLE, roll)
    assert roll_import(local_stack, roll, user="nobody") == 1
    assert "error: unknown_user (HTTP 401)" in capsys.readouterr().err


def test_an_unknown_import_is_not_found(local_stack: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["roll", "status", "imp-20260101-000000000000", "--endpoint", local_stack.url, "--local-user", "admin1"]
    assert main(argv) == 1
    assert "error: not_found (HTTP 404)" in capsys.readouterr().err
