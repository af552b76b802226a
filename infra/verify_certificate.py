"""`anubandh verify certificate`: a service certificate checked on what the portal signed.

    anubandh verify certificate FILE_OR_JWS (--keys JWKS.json | --endpoint URL)

The check is the same pure code the server's verify route runs (functions/core/credential.py); a
verdict is printed in Hindi and English, and the exit code is 0 when the certificate is valid, 1 when
it is not, 2 for bad usage or an unreadable file. `add_certificate(checks)` adds the subcommand to
the `verify` group (infra/verify_cli.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from core.credential import VERDICT_TEXT, CredentialCheck, Verdict, from_epoch
from core.credential import verify as verify_credential
from infra.cli_errors import ENDPOINT_VARIABLE, EXIT_FAILED, EXIT_OK, CliError, LocalFileProblem, UsageError

HTTP_TIMEOUT = (10, 30)  # seconds: connect, read
MAX_INPUT_BYTES = 64 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

Print = Callable[[str], None]


# ---------------------------------------------------------------------------- certificate


def read_credential(source: str) -> str:
    """FILE_OR_JWS: a file holding the JWS, or the certificate's JSON from the API, or the JWS itself."""
    if source.count(".") == 2 and "/" not in source:  # the JWS itself (too long to be a file name)
        return source.strip()
    path = Path(source)
    try:
        if not path.is_file():
            raise LocalFileProblem(f"{source} is neither a file nor a credential (header.claims.signature)")
    except OSError as error:
        raise LocalFileProblem(f"cannot read {source}: {error.strerror}") from error
    data = path.read_bytes()[: MAX_INPUT_BYTES + 1]
    if len(data) > MAX_INPUT_BYTES:
        raise LocalFileProblem(f"{path} is too large to be a certificate")
    if data.startswith(PNG_MAGIC):
        raise LocalFileProblem(
            f"{path} is a picture: read its QR code first (a phone's camera, or `zbarimg -q --raw {path}`) "
            "and give the text it holds"
        )
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError as error:
        raise LocalFileProblem(f"{path} is not text: give the credential (the QR code's text) or the JSON") from error
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as error:
            raise LocalFileProblem(f"{path} is not valid JSON") from error
        credential = document.get("credential") if isinstance(document, dict) else None
        if not isinstance(credential, str):
            raise LocalFileProblem(f'{path} has no "credential" field')
        return credential.strip()
    return text


def read_keys(path: Path) -> dict[str, Any]:
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LocalFileProblem(f"cannot read the key set {path}: {error}") from error
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise LocalFileProblem(f'{path} is not a JWKS (a JSON object with a "keys" list)')
    return keys


def _get(http: requests.Session, url: str) -> requests.Response:
    return http.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"})


def fetch_keys(endpoint: str, http: requests.Session) -> dict[str, Any]:
    reply = _get(http, f"{endpoint.rstrip('/')}/v1/keys")
    if reply.status_code != 200:
        raise CliError(f"GET /v1/keys answered {reply.status_code}")
    keys: dict[str, Any] = reply.json()
    return keys


def fetch_status(endpoint: str, serial: str, http: requests.Session) -> dict[str, Any] | None:
    """The issuer's record of the serial; None when it has none."""
    reply = _get(http, f"{endpoint.rstrip('/')}/v1/certificates/{quote(serial, safe='')}/status")
    if reply.status_code == 404:
        return None
    if reply.status_code != 200:
        raise CliError(f"GET /v1/certificates/{serial}/status answered {reply.status_code}")
    status: dict[str, Any] = reply.json()
    return status


def status_verdict(check: CredentialCheck, status: Mapping[str, Any] | None) -> Verdict:
    """The signature's verdict, overridden by what the issuer says of a genuine certificate."""
    if check.claims is None:
        return check.verdict
    if status is None:
        return Verdict.UNKNOWN_SERIAL
    return {"revoked": Verdict.REVOKED, "superseded": Verdict.SUPERSEDED}.get(str(status.get("status")), check.verdict)


def _date(seconds: int) -> str:
    return from_epoch(seconds).strftime("%d-%m-%Y")


def report(check: CredentialCheck, verdict: Verdict, status: Mapping[str, Any] | None, out: Print) -> None:
    hindi, english = VERDICT_TEXT[verdict]
    mark = "OK" if verdict == Verdict.VALID else "FAIL"
    out(f"{mark}  {hindi} / {english}")
    if verdict == check.verdict and verdict != Verdict.VALID:
        out(f"      {check.detail}")
    if status is not None and verdict == Verdict.REVOKED:
        out(f"      revoked {status.get('revoked_at')}: {status.get('revocation_reason')}")
    if status is not None and verdict == Verdict.SUPERSEDED:
        out(f"      superseded by {status.get('superseded_by')} ({status.get('superseded_at')})")
    claims = check.claims
    if claims is None:
        return
    rows = [
        ("क्रमांक / Serial", claims.serial),
        ("नाम / Name", claims.name),
        ("कर्मचारी कोड / Employee code", claims.employee_code),
        ("विभाग / Department", claims.department),
        ("कार्यालय / Office", claims.office),
        ("सेवा वर्ष / Years credited", str(claims.service_years)),
        (
            "सत्यापन / Verified",
            f"{_date(claims.verified_at)} by {claims.verifier_role.upper()} {claims.verifier_office}",
        ),
        ("लॉग प्रविष्टि / Log leaf", str(claims.leaf_index)),
        ("वैधता / Valid", f"{_date(claims.issued_at)} to {_date(claims.expires_at)}"),
        ("कुंजी / Key", check.key_id or ""),
    ]
    for label, value in rows:
        out(f"      {label}: {value}")


def command_verify_certificate(args: Any, env: Mapping[str, str], *, out: Print = print) -> int:
    if not args.keys:
        args.endpoint = args.endpoint or env.get(ENDPOINT_VARIABLE)
        if not args.endpoint:
            raise UsageError(f"name the keys: --keys JWKS.json or --endpoint URL (or set {ENDPOINT_VARIABLE})")
    credential = read_credential(args.credential)
    http = requests.Session()
    keys = read_keys(args.keys) if args.keys else fetch_keys(args.endpoint, http)
    check = verify_credential(credential, keys, now=datetime.now(UTC))
    status = None
    if args.endpoint and check.claims is not None:
        status = fetch_status(args.endpoint, check.claims.serial, http)
    verdict = status_verdict(check, status) if args.endpoint else check.verdict
    report(check, verdict, status, out)
    if not args.endpoint and check.claims is not None:
        out("      (offline: whether it was revoked is not checked; add --endpoint URL for that)")
    return EXIT_OK if verdict == Verdict.VALID else EXIT_FAILED


def add_certificate(commands: Any) -> None:
    parser = commands.add_parser(
        "certificate",
        help="check a service certificate's signature, validity and (online) status",
        description="Check a service certificate: its ES256 signature against the portal's published keys, its "
        "validity dates and, with --endpoint, whether it was revoked or superseded. FILE_OR_JWS is the QR code's "
        "text (the compact JWS), a file holding it, or the certificate's JSON from the API. Exit codes: 0 valid, "
        "1 not valid (the verdict says why), 2 bad usage or file.",
    )
    parser.add_argument("credential", metavar="FILE_OR_JWS")
    keys = parser.add_argument_group(f"keys (one of; none: online at ${ENDPOINT_VARIABLE})")
    keys = keys.add_mutually_exclusive_group()
    keys.add_argument("--keys", type=Path, metavar="JWKS.json", help="the published keys, saved from GET /v1/keys")
    keys.add_argument("--endpoint", metavar="URL", help="the API's base URL: keys and status are read from it")
    parser.set_defaults(handler=command_verify_certificate)
