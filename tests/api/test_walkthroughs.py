"""The README's walkthroughs, run as printed: every script in docs/walkthroughs/, in the README's order,
against the local stack, from a directory outside the checkout. Each must succeed, show what its
role came to do, and write no file into the checkout.

The stack is shared by the API tests of a worker: the walkthroughs use demo users no other test
uses (EMP-0012 and EMP-0030), and leave no record SUBMITTED and the windows as seeded."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import ROOT, LocalStack

pytestmark = pytest.mark.api

WALKTHROUGHS = ROOT / "docs" / "walkthroughs"
# The order the README gives, each run with what the README passes it, and what its output must show.
RUNS: list[tuple[str, list[str], list[str]]] = [
    ("employee.sh", [], ["('EMP-0012', ", "SUBMITTED')", "(True, True)"]),
    ("employee.sh", ["EMP-0030"], ["('EMP-0030', ", "SUBMITTED')"]),
    ("verify.sh", [], ["VALID: this receipt is signed", "VERIFIED: 7 of 7 events"]),
    ("ddo.sh", [], ["SENT_BACK", "SUBMITTED", "('VERIFIED', 'user:ddo1')", "(True, 'verify')"]),
    ("officer.sh", [], ["('AWAITING_EMPLOYEE', True)", "RESOLVED", "('OPEN', 'L2')"]),
    ("hod.sh", [], ["('VERIFIED', 'hod')", "('RESOLVED', 'L2')"]),
    ("admin.sh", [], ["('2026-02-07T23:59:59+05:30', ", "('2026-01-31T23:59:59+05:30', ", "COMPLETED"]),
]


def files_in_checkout() -> set[str]:
    """Untracked files, ignored ones included, where a walkthrough could leave one (beside its inputs,
    or in the directory it runs from), plus every untracked, not ignored file of the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--", "docs", "infra/samples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    untracked = {line[3:] for line in status.stdout.splitlines() if line.startswith("??")}
    return set(listed.stdout.splitlines()) | untracked


@pytest.fixture
def real_time_after(local_stack: LocalStack) -> Iterator[None]:
    yield
    local_stack.http.post(f"{local_stack.url}/_local/clock", json={"reset": True}, timeout=10)


def test_every_walkthrough_runs_as_printed_and_leaves_the_checkout_clean(
    local_stack: LocalStack, tmp_path: Path, real_time_after: None
) -> None:
    # Given the checkout as it is, and a directory outside it for the walkthroughs' scratch files
    before = files_in_checkout()
    env = {**os.environ, "API": local_stack.url, "TMPDIR": str(tmp_path)}

    # When every walkthrough runs, in the README's order, from outside the checkout
    for script, args, shown in RUNS:
        run = subprocess.run(
            ["bash", str(WALKTHROUGHS / script), *args],
            cwd=tmp_path,
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        # Then each succeeds and shows what its role came to do
        assert run.returncode == 0, f"{script} {args} failed:\n{run.stdout}\n{run.stderr}"
        missing = [text for text in shown if text not in run.stdout]
        assert not missing, f"{script} {args} did not show {missing}:\n{run.stdout}"

    # And the scratch files went to the temporary directory, none into the checkout
    assert any(tmp_path.glob("tmp.*/submitted.json"))
    assert files_in_checkout() == before


def test_every_walkthrough_script_is_run_by_the_test() -> None:
    scripts = {path.name for path in WALKTHROUGHS.glob("*.sh")} - {"common.sh"}
    assert scripts == {script for script, _, _ in RUNS}
