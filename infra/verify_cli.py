"""`anubandh verify ...`: checks anyone can run on their own machine, trusting nothing of ours but the
published keys.

    anubandh verify receipt FILE (--keys JWKS.json | --endpoint URL)

Each check registers itself with `@verify_command(NAME)` (a function that adds its parser to the
`verify` subcommands and sets `handler`); `add_verify_commands` puts them all under `anubandh verify`.
The checking code itself is pure and lives in functions/core (core.receipts), shared with the server.

`verify receipt` reads a saved answer of the API that carries a signed receipt (the submit answer,
a grievance as filed, a decision, or any `GET .../receipt`), or the bare `{receipt, algorithm,
signature}`, and checks its signature with the key its `key_id` names: from a saved JWKS (`--keys`,
what `GET /v1/keys` answers), or fetched from the API (`--endpoint`). It prints a short verdict in
Hindi and English. Exit codes: 0 valid, 1 not valid (or the keys could not be fetched), 2 bad usage
or an unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import requests

from core.receipts import Problem, ReceiptVerdict, check_receipt
from core.signing import ReceiptKind
from infra.cli_errors import EXIT_FAILED, EXIT_OK, CliError, LocalFileProblem, UsageError

KEYS_TIMEOUT = (10, 30)  # seconds: connect, read
MAX_FILE_BYTES = 1024 * 1024  # a receipt is about 1 KB; an answer carrying one, a few

Subcommands = Any  # argparse's _SubParsersAction, which it does not export
_COMMANDS: dict[str, Callable[[Subcommands], None]] = {}


def verify_command(name: str) -> Callable[[Callable[[Subcommands], None]], Callable[[Subcommands], None]]:
    """Registers a function that adds `anubandh verify NAME` to the `verify` subcommands."""

    def register(add: Callable[[Subcommands], None]) -> Callable[[Subcommands], None]:
        _COMMANDS[name] = add
        return add

    return register


def add_verify_commands(subparsers: Subcommands) -> None:
    verify = subparsers.add_parser(
        "verify", help="check receipts (and more) offline, with nothing but the published keys"
    )
    commands = verify.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in sorted(_COMMANDS):
        _COMMANDS[name](commands)


# ---------------------------------------------------------------------------- verify receipt

KIND_NAMES = {
    ReceiptKind.SUBMISSION: ("पंजीकरण जमा करने की पावती", "registration submitted"),
    ReceiptKind.GRIEVANCE_FILING: ("शिकायत दर्ज करने की पावती", "grievance filed"),
    ReceiptKind.DECISION: ("सत्यापन निर्णय की रसीद", "verification decision"),
}
PROBLEMS = {
    Problem.NOT_A_RECEIPT: ("फ़ाइल में कोई हस्ताक्षरित रसीद नहीं है।", "The file holds no signed receipt."),
    Problem.UNKNOWN_KIND: (
        "यह रसीद इस पोर्टल के किसी प्रकार की नहीं है।",
        "The receipt's kind is not one this portal issues.",
    ),
    Problem.INCOMPLETE: (
        "रसीद अधूरी है या उसके क्षेत्र बदले गए हैं।",
        "The receipt is incomplete or its fields were changed.",
    ),
    Problem.UNKNOWN_ALGORITHM: (
        "हस्ताक्षर का तरीका ECDSA P-256 SHA-256 नहीं है।",
        "The signature's algorithm is not ECDSA P-256 SHA-256.",
    ),
    Problem.KEY_NOT_PUBLISHED: (
        "रसीद जिस कुंजी का नाम लेती है, वह प्रकाशित कुंजियों में नहीं है।",
        "The key the receipt names is not among the published keys.",
    ),
    Problem.BAD_SIGNATURE: (
        "हस्ताक्षर मेल नहीं खाता: रसीद बदली गई है, या इस कुंजी से हस्ताक्षरित नहीं है।",
        "The signature does not match: the receipt was altered, or not signed with this key.",
    ),
}
# What the verdict repeats of each kind's receipt, so the reader sees what was proved.
FACTS = {
    ReceiptKind.SUBMISSION: (
        "registration_id",
        "employee_code",
        "acknowledgement_number",
        "submitted_at",
        "version",
        "event_hash",
    ),
    ReceiptKind.GRIEVANCE_FILING: ("grievance_id", "number", "employee_code", "filed_at", "version", "event_hash"),
    ReceiptKind.DECISION: (
        "registration_id",
        "employee_code",
        "decision",
        "status",
        "decided_role",
        "decided_at",
        "version",
    ),
}


def read_document(path: Path) -> Any:
    """The saved answer; None if it is not JSON (the verdict then says it holds no receipt)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LocalFileProblem(f"{path} is larger than a receipt can be ({MAX_FILE_BYTES:,} bytes at most)")
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LocalFileProblem(f"cannot read {path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise LocalFileProblem(f"{path} is not UTF-8 text") from error
    try:
        return json.loads(text)
    except ValueError:
        return None


def load_keys(keys: Path | None, endpoint: str | None, http: requests.Session | None = None) -> Mapping[str, Any]:
    """The JWKS: a saved copy of `GET /v1/keys`, or fetched from the API."""
    if keys is not None:
        document = read_document(keys)
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise LocalFileProblem(f'{keys} is not a JWKS (a JSON object with "keys")')
        return document
    if not endpoint:
        raise UsageError("name the keys: --keys JWKS.json (saved from GET /v1/keys) or --endpoint URL")
    answer = (http or requests.Session()).get(f"{endpoint.rstrip('/')}/v1/keys", timeout=KEYS_TIMEOUT)
    if answer.status_code != 200:
        raise CliError(f"GET /v1/keys answered HTTP {answer.status_code}; try again, or use --keys")
    try:
        jwks = answer.json()
    except ValueError as error:
        raise CliError("GET /v1/keys did not answer a JWKS") from error
    if not isinstance(jwks, Mapping):
        raise CliError("GET /v1/keys did not answer a JWKS")
    return jwks


def print_verdict(verdict: ReceiptVerdict, out: TextIO) -> None:
    if verdict.valid:
        print("मान्य: यह रसीद प्रकाशित कुंजी से हस्ताक्षरित है और इसमें कोई बदलाव नहीं हुआ है।", file=out)
        print("VALID: this receipt is signed with the published key and has not been altered.", file=out)
    else:
        assert verdict.problem is not None  # every invalid verdict says why
        hindi, english = PROBLEMS[verdict.problem]
        print(f"अमान्य: {hindi}", file=out)
        print(f"NOT VALID: {english}", file=out)
    if verdict.kind is None or verdict.receipt is None:
        return
    hindi, english = KIND_NAMES[verdict.kind]
    print(f"  {'kind':<24}{verdict.kind.value} ({hindi} / {english})", file=out)
    for name in FACTS[verdict.kind]:
        if name in verdict.receipt:
            print(f"  {name:<24}{verdict.receipt[name]}", file=out)


def command_verify_receipt(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    document = read_document(args.file)
    verdict = check_receipt(document, load_keys(args.keys, args.endpoint or env.get("ANUBANDH_ENDPOINT")))
    print_verdict(verdict, sys.stdout)
    return EXIT_OK if verdict.valid else EXIT_FAILED


@verify_command("receipt")
def _receipt_command(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "receipt",
        help="check a signed receipt (submission, grievance filing or decision) with the published key",
        description="Check the signature of a receipt saved from the API (the submit answer, a grievance as "
        "filed, a decision, or GET .../receipt) against the published key, on this machine. Prints a verdict "
        "in Hindi and English. Exit codes: 0 valid, 1 not valid, 2 bad usage or an unreadable file.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the saved JSON answer (or the bare signed receipt)")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument("--keys", type=Path, metavar="JWKS.json", help="the published keys, saved from GET /v1/keys")
    keys.add_argument(
        "--endpoint",
        metavar="URL",
        help="fetch the keys from the API's GET /v1/keys, e.g. http://127.0.0.1:3000 (default: $ANUBANDH_ENDPOINT)",
    )
    parser.set_defaults(handler=command_verify_receipt)
