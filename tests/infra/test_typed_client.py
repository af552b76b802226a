"""A client team can generate a typed client from the committed document and call every route with typed
answers: openapi-python-client generates one, and mypy --strict checks a small program that uses it.

The program reads the typed fields of the answers (the programme's windows, a new registration's
`status`, a grievance list's items); a control program reads a field of an answer that has no body,
and mypy must refuse exactly that line, so a missing response model cannot pass unnoticed. And every
generated operation answers a model of its own beside the Problem, unless its success is 204.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import typing
from pathlib import Path
from types import NoneType

import pytest

from infra.openapi import OUTPUT

PACKAGE = "anubandh_client"

PROGRAM = f'''
"""An employee's app: the programme, a new registration, their grievances."""

from datetime import datetime
from typing import assert_type

from {PACKAGE} import AuthenticatedClient
from {PACKAGE}.api.grievances import list_grievances_v1_grievances_get as list_grievances
from {PACKAGE}.api.programme import get_programme_v1_programme_get as get_programme
from {PACKAGE}.api.registrations import create_registration_v1_registrations_post as create_registration
from {PACKAGE}.models import (
    CreateRegistrationRequest,
    GrievanceListResponse,
    GrievanceStatus,
    Problem,
    ProgrammeResponse,
    RegistrationResponse,
    RegistrationStatus,
)


def registration_closes(client: AuthenticatedClient) -> datetime | str:
    answer = get_programme.sync(client=client)
    if isinstance(answer, Problem):
        return answer.detail
    assert answer is not None
    assert_type(answer, ProgrammeResponse)
    return answer.registration_closes_at


def register(client: AuthenticatedClient) -> RegistrationStatus | str:
    answer = create_registration.sync(client=client, body=CreateRegistrationRequest(family_id="FAM00001"))
    if isinstance(answer, Problem):
        return answer.code
    assert answer is not None
    assert_type(answer, RegistrationResponse)
    return answer.status


def open_grievances(client: AuthenticatedClient) -> list[str]:
    answer = list_grievances.sync(client=client, status=GrievanceStatus.OPEN, limit=10)
    if not isinstance(answer, GrievanceListResponse):
        return []
    return [item.number for item in answer.items]
'''

# Sign-out answers 204, with no body: reading a field of its answer must not type-check.
CONTROL = f"""
from {PACKAGE} import AuthenticatedClient
from {PACKAGE}.api.sign_in import sign_out_v1_auth_sign_out_post as sign_out
from {PACKAGE}.models import Problem


def signed_out(client: AuthenticatedClient) -> str:
    answer = sign_out.sync(client=client)
    if isinstance(answer, Problem) or answer is None:
        return "no"
    return answer.status  # the control: an answer without a model
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typed-client")
    (root / "config.yaml").write_text("post_hooks: []\n", encoding="utf-8")  # no formatter run: lean
    generator = Path(sys.executable).with_name("openapi-python-client")
    command = [str(generator), "generate", "--path", str(OUTPUT), "--meta", "none", "--output-path", PACKAGE]
    done = subprocess.run(
        [*command, "--config", "config.yaml"], cwd=root, capture_output=True, text=True, timeout=300, check=False
    )
    # Warnings mean a schema the generator could not type: nothing may be left out
    assert done.returncode == 0 and "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    return root


def test_a_program_using_the_typed_client_type_checks_strictly(generated: Path) -> None:
    # Given the program and the control, When mypy --strict checks both with the generated client
    (generated / "program.py").write_text(PROGRAM, encoding="utf-8")
    (generated / "control.py").write_text(CONTROL, encoding="utf-8")
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--config-file", "/dev/null"]
    done = subprocess.run(
        [*mypy, "program.py", "control.py"], cwd=generated, capture_output=True, text=True, timeout=300, check=False
    )
    # Then the program type-checks, and the only error is the control's line
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and errors[0].startswith("control.py:11:"), done.stdout + done.stderr


def test_every_operation_answers_a_typed_model(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the generated package, importable
    monkeypatch.syspath_prepend(str(generated))
    problem = importlib.import_module(f"{PACKAGE}.models").Problem
    document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    untyped = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            name = re.sub("_+", "_", operation["operationId"])  # the generator's module name
            (module,) = generated.glob(f"{PACKAGE}/api/*/{name}.py")
            sync = importlib.import_module(f"{PACKAGE}.api.{module.parent.name}.{module.stem}").sync
            # When its return type is read, Then it names a model of the route's own beside Problem
            answers = set(typing.get_args(typing.get_type_hints(sync)["return"])) - {problem, NoneType}
            typed = (
                answers == {typing.Any} if "204" in operation["responses"] else answers and typing.Any not in answers
            )
            if not typed:
                untyped.append((method.upper(), path, answers))
    assert untyped == []
