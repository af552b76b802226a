"""`anubandh verify`: check what the server says against what it signed, trusting nothing else.

    anubandh verify record REG-… (--endpoint URL [--token T] | --file proof.json) [--keys keys.json] [--save F]
    anubandh verify log --from CHECKPOINT.json --endpoint URL [--keys keys.json] [--save F]

`--keys` is the log's JWKS saved earlier (`GET /v1/transparency/keys`): with it nothing is taken
from the server on trust. Without it the key is fetched from `--endpoint`, which proves the record
against the key the server publishes today. Each prints a short verdict in English and Hindi.
Exit codes: 0 verified, 1 not verified (or not yet coverable), 2 bad usage or unreadable file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import requests

from core.log_verification import RecordVerdict, check_growth, check_record, checkpoint_problems
from infra.cli_errors import EXIT_FAILED, EXIT_OK, CliError, LocalFileProblem, UsageError
from infra.verify_certificate import add_certificate

TIMEOUT = (10, 60)
Command = Callable[[argparse.Namespace, Mapping[str, str]], int]


class ApiRefused(CliError):
    pass


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LocalFileProblem(f"cannot read {path}: {error}") from error
    if not isinstance(value, dict):
        raise LocalFileProblem(f"{path} does not hold a JSON object")
    return value


def _get(endpoint: str, path: str, token: str | None = None, query: Mapping[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(f"{endpoint.rstrip('/')}{path}", headers=headers, params=query, timeout=TIMEOUT)
    if not response.ok:
        try:
            problem = response.json()
            detail = f"{problem.get('code')}: {problem.get('detail')}"
        except ValueError:
            detail = response.text[:200]
        raise ApiRefused(f"{path} answered {response.status_code} ({detail})")
    body: dict[str, Any] = response.json()
    return body


def _keys(args: argparse.Namespace) -> dict[str, Any]:
    if args.keys:
        return _read_json(args.keys)
    if not args.endpoint:
        raise UsageError("give --keys keys.json (saved earlier) or --endpoint URL to fetch them")
    return _get(args.endpoint, "/v1/transparency/keys")


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
    if args.file:
        proof = _read_json(args.file)
    elif args.endpoint:
        proof = _get(args.endpoint, _proof_path(args.record_id), args.token or env.get("ANUBANDH_TOKEN"))
    else:
        raise UsageError("give --endpoint URL (with --token) or --file proof.json")
    _save(args.save, proof)
    return print_record_verdict(args.record_id, check_record(proof, _keys(args), record_id=args.record_id), sys.stdout)


def command_verify_log(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    saved = _read_json(args.from_file)
    jwks = _keys(args)
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


def add_verify_commands(commands: Any) -> None:
    """`anubandh verify …`: each check a small subcommand of its own."""
    verify = commands.add_parser("verify", help="check records, receipts and the log offline, trusting no server")
    checks = verify.add_subparsers(dest="command", metavar="CHECK", required=True)

    record = checks.add_parser(
        "record",
        help="a registration's or grievance's events against the signed log",
        description="Check every event hash, the chain's links, each inclusion proof and the checkpoint's "
        "signature. Exit codes: 0 verified, 1 not verified or not yet covered by a checkpoint, 2 bad usage.",
    )
    record.add_argument("record_id", metavar="REG-…|GRV-…")
    source = record.add_mutually_exclusive_group()
    source.add_argument("--endpoint", default=os.environ.get("ANUBANDH_ENDPOINT"), help="the API's base URL")
    source.add_argument("--file", type=Path, help="a proof saved earlier (offline)")
    record.add_argument("--token", help="a token of someone who may read the record (default: $ANUBANDH_TOKEN)")
    record.add_argument("--keys", type=Path, help="the log's JWKS saved earlier (else fetched from --endpoint)")
    record.add_argument("--save", type=Path, help="save the proof there, to check again offline")
    record.set_defaults(handler=command_verify_record)

    log = checks.add_parser(
        "log",
        help="today's checkpoint extends one saved earlier, append-only",
        description="Fetch the latest checkpoint and an RFC 9162 consistency proof from the saved one. "
        "Exit codes: 0 consistent, 1 not, 2 bad usage or file.",
    )
    log.add_argument("--from", dest="from_file", type=Path, required=True, metavar="CHECKPOINT.json")
    log.add_argument(
        "--endpoint", default=os.environ.get("ANUBANDH_ENDPOINT"), required="ANUBANDH_ENDPOINT" not in os.environ
    )
    log.add_argument("--keys", type=Path, help="the log's JWKS saved earlier (else fetched from --endpoint)")
    log.add_argument("--save", type=Path, help="save the latest checkpoint there, for the next check")
    log.set_defaults(handler=command_verify_log)

    add_certificate(checks)
