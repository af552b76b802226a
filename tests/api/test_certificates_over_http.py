"""The service certificate over real HTTP: a verified registration's certificate as JSON, QR code PNG
and PDF (binary bodies through the gateway as API Gateway returns them), its public status and
verification, and `anubandh verify certificate` against the running stack and offline."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from infra.cli import main
from tests.api.conftest import LocalStack
from tests.api.test_registration_over_http import PDF, REQUIRED, upload

pytestmark = pytest.mark.api


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_a_verified_registration_has_a_certificate_anyone_can_check(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given employee19 (DDO-PKL-002) registered and ddo2 verified the record
    local_stack.set_clock("2026-01-22T11:00:00+05:30")
    employee = local_stack.login("employee19")
    reg_id = local_stack.call("POST", "/v1/registrations", employee, json={}).json()["registration_id"]
    for doc_type in REQUIRED:
        upload(local_stack, employee, reg_id, doc_type, PDF)
    version = local_stack.call("GET", f"/v1/registrations/{reg_id}", employee).json()["version"]
    assert local_stack.call("POST", f"/v1/registrations/{reg_id}/submit", employee, json={"version": version}).ok
    local_stack.set_clock("2026-02-12T10:00:00+05:30")
    ddo = local_stack.login("ddo2")
    version = local_stack.call("GET", f"/v1/verifications/{reg_id}", ddo).json()["version"]
    decided = local_stack.call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        ddo,
        json={"decision": "verify", "remarks": "Service book checked.", "version": version},
    )
    assert decided.status_code == 200, decided.text
    path = f"/v1/registrations/{reg_id}/certificate"

    # When the employee asks before the transparency log has the VERIFIED event: pending, with when
    pending = local_stack.call("GET", path, employee)
    assert pending.status_code == 409 and pending.json()["code"] == "certificate_pending"
    assert int(pending.headers["Retry-After"]) > 0

    # And once the sequencer has run
    assert local_stack.call("POST", "/_local/jobs/transparency-sequence", json={}).ok
    issued = local_stack.call("GET", path, employee)
    assert issued.status_code == 200, issued.text
    certificate = issued.json()
    assert certificate["status"] == "valid" and certificate["attested"]["verifier_office"] == "DDO-PKL-002"

    # Then the QR code is a PNG and the PDF one page, as binary bodies
    png = local_stack.call("GET", path, employee, params={"format": "png"})
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    width, height = _png_size(png.content)
    assert width == height and width % 4 == 0  # 4 pixels a module, quiet zone included
    modules = width // 4 - 8
    assert modules <= 89, modules  # version 18 at most: small enough for an ID card
    pdf = local_stack.call("GET", path, ddo, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.count(b"/Type /Page\n") == 1
    assert certificate["serial"] in pdf.headers["Content-Disposition"]
    assert local_stack.call("GET", path, employee, params={"format": "gif"}).status_code == 422

    # And anyone, without a token, reads its status and verifies it
    status = local_stack.call("GET", f"/v1/certificates/{certificate['serial']}/status")
    assert status.status_code == 200 and status.json()["status"] == "valid"
    verdict = local_stack.call("POST", "/v1/certificates/verify", json={"credential": certificate["credential"]})
    assert verdict.status_code == 200 and verdict.json()["verdict"] == "valid"
    head, payload, signature = certificate["credential"].split(".")
    forged = f"{head}.{payload[:-4]}AAAA.{signature}"
    assert local_stack.call("POST", "/v1/certificates/verify", json={"credential": forged}).json()["valid"] is False

    # And the offline CLI agrees: with the API, with saved keys, and not for a forgery
    saved = tmp_path / "certificate.json"
    saved.write_text(json.dumps(certificate), encoding="utf-8")
    keys = tmp_path / "keys.json"
    keys.write_text(local_stack.call("GET", "/v1/keys").text, encoding="utf-8")
    assert main(["verify", "certificate", str(saved), "--endpoint", local_stack.url]) == 0
    assert certificate["serial"] in capsys.readouterr().out
    assert main(["verify", "certificate", certificate["credential"], "--keys", str(keys)]) == 0
    assert "offline" in capsys.readouterr().out
    assert main(["verify", "certificate", forged, "--keys", str(keys)]) == 1
    assert capsys.readouterr().out.startswith("FAIL")
