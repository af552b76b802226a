"""Signed receipts: KMS signs (the private key never leaves it); anyone verifies with the public key,
published as a JWKS (`GET /v1/keys`). The key itself, its JWK and the bare signature check are core.kms_key.

What is signed is the canonical JSON of the receipt (core.audit.canonical_json: sorted keys, no
whitespace, UTF-8), so a verifier re-serialises the receipt object exactly as it received it and
needs nothing from us but the public key. Every receipt says what it proves in `kind`; each kind's
model lives beside its record (core.registration, core.grievance); core.receipts checks any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict

from core.audit import canonical_json
from core.kms_key import ALGORITHM, KmsSigningKey, signature_verifies

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec
    from types_boto3_kms.client import KMSClient


class ReceiptKind(StrEnum):
    """What a receipt proves."""

    SUBMISSION = "submission"  # a registration was submitted (or resubmitted): the acknowledgement
    GRIEVANCE_FILING = "grievance_filing"  # a grievance was filed
    DECISION = "decision"  # a DDO's or HoD's decision on a registration


class SignedBase(BaseModel):
    """A receipt with its signature; each kind's subclass names its receipt model."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    receipt: BaseModel
    algorithm: str
    signature: str  # base64 of the DER signature


SignedT = TypeVar("SignedT", bound=SignedBase)


def signed_bytes(receipt: Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: the receipt object's canonical JSON."""
    return canonical_json(receipt).encode("utf-8")


def receipt_bytes(receipt: BaseModel) -> bytes:
    return signed_bytes(receipt.model_dump(mode="json"))


def signature_valid(public_key: ec.EllipticCurvePublicKey, receipt: Mapping[str, Any], signature: str) -> bool:
    """Whether `signature` (base64 DER, ECDSA P-256 SHA-256) signs `receipt` as given."""
    return signature_verifies(public_key, signed_bytes(receipt), signature)


class ReceiptSigner:
    """Signs receipts with the KMS key `key_id`. `kms` builds the client on first use, so a route that
    signs nothing never pays for it."""

    def __init__(self, kms: Callable[[], KMSClient], key_id: str) -> None:
        self._key = KmsSigningKey(kms, key_id)
        self.key_id = key_id

    def sign(self, receipt: BaseModel, into: type[SignedT]) -> SignedT:
        return into(receipt=receipt, algorithm=ALGORITHM, signature=self._key.sign(receipt_bytes(receipt)))

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def verifies(self, signed: SignedBase) -> bool:
        return signed.algorithm == ALGORITHM and signature_valid(
            self.public_key(), signed.receipt.model_dump(mode="json"), signed.signature
        )

    def jwks(self) -> dict[str, Any]:
        return self._key.jwks()
