"""The service certificate's credential: a JWS (RFC 7515) in compact form, signed ES256 (RFC 7518 §3.4).

Why JWS and not COSE (RFC 9052, as the EU's COVID certificates used): the person who checks a
certificate has a phone or a browser, not our software. Every maintained JOSE library (jose and
WebCrypto in a browser, Nimbus on Android, JOSESwift on iOS, PyJWT, jose4j, go-jose...) verifies a
compact ES256 JWS against a JWKS out of the box, and our decision key is already published as one
(`GET /v1/keys`, `kid` = the KMS key id). COSE_Sign1 over CBOR would be about a third smaller
(binary claims, and base45 in the QR code), but it has few maintained verifiers outside the health
certificate apps, and a verifier would need ours. The size is won back by short claim names instead
(below); the credential is plain JWS, with no compression or custom encoding, so a generic QR
scanner shows exactly what a JOSE library takes.

KMS signs with ECDSA_SHA_256 and returns the signature DER-encoded (an ASN.1 SEQUENCE of r and s);
JWS wants the fixed-width concatenation r || s (32 bytes each for P-256). `der_to_raw` converts.

Everything here is pure: the server's verify route and `anubandh verify certificate` (offline, with a
saved JWKS) run this same code.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.clock import IST
from core.kms_key import public_key_from_jwk

if TYPE_CHECKING:  # `cryptography` is imported where a signature is made or checked
    from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ES256"
COORDINATE_BYTES = 32  # P-256: r, s, x and y are 32-byte integers
MAX_CREDENTIAL_CHARS = 4096  # a real one is about 500; anything longer is not ours
CLOCK_SKEW_SECONDS = 300  # a phone's clock may be a few minutes off


# ---------------------------------------------------------------------------- encoding


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: only the URL-safe alphabet, no padding (RFC 7515 §2)."""
    if not text or "=" in text or not text.isascii():
        raise ValueError("not unpadded base64url")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def der_to_raw(der: bytes, size: int = COORDINATE_BYTES) -> bytes:
    """A DER ECDSA signature (what KMS and `cryptography` give) as JWS's r || s."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start

    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def raw_to_der(raw: bytes, size: int = COORDINATE_BYTES) -> bytes:
    if len(raw) != 2 * size:
        raise ValueError(f"an ES256 signature is {2 * size} bytes, not {len(raw)}")
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start

    return encode_dss_signature(int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big"))


def _compact_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------- claims


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def end_of_day(day: date) -> datetime:
    """23:59:59 IST of `day`: the programme's deadlines and the protection's last day end then."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=IST)


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).astimezone(IST)


class CertificateClaims(BaseModel):
    """What the certificate attests. The JWS carries the short names (the aliases) to keep the QR code
    small; everything else (the API, the CLI's output) uses the long ones."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", populate_by_name=True)

    issuer: str = Field(alias="iss", min_length=1, max_length=64)  # the programme, e.g. HR-2026
    serial: str = Field(alias="sn", min_length=1, max_length=64)
    name: str = Field(alias="nm", min_length=1, max_length=120)
    employee_code: str = Field(alias="ec", min_length=1, max_length=32)
    department: str = Field(alias="dp", min_length=1, max_length=120)
    office: str = Field(alias="of", min_length=1, max_length=120)
    service_years: int = Field(alias="sy", ge=0, le=80)  # years of service credited
    verified_at: int = Field(alias="va", ge=0)  # seconds since the epoch
    verifier_role: str = Field(alias="vr", min_length=1, max_length=16)  # ddo or hod
    verifier_office: str = Field(alias="vo", min_length=1, max_length=120)  # the DDO code, or the department
    leaf_index: int = Field(alias="li", ge=0)  # the VERIFIED event's leaf in the transparency log
    issued_at: int = Field(alias="iat", ge=0)
    expires_at: int = Field(alias="exp", ge=0)  # the end of the day of superannuation

    def payload(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


# ---------------------------------------------------------------------------- signing


def signing_input(header: Mapping[str, Any], claims: CertificateClaims) -> bytes:
    return f"{b64url(_compact_json(header))}.{b64url(_compact_json(claims.payload()))}".encode("ascii")


def encode(claims: CertificateClaims, *, key_id: str, sign_der: Callable[[bytes], bytes]) -> str:
    """The compact JWS. `sign_der(message)` is ECDSA P-256 with SHA-256 over the message, DER-encoded
    (KMS's Sign with ECDSA_SHA_256 and MessageType RAW, or a local key in tests)."""
    message = signing_input({"alg": ALGORITHM, "kid": key_id}, claims)
    return f"{message.decode('ascii')}.{b64url(der_to_raw(sign_der(message)))}"


# ---------------------------------------------------------------------------- verifying


class Verdict(StrEnum):
    VALID = "valid"
    MALFORMED = "malformed"  # not a compact JWS of our claims, or not ES256
    UNKNOWN_KEY = "unknown_key"  # signed with a key the JWKS does not publish
    BAD_SIGNATURE = "bad_signature"  # altered, or signed by someone else under our key id
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    # Known only to the issuer (the status route, or the CLI with --endpoint):
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    UNKNOWN_SERIAL = "unknown_serial"


VERDICT_TEXT: dict[Verdict, tuple[str, str]] = {
    Verdict.VALID: ("मान्य प्रमाण-पत्र", "The certificate is genuine and in force."),
    Verdict.MALFORMED: ("यह प्रमाण-पत्र नहीं है", "This is not a certificate this portal issues."),
    Verdict.UNKNOWN_KEY: ("अज्ञात कुंजी", "It was not signed with the portal's published key."),
    Verdict.BAD_SIGNATURE: ("हस्ताक्षर गलत", "The signature does not match: the certificate was altered or forged."),
    Verdict.NOT_YET_VALID: ("अभी लागू नहीं", "The certificate is not valid yet."),
    Verdict.EXPIRED: ("अवधि समाप्त", "The certificate has expired."),
    Verdict.REVOKED: ("निरस्त", "The certificate was revoked."),
    Verdict.SUPERSEDED: ("नया प्रमाण-पत्र जारी", "A newer certificate replaced this one."),
    Verdict.UNKNOWN_SERIAL: ("अज्ञात क्रमांक", "The portal has no certificate with this serial."),
}


class CredentialCheck(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    verdict: Verdict
    detail: str
    key_id: str | None = None
    claims: CertificateClaims | None = None  # only once the signature verified

    @property
    def valid(self) -> bool:
        return self.verdict == Verdict.VALID


def _public_keys(jwks: Mapping[str, Any]) -> dict[str, ec.EllipticCurvePublicKey]:
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks.get("keys"), list) else []:
        if not isinstance(jwk, dict):
            continue
        try:
            keys[str(jwk["kid"])] = public_key_from_jwk(jwk)
        except (KeyError, ValueError, TypeError):
            continue  # a broken entry verifies nothing
    return keys


def _malformed(detail: str, key_id: str | None = None) -> CredentialCheck:
    return CredentialCheck(verdict=Verdict.MALFORMED, detail=detail, key_id=key_id)


def verify(credential: str, jwks: Mapping[str, Any], *, now: datetime) -> CredentialCheck:
    """Check a compact JWS against a JWKS and the clock. Never raises on bad input: every way a
    credential can be wrong is a verdict."""
    token = credential.strip()
    if len(token) > MAX_CREDENTIAL_CHARS:
        return _malformed("The credential is far longer than any certificate.")
    parts = token.split(".")
    if len(parts) != 3:
        return _malformed("A credential has three parts separated by dots.")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return _malformed("A part of the credential is not base64url-encoded JSON.")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return _malformed("The credential's header and claims must be JSON objects.")
    key_id = header.get("kid") if isinstance(header.get("kid"), str) else None
    # Only ES256: never "none", never an HMAC keyed with the public key (algorithm confusion).
    if header.get("alg") != ALGORITHM or key_id is None or set(header) - {"alg", "kid", "typ"}:
        return _malformed("The credential must be signed ES256 and name its key (kid).", key_id)
    key = _public_keys(jwks).get(key_id)
    if key is None:
        return CredentialCheck(
            verdict=Verdict.UNKNOWN_KEY, detail="The key that signed it is not among the published keys.", key_id=key_id
        )
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - cryptography loads where a key is used, not at a cold start

    try:
        key.verify(raw_to_der(signature), f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return CredentialCheck(
            verdict=Verdict.BAD_SIGNATURE, detail="The signature does not match the content.", key_id=key_id
        )
    try:
        claims = CertificateClaims.model_validate(payload)
    except ValidationError:
        return _malformed("The signed claims are not those of a service certificate.", key_id)
    at = epoch(now)
    if claims.issued_at > at + CLOCK_SKEW_SECONDS:
        return CredentialCheck(
            verdict=Verdict.NOT_YET_VALID, detail="It is dated in the future.", key_id=key_id, claims=claims
        )
    if claims.expires_at < at - CLOCK_SKEW_SECONDS:
        return CredentialCheck(
            verdict=Verdict.EXPIRED,
            detail=f"It expired on {from_epoch(claims.expires_at).date().isoformat()}.",
            key_id=key_id,
            claims=claims,
        )
    return CredentialCheck(
        verdict=Verdict.VALID, detail="The signature verifies with the published key.", key_id=key_id, claims=claims
    )
