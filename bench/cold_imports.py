"""Cold import of each handler module in fresh processes, against `import boto3, pydantic` + a client."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5

BASELINE = "import boto3, pydantic; boto3.client('dynamodb', region_name='ap-south-1')"
# (timed statement, untimed set-up): a piece is timed after boto3 and pydantic are loaded, so its
# figure is what it adds on top of the baseline.
CASES = {
    "baseline: import boto3, pydantic + one client": (BASELINE, ""),
    "register.handler (whole function, cold)": ("import register.handler", ""),
    "+ powertools Logger, Metrics, Tracer": ("from aws_lambda_powertools import Logger, Metrics, Tracer", BASELINE),
    "+ powertools event_handler (resolver, OpenAPI)": ("import aws_lambda_powertools.event_handler", BASELINE),
    "+ powertools idempotency": ("import aws_lambda_powertools.utilities.idempotency", BASELINE),
    "+ powertools batch": ("import aws_lambda_powertools.utilities.batch", BASELINE),
    "+ core domain models (pydantic schemas built)": ("import core.registration", BASELINE),
    "+ X-Ray SDK (loaded only when tracing is on)": ("import aws_xray_sdk.core", BASELINE),
    "certificates.handler (whole function, cold; JSON, status, verify)": ("import certificates.handler", ""),
    "+ certificates.qr (?format=png only: segno)": ("import certificates.qr", "import certificates.handler"),
    "+ certificates.pdf (?format=pdf only: fpdf2, Pillow, fontTools, uharfbuzz)": (
        "import certificates.pdf",
        "import certificates.handler",
    ),
}

_TIMER = (
    "import time, sys; exec(sys.argv[2]); t = time.perf_counter(); exec(sys.argv[1]); "
    "print((time.perf_counter() - t) * 1000)"
)


def _once(statement: str, setup: str) -> float:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}", "POWERTOOLS_TRACE_DISABLED": "true"}
    out = subprocess.run(
        [sys.executable, "-X", "frozen_modules=on", "-c", _TIMER, statement, setup],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def run() -> str:
    medians = {
        name: statistics.median(_once(stmt, setup) for _ in range(RUNS)) for name, (stmt, setup) in CASES.items()
    }
    baseline = medians["baseline: import boto3, pydantic + one client"]
    lines = [
        "## Cold import (fresh process each, median of 5)\n",
        "| import | median ms | ratio to baseline |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {ms:.1f} | {ms / baseline:.2f} |" for name, ms in medians.items()]
    lines.append(
        "\nThe X-Ray SDK is not imported unless tracing is enabled (Powertools loads it lazily); boto3 clients "
        "are created on first use, not at import. The QR and PDF libraries are imported only by certificates.qr "
        "and certificates.pdf, which the certificates handler imports for ?format=png or pdf: no other function "
        "loads them (tests/infra/test_import_boundaries.py)."
    )
    return "\n".join(lines) + "\n"
