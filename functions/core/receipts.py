"""Checking a signed receipt of any kind: pure code, shared by the server (`GET .../receipt`) and the
offline `anubandh verify receipt FILE`, which trusts nothing but the published JWKS.

A receipt is checked as it was received: its signature must cover the canonical JSON of exactly the
receipt object in the file (core.signing), and the receipt must be complete for its `kind`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from core.audit import LoggedEvent
from core.grievance import FilingReceipt
from core.kms_key import ALGORITHM, public_key_from_jwk
from core.registration import Receipt, SubmissionReceipt
from core.signing import ReceiptKind, SignedBase, signature_valid

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


class ReceiptEvent(BaseModel):
    """Where the receipt's act sits in the record's chain and in the transparency log."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    event_recorded: bool  # the chain holds the event the receipt names (a decision: the event holding it)
    event_hash: str | None
    leaf_index: int | None  # None until the sequencer has logged the event


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


def receipt_event(logged: Sequence[LoggedEvent], signed: SignedBase) -> ReceiptEvent:
    """The event a receipt belongs to, read from the record's logged history: the one at seq `version`.
    A submission or filing receipt names that event's hash; a decision's receipt is inside its event."""
    receipt = signed.receipt.model_dump(mode="json")
    found = next((e for e in logged if e.event.seq == receipt["version"]), None)
    if found is None:
        return ReceiptEvent(event_recorded=False, event_hash=None, leaf_index=None)
    event = found.event
    if receipt["kind"] == ReceiptKind.DECISION:
        recorded = event.data.get("signed_receipt") == signed.model_dump(mode="json")
    else:
        recorded = event.hash == receipt["event_hash"]
    recorded = recorded and event.computed_hash() == event.hash
    return ReceiptEvent(
        event_recorded=recorded, event_hash=event.hash, leaf_index=found.leaf_index if recorded else None
    )
