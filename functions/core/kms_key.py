"""An asymmetric KMS key that signs (the private half never leaves KMS), and the pure check of its
signatures that anyone can run with the published public key (a JWKS)."""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # `cryptography` (its OpenSSL and Rust bindings) is imported where a key is used
    from cryptography.hazmat.primitives.asymmetric import ec
    from types_boto3_kms.client import KMSClient

ALGORITHM: Final = "ECDSA_SHA_256"  # KMS's name; JOSE calls it ES256 (P-256, SHA-256)


def _b64url_int(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


def _int_b64url(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


class JsonWebKey(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    kty: str
    crv: str
    x: str
    y: str
    use: str
    alg: str
    kid: str


class KeySet(BaseModel):
    """A JWKS: the public keys, each named by `kid`."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    keys: list[JsonWebKey]


def jwk_of(public_key: ec.EllipticCurvePublicKey, key_id: str) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url_int(numbers.x),
        "y": _b64url_int(numbers.y),
        "use": "sig",
        "alg": "ES256",
        "kid": key_id,
    }


def public_key_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of a JWK; ValueError if it is not one (or not a point on the curve)."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("not an EC P-256 key")
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start

    try:
        numbers = ec.EllipticCurvePublicNumbers(_int_b64url(str(jwk["x"])), _int_b64url(str(jwk["y"])), ec.SECP256R1())
    except (KeyError, binascii.Error) as error:
        raise ValueError("the key has no valid x and y") from error
    return numbers.public_key()


def key_from_jwks(jwks: Mapping[str, Any], key_id: str) -> ec.EllipticCurvePublicKey | None:
    for jwk in jwks.get("keys", []):
        if isinstance(jwk, Mapping) and jwk.get("kid") == key_id:
            return public_key_from_jwk(jwk)
    return None


def signature_verifies(public_key: ec.EllipticCurvePublicKey, message: bytes, signature_b64: str) -> bool:
    """Whether `signature_b64` (base64 of a DER ECDSA signature) signs `message`."""
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start

    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


class KmsSigningKey:
    """`kms` builds the client on first use, so a route that signs nothing never pays for it."""

    def __init__(self, kms: Callable[[], KMSClient], key_id: str) -> None:
        self._kms = kms
        self.key_id = key_id
        self._public_key: ec.EllipticCurvePublicKey | None = None
        self._lock = threading.Lock()

    def sign(self, message: bytes) -> str:
        """Base64 of the DER ECDSA signature of `message`."""
        signature = self._kms().sign(KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=ALGORITHM)
        return base64.b64encode(signature["Signature"]).decode()

    def public_key(self) -> ec.EllipticCurvePublicKey:
        from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start
        from cryptography.hazmat.primitives.serialization import load_der_public_key  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start

        with self._lock:
            if self._public_key is None:  # a key's public half never changes: fetch once per process
                loaded = load_der_public_key(self._kms().get_public_key(KeyId=self.key_id)["PublicKey"])
                if not isinstance(loaded, ec.EllipticCurvePublicKey):
                    raise TypeError("the signing key is not an elliptic-curve key")
                self._public_key = loaded
            return self._public_key

    def verifies(self, message: bytes, signature_b64: str) -> bool:
        return signature_verifies(self.public_key(), message, signature_b64)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [jwk_of(self.public_key(), self.key_id)]}
