"""Checking a signed receipt of any kind: pure code, for the offline `anubandh verify receipt FILE`,
which trusts nothing but the published JWKS (and for the tests of what the server signs).

A receipt is checked as it was received: its signature must cover the canonical JSON of exactly the
receipt object in the file (core.signing), and the receipt must be complete for its `kind`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from core.grievance import FilingReceipt
from core.kms_key import ALGORITHM, public_key_from_jwk
from core.registration import Receipt, SubmissionReceipt
from core.signing import ReceiptKind, signature_valid

RECEIPT_MODELS: dict[ReceiptKind, type[BaseModel]] = {
    ReceiptKind.SUBMISSION: SubmissionReceipt,
    ReceiptKind.GRIEVANCE_FILING: FilingReceipt,
    ReceiptKind.DECISION: Receipt,
}
# Where an answer of the API carries a signed receipt: GET .../receipt and the act's own answer
# (submit, decision: `signed_receipt`; a grievance: `filing_receipt`).
_CARRIERS = ("signed_receipt", "filing_receipt")


class Problem(StrEnum):
    NOT_A_RECEIPT = "not_a_receipt"
    UNKNOWN_KIND = "unknown_kind"
    INCOMPLETE = "incomplete"
    UNKNOWN_ALGORITHM = "unknown_algorithm"
    KEY_NOT_PUBLISHED = "key_not_published"
    BAD_SIGNATURE = "bad_signature"


class ReceiptVerdict(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    valid: bool
    problem: Problem | None = None
    kind: ReceiptKind | None = None
    receipt: dict[str, Any] | None = None


def signed_receipt_in(document: Any) -> Mapping[str, Any] | None:
    """The signed receipt in a saved answer: a bare `{receipt, algorithm, signature}` or an answer carrying one."""
    if not isinstance(document, Mapping):
        return None
    if {"receipt", "algorithm", "signature"} <= document.keys():
        return document
    for carrier in _CARRIERS:
        if isinstance(document.get(carrier), Mapping):
            return signed_receipt_in(document[carrier])
    return None


def check_receipt(document: Any, jwks: Mapping[str, Any]) -> ReceiptVerdict:
    """Whether `document` holds a complete receipt signed by a key of `jwks` (the key its `key_id` names)."""
    signed = signed_receipt_in(document)
    if signed is None or not isinstance(signed["receipt"], Mapping) or not isinstance(signed["signature"], str):
        return ReceiptVerdict(valid=False, problem=Problem.NOT_A_RECEIPT)
    receipt = dict(signed["receipt"])
    try:
        kind = ReceiptKind(str(receipt.get("kind")))
    except ValueError:
        return ReceiptVerdict(valid=False, problem=Problem.UNKNOWN_KIND, receipt=receipt)

    def verdict(problem: Problem | None) -> ReceiptVerdict:
        return ReceiptVerdict(valid=problem is None, problem=problem, kind=kind, receipt=receipt)

    try:
        RECEIPT_MODELS[kind].model_validate(receipt)
    except ValidationError:
        return verdict(Problem.INCOMPLETE)
    if signed["algorithm"] != ALGORITHM:
        return verdict(Problem.UNKNOWN_ALGORITHM)
    keys = [k for k in jwks.get("keys", []) if isinstance(k, Mapping) and k.get("kid") == receipt["key_id"]]
    if not keys:
        return verdict(Problem.KEY_NOT_PUBLISHED)
    for key in keys:
        try:
            public_key = public_key_from_jwk(key)
        except ValueError:
            continue
        if signature_valid(public_key, receipt, signed["signature"]):
            return verdict(None)
    return verdict(Problem.BAD_SIGNATURE)
