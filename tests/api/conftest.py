"""The real local stack, started in a subprocess on free ports (moto's mock_aws in this process
would wipe the server's state), and driven over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.template import load_template, sqs_sources

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90
# SIGTERM to the process group (as a supervisor sends it) must stop the gateway, pollers and moto within this.
STOP_TIMEOUT = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalStack:
    url: str
    http: requests.Session
    log: Path  # what `make run` prints: the banner, then one line per request

    def login(self, username: str) -> dict[str, str]:
        reply = self.http.post(f"{self.url}/_local/login", json={"username": username}, timeout=10)
        reply.raise_for_status()
        return {"Authorization": f"Bearer {reply.json()['id_token']}"}

    def set_clock(self, now: str, frozen: bool = True) -> None:
        reply = self.http.post(f"{self.url}/_local/clock", json={"now": now, "frozen": frozen}, timeout=10)
        reply.raise_for_status()

    def call(self, method: str, path: str, as_: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        return self.http.request(
            method, f"{self.url}{path}", headers={**(as_ or {}), **kwargs.pop("headers", {})}, timeout=30, **kwargs
        )


@contextmanager
def running_stack(workdir: Path) -> Iterator[LocalStack]:
    """A fresh local stack in a subprocess on free ports, stopped on exit; its log is in `workdir`."""
    port, moto_port = free_port(), free_port()
    env = {**os.environ, "PORT": str(port), "MOTO_PORT": str(moto_port), "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    log_path = workdir / "stack.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    http = requests.Session()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the local stack exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if http.get(f"{url}/_local/clock", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local stack did not start in time:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.25)
        yield LocalStack(url=url, http=http, log=log_path)
    finally:
        stopped_in_time = _stop_group(process, port, moto_port)
        log.close()
    # Checked after every API test ran: the stack stops cleanly, and quietly, when told to.
    assert stopped_in_time, f"the gateway and moto still answered {STOP_TIMEOUT} s after SIGTERM to the group"
    poll_failures = log_path.read_text().count("queue poll failed")
    assert poll_failures <= len(sqs_sources(load_template())), "a poller logged errors in a loop (at shutdown?)"


def _stop_group(process: subprocess.Popen[bytes], *ports: int) -> bool:
    """SIGTERM to the whole group, as a supervisor sends it; True if its ports closed within STOP_TIMEOUT.

    The ports, not the exit, are timed: the pollers stop before the gateway closes, and after it the
    process only exits (with coverage saving its data, under test), which may take longer on a busy machine.
    """
    if process.poll() is not None:
        return True
    os.killpg(process.pid, signal.SIGTERM)
    checks = int(STOP_TIMEOUT / 0.1)
    closed = False
    for _ in range(checks):  # a counted wait: at most STOP_TIMEOUT
        if not any(is_listening(port) for port in ports):
            closed = True
            break
        time.sleep(0.1)
    try:
        process.wait(timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False
    return closed


def is_listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("local-stack")) as stack:
        yield stack
