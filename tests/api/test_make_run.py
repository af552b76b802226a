"""`make run` as a newcomer meets it: a taken port, the banner, the log.

(That SIGTERM to the process group stops the stack within 5 s, quietly, is checked when the session's
stack is stopped: tests/api/conftest.py.)
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import boto3
import pytest

from infra.local.seed import demo_users
from infra.local.template import load_template, scheduled_jobs
from tests.api.conftest import ROOT, LocalStack, free_port

pytestmark = pytest.mark.api

EXIT_TIMEOUT = 60  # a bound, not a measure: it exits before starting anything


@pytest.mark.parametrize("variable", ["MOTO_PORT", "PORT"])
def test_a_taken_port_is_one_line_naming_the_variable_and_nothing_starts(variable: str) -> None:
    # Given a port held by something that accepts connections but never answers
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = {"PORT": str(free_port()), "MOTO_PORT": str(free_port()), variable: str(taken)}
        # When make run starts
        done = subprocess.run(
            [sys.executable, "-m", "infra.local"],
            cwd=ROOT,
            env={**os.environ, **ports},
            capture_output=True,
            text=True,
            timeout=EXIT_TIMEOUT,
            check=False,
        )
    # Then it exits non-zero with one line that says what to set, and no traceback
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert re.fullmatch(rf"port {taken} is in use; set {variable}=\d+, e\.g\. `{variable}=\d+ make run`", lines[0])
    assert "Anubandh local stack is up" not in done.stdout


def _banner(stack: LocalStack) -> str:
    text = stack.log.read_text()
    return text[text.index("Anubandh local stack is up.") : text.index("# --- copy-paste walkthrough")]


def test_the_banner_shows_the_clock_the_windows_every_job_and_only_users_that_exist(local_stack: LocalStack) -> None:
    # Given the banner make run printed
    banner = _banner(local_stack)
    # Then it shows the clock and the state of each window
    assert re.search(r"^Clock +\d\d \w{3} \d{4} \d\d:\d\d IST", banner, re.MULTILINE)
    for window in ("registration", "verification", "grievances"):
        assert re.search(rf"^  {window} +(OPEN|closed|not open yet) ", banner, re.MULTILINE), window
    # and every job the template schedules
    listed_jobs = set(re.findall(r"^  ([a-z-]+) +\w+Function +cron", banner, re.MULTILINE))
    assert listed_jobs == set(scheduled_jobs(load_template()))
    # and every demo user it lists exists in the user pool (the seed created them; looked up, not signed
    # in, so that the other API tests' users are left as they were)
    users_part = banner[banner.index("Demo users") :]
    listed_users = set(re.findall(r"\b((?:employee|ddo|hod|officer|admin)\d+)\b", users_part))
    assert {"employee1", "employee30", "ddo1", "hod1", "officer1", "admin1"} <= listed_users
    stack = local_stack.http.get(f"{local_stack.url}/_local/stack", timeout=10).json()
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    in_pool = {u.username: u.cognito_username for u in demo_users()}
    for username in sorted(listed_users):
        cognito.admin_get_user(UserPoolId=stack["outputs"]["UserPoolId"], Username=in_pool[username])


def test_the_log_has_one_readable_line_per_request_naming_function_service_and_role(local_stack: LocalStack) -> None:
    # Given an employee's request and a request without a token
    employee = local_stack.login("employee1")
    assert local_stack.call("GET", "/v1/me", employee).status_code == 200
    assert local_stack.call("GET", "/v1/me").status_code == 401
    # Then each has its line: method, path, status, time, caller role, and the function and service
    log = local_stack.log.read_text()
    assert re.search(r" register/RegisterFunction +GET /v1/me 200 \d+ms employee$", log, re.MULTILINE)
    assert re.search(r" register/RegisterFunction +GET /v1/me 401 \d+ms unauthenticated$", log, re.MULTILINE)
    # and no line lacks its service, nor warns about metrics
    assert "service_undefined" not in log
    assert "No application metrics" not in log
    assert '"ColdStart"' not in log
