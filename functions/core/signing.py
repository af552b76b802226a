"""Signed decision receipts: KMS signs (the private key never leaves it); anyone verifies with the
public key, published as a JWKS."""

from __future__ import annotations

import base64
import threading
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from core.audit import canonical_json
from core.registration import Receipt, SignedReceipt

ALGORITHM = "ECDSA_SHA_256"


def _b64url(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


def receipt_bytes(receipt: Receipt) -> bytes:
    return canonical_json(receipt.model_dump(mode="json")).encode("utf-8")


class ReceiptSigner:
    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self.key_id = key_id
        self._public_key: ec.EllipticCurvePublicKey | None = None
        self._lock = threading.Lock()

    def sign(self, receipt: Receipt) -> SignedReceipt:
        signature = self.sign_der(receipt_bytes(receipt))
        return SignedReceipt(receipt=receipt, algorithm=ALGORITHM, signature=base64.b64encode(signature).decode())

    def sign_der(self, message: bytes) -> bytes:
        """ECDSA P-256 over SHA-256 of `message` (at most 4 KB), DER-encoded, as KMS returns it."""
        signature: bytes = self._kms.sign(
            KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=ALGORITHM
        )["Signature"]
        return signature

    def public_key(self) -> ec.EllipticCurvePublicKey:
        with self._lock:
            if self._public_key is None:  # a key's public half never changes: fetch once per process
                der = self._kms.get_public_key(KeyId=self.key_id)["PublicKey"]
                loaded = load_der_public_key(der)
                if not isinstance(loaded, ec.EllipticCurvePublicKey):
                    raise TypeError("the signing key is not an elliptic-curve key")
                self._public_key = loaded
            return self._public_key

    def verifies(self, signed: SignedReceipt) -> bool:
        try:
            self.public_key().verify(
                base64.b64decode(signed.signature), receipt_bytes(signed.receipt), ec.ECDSA(hashes.SHA256())
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def jwks(self) -> dict[str, Any]:
        numbers = self.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "EC",
                    "crv": "P-256",
                    "x": _b64url(numbers.x),
                    "y": _b64url(numbers.y),
                    "use": "sig",
                    "alg": "ES256",
                    "kid": self.key_id,
                }
            ]
        }
