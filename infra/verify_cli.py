"""`anubandh verify ...`: checks anyone can run on their own machine, trusting nothing of ours but the
published keys.

    anubandh verify receipt FILE (--keys JWKS.json | --endpoint URL)
    anubandh verify record REG-…|GRV-… (--endpoint URL [--token T] | --file proof.json) [--keys keys.json] [--save F]
    anubandh verify log --from CHECKPOINT.json --endpoint URL [--keys keys.json] [--save F]

Each check registers itself with `@verify_command(NAME)` (a function that adds its parser to the
`verify` subcommands and sets `handler`); `add_verify_commands` puts them all under `anubandh verify`.
The checking code itself is pure and lives in functions/core (core.receipts), shared with the server.

`verify receipt` reads a saved answer of the API that carries a signed receipt (the submit answer,
a grievance as filed, a decision, or any `GET .../receipt`), or the bare `{receipt, algorithm,
signature}`, and checks its signature with the key its `key_id` names: from a saved JWKS (`--keys`,
what `GET /v1/keys` answers), or fetched from the API (`--endpoint`). It prints a short verdict in
Hindi and English. Exit codes: 0 valid, 1 not valid (or the keys could not be fetched), 2 bad usage
or an unreadable file.

`verify record` and `verify log` check the transparency log (docs/transparency.md): a record's every
event hash, chain link, inclusion proof and the checkpoint's signature; and that today's log contains
a saved checkpoint's unchanged. Their key is the log's (`GET /v1/transparency/keys`); with `--keys`
nothing is taken from the server on trust. Exit codes: 0 verified, 1 not verified (or not yet covered
by a checkpoint), 2 bad usage or an unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import requests

from core.log_verification import RecordVerdict, check_growth, check_record, checkpoint_problems
from core.receipts import Problem, ReceiptVerdict, check_receipt
from core.signing import ReceiptKind
from infra.cli_errors import ENDPOINT_VARIABLE, EXIT_FAILED, EXIT_OK, CliError, LocalFileProblem, UsageError
from infra.verify_certificate import add_certificate

KEYS_TIMEOUT = (10, 30)  # seconds: connect, read
API_TIMEOUT = (10, 60)
RECEIPT_KEYS = "/v1/keys"
LOG_KEYS = "/v1/transparency/keys"
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
        "verify",
        help="check receipts, certificates and records against the published keys, trusting no server",
        description="Check what the portal signed: a receipt, a service certificate, a record's events against the "
        "transparency log, or that the log only grew. Offline with saved keys, or online with --endpoint URL "
        f"(default: ${ENDPOINT_VARIABLE}).",
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


def load_keys(
    keys: Path | None, endpoint: str | None, http: requests.Session | None = None, *, path: str = RECEIPT_KEYS
) -> Mapping[str, Any]:
    """The JWKS: a saved copy of `GET {path}`, or fetched from the API."""
    if keys is not None:
        document = read_document(keys)
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise LocalFileProblem(f'{keys} is not a JWKS (a JSON object with "keys")')
        return document
    if not endpoint:
        raise UsageError(f"name the keys: --keys JWKS.json (saved from GET {path}) or --endpoint URL")
    answer = (http or requests.Session()).get(f"{endpoint.rstrip('/')}{path}", timeout=KEYS_TIMEOUT)
    if answer.status_code != 200:
        raise CliError(f"GET {path} answered HTTP {answer.status_code}; try again, or use --keys")
    try:
        jwks = answer.json()
    except ValueError as error:
        raise CliError(f"GET {path} did not answer a JWKS") from error
    if not isinstance(jwks, Mapping):
        raise CliError(f"GET {path} did not answer a JWKS")
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
    verdict = check_receipt(document, load_keys(args.keys, args.endpoint or env.get(ENDPOINT_VARIABLE)))
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


# ---------------------------------------------------------------------------- verify record, verify log


class ApiRefused(CliError):
    pass


def _read_object(path: Path) -> dict[str, Any]:
    document = read_document(path)
    if not isinstance(document, dict):
        raise LocalFileProblem(f"{path} does not hold a JSON object")
    return document


def _get(endpoint: str, path: str, token: str | None = None, query: Mapping[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(f"{endpoint.rstrip('/')}{path}", headers=headers, params=query, timeout=API_TIMEOUT)
    if not response.ok:
        try:
            problem = response.json()
            detail = f"{problem.get('code')}: {problem.get('detail')}"
        except ValueError:
            detail = response.text[:200]
        raise ApiRefused(f"{path} answered {response.status_code} ({detail})")
    body: dict[str, Any] = response.json()
    return body


def _log_keys(args: argparse.Namespace) -> Mapping[str, Any]:
    return load_keys(args.keys, args.endpoint, path=LOG_KEYS)


def _save(path: Path | None, value: Mapping[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _proof_path(record_id: str) -> str:
    if record_id.startswith("REG-"):
        return f"/v1/registrations/{record_id}/proof"
    if record_id.startswith("GRV-"):
        return f"/v1/grievances/{record_id}/proof"
    raise UsageError(f"{record_id} is neither a registration (REG-…) nor a grievance (GRV-…)")


def print_record_verdict(record_id: str, verdict: RecordVerdict, out: TextIO) -> int:
    if verdict.ok:
        print(
            f"VERIFIED: {verdict.covered} of {verdict.events} events of {record_id} are in the log signed at "
            f"tree size {verdict.tree_size} ({verdict.issued_at}).\n"
            f"सत्यापित: {record_id} की {verdict.events} में से {verdict.covered} घटनाएँ हस्ताक्षरित लॉग "
            f"(आकार {verdict.tree_size}) में दर्ज हैं।",
            file=out,
        )
        if verdict.covered < verdict.events:
            print(
                f"  {verdict.events - verdict.covered} newer event(s) will be covered by {verdict.pending_until}.\n"
                f"  नई घटनाएँ {verdict.pending_until} तक लॉग में आ जाएँगी।",
                file=out,
            )
        return EXIT_OK
    if not verdict.findings:
        print(
            f"NOT YET PROVABLE: no signed checkpoint covers {record_id} yet; try after {verdict.pending_until}.\n"
            f"अभी सिद्ध नहीं: {record_id} अभी किसी हस्ताक्षरित चेकपॉइंट में नहीं है; {verdict.pending_until} के बाद "
            "फिर जाँचें।",
            file=out,
        )
        return EXIT_FAILED
    print(
        f"NOT VERIFIED: {record_id} does not match what the log signed.\n"
        f"सत्यापन विफल: {record_id} का रिकॉर्ड हस्ताक्षरित लॉग से मेल नहीं खाता।",
        file=out,
    )
    for finding in verdict.findings:
        where = f"event {finding.seq}: " if finding.seq is not None else ""
        print(f"  - {where}{finding.problem}", file=out)
    return EXIT_FAILED


def command_verify_record(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if not args.file:
        args.endpoint = args.endpoint or env.get(ENDPOINT_VARIABLE)
    if args.file:
        proof = _read_object(args.file)
    elif args.endpoint:
        proof = _get(args.endpoint, _proof_path(args.record_id), args.token or env.get("ANUBANDH_TOKEN"))
    else:
        raise UsageError(f"give --endpoint URL (with --token; or set {ENDPOINT_VARIABLE}) or --file proof.json")
    _save(args.save, proof)
    return print_record_verdict(
        args.record_id, check_record(proof, _log_keys(args), record_id=args.record_id), sys.stdout
    )


def command_verify_log(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    args.endpoint = args.endpoint or env.get(ENDPOINT_VARIABLE)
    if not args.endpoint:
        raise UsageError(f"give --endpoint URL (or set {ENDPOINT_VARIABLE}): the latest checkpoint is read from it")
    saved = _read_object(args.from_file)
    jwks = _log_keys(args)
    old, problems = checkpoint_problems(saved, jwks)
    if old is None:
        print(f"NOT VERIFIED: the saved checkpoint does not check out: {problems[0]}\nसत्यापन विफल।", file=sys.stdout)
        return EXIT_FAILED
    latest = _get(args.endpoint, "/v1/transparency/checkpoints/latest")
    proof: list[str] = []
    new_size = int(latest.get("checkpoint", {}).get("tree_size", 0))
    if 0 < old.checkpoint.tree_size <= new_size:
        query = {"from": old.checkpoint.tree_size, "to": new_size}
        proof = list(_get(args.endpoint, "/v1/transparency/consistency", query=query)["proof"])
    problems = check_growth(saved, latest, proof, jwks)
    if problems:
        print("NOT VERIFIED: the log was not only appended to.\nसत्यापन विफल: लॉग में केवल जोड़ा नहीं गया।", file=sys.stdout)
        for problem in problems:
            print(f"  - {problem}", file=sys.stdout)
        return EXIT_FAILED
    _save(args.save, latest)
    print(
        f"VERIFIED: the log grew from {old.checkpoint.tree_size} to {new_size} leaves, append-only.\n"
        f"सत्यापित: लॉग {old.checkpoint.tree_size} से {new_size} प्रविष्टियों तक केवल जोड़कर बढ़ा है।",
        file=sys.stdout,
    )
    return EXIT_OK


@verify_command("record")
def _record_command(checks: Subcommands) -> None:
    record = checks.add_parser(
        "record",
        help="a registration's or grievance's events against the signed log",
        description="Check every event hash, the chain's links, each inclusion proof and the checkpoint's "
        "signature. Exit codes: 0 verified, 1 not verified or not yet covered by a checkpoint, 2 bad usage.",
    )
    record.add_argument("record_id", metavar="REG-…|GRV-…")
    source = record.add_mutually_exclusive_group()
    source.add_argument("--endpoint", metavar="URL", help=f"the API's base URL (default: ${ENDPOINT_VARIABLE})")
    source.add_argument("--file", type=Path, help="a proof saved earlier (offline)")
    record.add_argument("--token", help="a token of someone who may read the record (default: $ANUBANDH_TOKEN)")
    record.add_argument("--keys", type=Path, help="the log's JWKS saved earlier (else fetched from --endpoint)")
    record.add_argument("--save", type=Path, help="save the proof there, to check again offline")
    record.set_defaults(handler=command_verify_record)


@verify_command("log")
def _log_command(checks: Subcommands) -> None:
    log = checks.add_parser(
        "log",
        help="today's checkpoint extends one saved earlier, append-only",
        description="Fetch the latest checkpoint and an RFC 9162 consistency proof from the saved one. "
        "Exit codes: 0 consistent, 1 not, 2 bad usage or file.",
    )
    log.add_argument("--from", dest="from_file", type=Path, required=True, metavar="CHECKPOINT.json")
    log.add_argument("--endpoint", metavar="URL", help=f"the API's base URL (default: ${ENDPOINT_VARIABLE})")
    log.add_argument("--keys", type=Path, help="the log's JWKS saved earlier (else fetched from --endpoint)")
    log.add_argument("--save", type=Path, help="save the latest checkpoint there, for the next check")
    log.set_defaults(handler=command_verify_log)


verify_command("certificate")(add_certificate)  # infra/verify_certificate.py
