"""`anubandh verify certificate` offline: the input forms it reads, its verdicts and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.credential import Verdict, encode, verify
from infra.cli import main
from infra.verify_certificate import status_verdict
from tests.unit.test_credential import KID, NOW, claims, jwks, sign


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(jwks()), encoding="utf-8")
    return path


def run(*args: str) -> int:
    return main(["verify", "certificate", *args])


def test_a_genuine_certificate_from_a_file_or_the_api_json_is_valid(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credential = encode(claims(), key_id=KID, sign_der=sign)
    text = tmp_path / "credential.txt"
    text.write_text(credential + "\n", encoding="utf-8")
    document = tmp_path / "certificate.json"
    document.write_text(json.dumps({"serial": "x", "credential": credential}), encoding="utf-8")
    for source in (str(text), str(document), credential):
        assert run(source, "--keys", str(keys)) == 0
        out = capsys.readouterr().out
        assert out.startswith("OK  मान्य प्रमाण-पत्र / The certificate is genuine and in force.")
        assert "सुनीता देवी" in out and "DDO DDO-PKL-001" in out and "offline" in out


def test_wrong_input_gives_a_failing_verdict_or_a_usage_error(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credential = encode(claims(), key_id=KID, sign_der=sign)
    head, _, signature = credential.split(".")
    altered = f"{head}.{encode(claims(service_years=9), key_id=KID, sign_der=sign).split('.')[1]}.{signature}"
    assert run(altered, "--keys", str(keys)) == 1
    assert capsys.readouterr().out.startswith("FAIL  हस्ताक्षर गलत / The signature does not match")
    picture = tmp_path / "qr.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    assert run(str(picture), "--keys", str(keys)) == 2
    assert "zbarimg" in capsys.readouterr().err
    assert run(str(tmp_path / "missing.txt"), "--keys", str(keys)) == 2
    broken = tmp_path / "broken.json"
    broken.write_text('{"keys": 1}', encoding="utf-8")
    assert run(credential, "--keys", str(broken)) == 2
    assert run(credential) == 2  # keys are needed: --keys or --endpoint


def test_the_issuers_status_overrides_a_good_signature() -> None:
    genuine = verify(encode(claims(), key_id=KID, sign_der=sign), jwks(), now=NOW)
    assert status_verdict(genuine, {"status": "valid"}) == Verdict.VALID
    assert status_verdict(genuine, {"status": "revoked"}) == Verdict.REVOKED
    assert status_verdict(genuine, {"status": "superseded"}) == Verdict.SUPERSEDED
    assert status_verdict(genuine, None) == Verdict.UNKNOWN_SERIAL
    forged = verify("a.b.c", jwks(), now=NOW)
    assert status_verdict(forged, {"status": "valid"}) == Verdict.MALFORMED
