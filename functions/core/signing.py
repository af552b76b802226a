"""Signed receipts: KMS signs (the private key never leaves it); anyone verifies with the public key,
published as a JWKS (`GET /v1/keys`).

What is signed is the canonical JSON of the receipt (core.audit.canonical_json: sorted keys, no
whitespace, UTF-8), so a verifier re-serialises the receipt object exactly as it received it and
needs nothing from us but the public key. Every receipt says what it proves in `kind`; each kind's
model lives beside its record (core.registration, core.grievance); core.receipts checks any of them.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from pydantic import BaseModel, ConfigDict

from core.audit import canonical_json

ALGORITHM = "ECDSA_SHA_256"  # KMS's name for it; "ES256" in a JWK
_COORDINATE_BYTES = 32  # P-256


class ReceiptKind(StrEnum):
    """What a receipt proves."""

    SUBMISSION = "submission"  # a registration was submitted (or resubmitted): the acknowledgement
    GRIEVANCE_FILING = "grievance_filing"  # a grievance was filed
    DECISION = "decision"  # a DDO's or HoD's decision on a registration


class SignedBase(BaseModel):
    """A receipt with its signature; each kind's subclass names its receipt model."""

    model_config = ConfigDict(frozen=True)

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
    try:
        der = base64.b64decode(signature, validate=True)
        public_key.verify(der, signed_bytes(receipt), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _b64url(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(_COORDINATE_BYTES, "big")).rstrip(b"=").decode()


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def jwk_of(public_key: ec.EllipticCurvePublicKey, kid: str) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x),
        "y": _b64url(numbers.y),
        "use": "sig",
        "alg": "ES256",
        "kid": kid,
    }


def public_key_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of a JWK; ValueError if it is not one (or not a point on the curve)."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("not an EC P-256 key")
    try:
        numbers = ec.EllipticCurvePublicNumbers(_b64url_int(str(jwk["x"])), _b64url_int(str(jwk["y"])), ec.SECP256R1())
    except (KeyError, binascii.Error) as error:
        raise ValueError("the key has no valid x and y") from error
    return numbers.public_key()


class ReceiptSigner:
    """Signs with the KMS key `key_id`. `kms` builds the client on first use, so a route that signs
    nothing never pays for it."""

    def __init__(self, kms: Callable[[], Any], key_id: str) -> None:
        self._kms = kms
        self.key_id = key_id
        self._public_key: ec.EllipticCurvePublicKey | None = None
        self._lock = threading.Lock()

    def sign(self, receipt: BaseModel, into: type[SignedT]) -> SignedT:
        signature = self._kms().sign(
            KeyId=self.key_id, Message=receipt_bytes(receipt), MessageType="RAW", SigningAlgorithm=ALGORITHM
        )["Signature"]
        return into(receipt=receipt, algorithm=ALGORITHM, signature=base64.b64encode(signature).decode())

    def public_key(self) -> ec.EllipticCurvePublicKey:
        with self._lock:
            if self._public_key is None:  # a key's public half never changes: fetch once per process
                der = self._kms().get_public_key(KeyId=self.key_id)["PublicKey"]
                loaded = load_der_public_key(der)
                if not isinstance(loaded, ec.EllipticCurvePublicKey):
                    raise TypeError("the signing key is not an elliptic-curve key")
                self._public_key = loaded
            return self._public_key

    def verifies(self, signed: SignedBase) -> bool:
        return signed.algorithm == ALGORITHM and signature_valid(
            self.public_key(), signed.receipt.model_dump(mode="json"), signed.signature
        )

    def jwks(self) -> dict[str, Any]:
        return {"keys": [jwk_of(self.public_key(), self.key_id)]}
