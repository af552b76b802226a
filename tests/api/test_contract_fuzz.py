"""The OpenAPI document is the contract, and the server keeps it: a schema-driven fuzz of every operation
of a running local stack, with an employee's, a DDO's, a grievance officer's and an admin's token.

Schemathesis (its command line, `st run`) reads the committed `/openapi.json` from the stack and sends,
for each role, the documented examples, the coverage phase's boundary values and enum members of every
parameter and body field, then seeded random cases, valid and invalid. Every answer must be no 5xx, a
documented status, a documented content type, and a body that matches the documented schema. The
stateful phase is not run. Generation is deterministic, so CI sends the same cases every time.

`make fuzz` runs the larger fuzz: ten times the random cases, and the coverage phase's invalid values
and unexpected methods and content types too; it prints the count per role. The fuzz has a stack of
its own: an admin's random window changes must not reach the other API tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import LocalStack, running_stack

pytestmark = pytest.mark.api

# Random cases per operation and role (the examples and the coverage phase add their own, fixed sets).
EXAMPLES = int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "4"))
# "positive" in CI: boundary values and enum members the document allows; `make fuzz` adds the invalid ones.
COVERAGE = os.environ.get("CONTRACT_FUZZ_COVERAGE", "positive")
# The admin last: their random window changes would close the windows the others' cases meet.
ROLES = {"employee": "employee1", "ddo": "ddo1", "officer": "officer1", "admin": "admin1"}
INSIDE_THE_WINDOW = "2026-01-20T10:00:00+05:30"
CONFIG = """
seed = 20260131
suppress-health-check = ["too_slow", "filter_too_much", "data_too_large"]
workers = 1
warnings = false

[cache]  # no crash files written into the checkout
enabled = false

[checks]  # no 5xx; the status, the content type and the body are the documented ones
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_schema_conformance.enabled = true

[generation]
deterministic = true  # the same cases on every run
database = "none"  # nothing remembered between runs, nothing written to the checkout
with-security-parameters = false  # the token is the role's, never a generated one
max-examples = {examples}

[phases.coverage.generation]
mode = "{coverage}"

[phases.stateful]
enabled = false
"""


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("fuzz-stack")) as stack:
        stack.set_clock(INSIDE_THE_WINDOW)
        yield stack


def fuzz(stack: LocalStack, role: str, config: Path) -> tuple[int, str]:
    """One `st run` as the role: its exit code and its report."""
    token = stack.login(ROLES[role])["Authorization"]
    st = Path(sys.executable).with_name("st")
    url = f"{stack.url}/openapi.json"
    command = [str(st), "--config-file", str(config), "run", url, "-H", f"Authorization: {token}"]
    done = subprocess.run(command, cwd=config.parent, capture_output=True, text=True, timeout=900, check=False)
    return done.returncode, done.stdout + done.stderr


def test_every_answer_keeps_the_documented_contract(
    fuzz_stack: LocalStack, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(examples=EXAMPLES, coverage=COVERAGE), encoding="utf-8")
    # Given the served document, When each role is fuzzed with it
    for role in ROLES:
        code, report = fuzz(fuzz_stack, role, config)
        # Then every case passed every check, and every operation was reached (counted, not timed)
        assert code == 0, f"the contract fuzz as the {role} failed:\n{report[-20000:]}"
        counted = re.search(r"(\d+) generated, (\d+) passed", report)
        operations = re.search(r"Tested: (\d+)", report)
        assert counted and operations, report[-3000:]
        assert int(operations[1]) > 50 and counted[1] == counted[2], report[-3000:]
        assert int(counted[1]) >= int(operations[1]) * EXAMPLES, report[-3000:]
        record_property(f"contract_fuzz_{role}", int(counted[1]))
