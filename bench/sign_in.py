"""Employee sign-in over real HTTP against the local stack (a subprocess, as `make run` starts it):
the latency of `POST /v1/auth/otp` and `POST /v1/auth/otp/verify` against `GET /v1/programme`
measured in the same run, and the AWS calls one sign-in makes (counted in tests/integration/test_sign_in.py)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from bench.replay import _p95
from core.clock import IST

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 20
START = datetime(2026, 1, 10, 9, 0, tzinfo=IST)
CODES = [f"EMP-{n:04d}" for n in range(1, 33)]  # the demo roll


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack:
    def __init__(self) -> None:
        port, moto_port = _free_port(), _free_port()
        env = {**os.environ, "PORT": str(port), "MOTO_PORT": str(moto_port), "POWERTOOLS_LOG_LEVEL": "ERROR"}
        env.pop("AWS_ENDPOINT_URL", None)
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.http = requests.Session()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if self.http.get(f"{self.url}/_local/clock", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.25)
        self.stop()
        raise RuntimeError("the local stack did not start")

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
        return self.http.post(f"{self.url}{path}", json=body, headers=headers or {}, timeout=30)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def _otp(stack: Stack, challenge_id: str) -> str:
    for _ in range(200):
        items = stack.http.get(f"{stack.url}/_local/outbox", timeout=10).json()["items"]
        for item in items:
            if item["campaign"] == f"otp#{challenge_id}" and item["status"] == "SENT":
                return next(w for w in item["text"].replace(",", " ").split() if w.isdigit() and len(w) == 6)
        time.sleep(0.05)
    raise RuntimeError(f"no OTP SMS for {challenge_id}")


def _timed(action: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def run() -> str:
    stack = Stack()
    try:
        names = ("GET /v1/programme", "POST /v1/auth/otp", "POST /v1/auth/otp/verify")
        timings: dict[str, list[float]] = {name: [] for name in names}
        for n in range(SAMPLES):
            code = CODES[n % len(CODES)]
            # A fresh minute for every sample, so no abuse limit is reached; each code at most once an hour.
            stack.post("/_local/clock", {"now": (START + timedelta(minutes=2 * n)).isoformat(), "frozen": True})
            asked_ms, asked = _timed(lambda c=code: stack.post("/v1/auth/otp", {"employee_code": c}))
            assert asked.status_code == 202, asked.text
            challenge = asked.json()["challenge_id"]
            otp = _otp(stack, challenge)
            verify_ms, verified = _timed(
                lambda c=challenge, o=otp: stack.post("/v1/auth/otp/verify", {"challenge_id": c, "otp": o})
            )
            assert verified.status_code == 200, verified.text
            token = verified.json()["access_token"]
            programme_ms, got = _timed(
                lambda t=token: stack.http.get(
                    f"{stack.url}/v1/programme", headers={"Authorization": f"Bearer {t}"}, timeout=30
                )
            )
            assert got.status_code == 200, got.text
            timings["POST /v1/auth/otp"].append(asked_ms)
            timings["POST /v1/auth/otp/verify"].append(verify_ms)
            timings["GET /v1/programme"].append(programme_ms)
    finally:
        stack.stop()
    baseline = statistics.median(timings["GET /v1/programme"])
    rows = [
        f"| {name} | {statistics.median(v):.1f} | {_p95(v):.1f} | {statistics.median(v) / baseline:.2f}x |"
        for name, v in timings.items()
    ]
    return "\n".join(
        [
            "## Employee sign-in over HTTP (local stack)\n",
            f"{SAMPLES} sign-ins of demo-roll employees through the gateway (their Cognito users exist: the seed "
            "made them, as a first sign-in would); each sample also reads `GET /v1/programme` with the new access "
            "token, the baseline, in the same run. The OTP is read from `/_local/outbox` between the two calls "
            "(not timed). The verify includes Cognito's three trigger invocations, which the local stack makes over "
            "HTTP through its gateway.\n",
            "| request | median ms | p95 ms | median vs GET /v1/programme |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            "AWS calls per sign-in (counted in tests/integration/test_sign_in.py): asking, 3 DynamoDB GetItem + 3 "
            "PutItem + 1 SQS send; sending, 1 SNS Publish (+ the challenge, programme, roll entry, OTP key and the "
            "ledger claim and confirm); verifying the first time, 6 Cognito calls (AdminGetUser, AdminCreateUser, "
            "AdminSetUserPassword, AdminAddUserToGroup, AdminInitiateAuth, AdminRespondToAuthChallenge: 3 Lambda "
            "trigger invocations) and 5 DynamoDB calls; later sign-ins skip the 3 creating calls and the link write.\n",
        ]
    )
