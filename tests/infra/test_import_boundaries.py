"""The QR code and PDF libraries load only where they are needed: in the certificates function, and
there only for a PNG or PDF answer (their cold-import cost is in bench/RESULTS.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from infra.local.template import load_template
from tests.api.conftest import ROOT

HEAVY = ("segno", "fpdf", "PIL", "fontTools", "uharfbuzz", "fontpkg_noto_sans_devanagari")
_PROBE = (
    "import importlib, json, sys\n"
    "for module in sys.argv[1:]: importlib.import_module(module)\n"
    f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
)


def _loaded_after(*modules: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}", "PATH": "/usr/bin:/bin"},
    )
    return list(json.loads(out.stdout))


def test_no_handler_loads_the_qr_or_pdf_libraries_at_cold_start() -> None:
    handlers = sorted(
        {
            resource["Properties"]["Handler"].rpartition(".")[0]
            for resource in load_template()["Resources"].values()
            if resource["Type"] == "AWS::Serverless::Function"
        }
    )
    assert "certificates.handler" in handlers
    assert _loaded_after(*handlers) == []
    assert _loaded_after("certificates.qr") == ["segno"]  # a PNG needs no Pillow
    assert set(_loaded_after("certificates.pdf")) == set(HEAVY)  # the probe sees them when they do load
