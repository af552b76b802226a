"""The certificate's credential: compact JWS ES256, encoded and signed with a local key, checked
against a JWKS; KMS's DER signatures converted to JWS's r || s."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from core.clock import IST
from core.credential import (
    CertificateClaims,
    Verdict,
    b64url,
    b64url_decode,
    der_to_raw,
    encode,
    raw_to_der,
    verify,
)

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=IST)
KEY = ec.generate_private_key(ec.SECP256R1())
KID = "0f3c1e6a-8b1c-4a6e-9e37-2b4a5d7c9f10"


def sign(message: bytes) -> bytes:
    """What KMS's Sign returns for ECDSA_SHA_256: DER."""
    return KEY.sign(message, ec.ECDSA(hashes.SHA256()))


def jwks(key: ec.EllipticCurvePrivateKey = KEY, kid: str = KID) -> dict:
    numbers = key.public_key().public_numbers()
    return {
        "keys": [
            {"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig", "x": b64url(numbers.x.to_bytes(32)),
             "y": b64url(numbers.y.to_bytes(32))}
        ]
    }  # fmt: skip


def claims(**overrides: object) -> CertificateClaims:
    fields: dict = {
        "issuer": "HR-2026",
        "serial": "HR26-7K3QX9PA-C1",
        "name": "सुनीता देवी",
        "employee_code": "EMP-0001",
        "department": "Health",
        "office": "Civil Hospital",
        "service_years": 7,
        "verified_at": int(datetime(2026, 2, 10, 12, 0, tzinfo=IST).timestamp()),
        "verifier_role": "ddo",
        "verifier_office": "DDO-PKL-001",
        "leaf_index": 4211,
        "issued_at": int(datetime(2026, 2, 10, 12, 2, tzinfo=IST).timestamp()),
        "expires_at": int(datetime(2046, 4, 30, 23, 59, 59, tzinfo=IST).timestamp()),
    }
    return CertificateClaims(**{**fields, **overrides})


def parts(token: str) -> list[dict]:
    return [json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in token.split(".")[:2]]


def test_der_signature_becomes_fixed_width_r_and_s_and_back() -> None:
    # Given DER signatures, whose integers have 31 to 33 bytes (a leading zero byte, or a short r)
    for _ in range(20):
        der = sign(b"message")
        r, s = decode_dss_signature(der)
        raw = der_to_raw(der)
        # Then the raw form is always 64 bytes, r then s, big-endian
        assert len(raw) == 64
        assert (int.from_bytes(raw[:32]), int.from_bytes(raw[32:])) == (r, s)
        assert raw_to_der(raw) == der
    small = encode_dss_signature(1, 2**200)
    assert der_to_raw(small) == (1).to_bytes(32) + (2**200).to_bytes(32)
    with pytest.raises(ValueError):
        raw_to_der(b"\x00" * 63)


def test_encoding_uses_short_claim_names_and_a_standard_header() -> None:
    token = encode(claims(), key_id=KID, sign_der=sign)
    header, payload = parts(token)
    assert header == {"alg": "ES256", "kid": KID}
    assert set(payload) == {"iss", "sn", "nm", "ec", "dp", "of", "sy", "va", "vr", "vo", "li", "iat", "exp"}
    assert payload["nm"] == "सुनीता देवी" and payload["li"] == 4211
    assert len(b64url_decode(token.split(".")[2])) == 64  # r || s, not DER
    # any JOSE library would accept it: the signature is over the first two parts, as RFC 7515 says
    signing_input = token.rsplit(".", 1)[0].encode()
    KEY.public_key().verify(raw_to_der(b64url_decode(token.split(".")[2])), signing_input, ec.ECDSA(hashes.SHA256()))


def test_a_genuine_credential_verifies_with_its_claims() -> None:
    result = verify(encode(claims(), key_id=KID, sign_der=sign), jwks(), now=NOW)
    assert result.verdict == Verdict.VALID and result.valid
    assert result.claims == claims() and result.key_id == KID


def _swap_payload(token: str, payload: dict) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64url(json.dumps(payload).encode())}.{signature}"


def signed(payload: dict) -> str:
    message = f"{b64url(json.dumps({'alg': 'ES256', 'kid': KID}).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{message}.{b64url(der_to_raw(sign(message.encode())))}"


def test_every_wrong_credential_has_its_own_verdict_never_an_exception() -> None:
    token = encode(claims(), key_id=KID, sign_der=sign)
    header, payload = parts(token)
    other = ec.generate_private_key(ec.SECP256R1())
    cases = {
        "altered claim": (_swap_payload(token, {**payload, "sy": 9}), jwks(), Verdict.BAD_SIGNATURE),
        "another key under our kid": (
            encode(claims(), key_id=KID, sign_der=lambda m: other.sign(m, ec.ECDSA(hashes.SHA256()))),
            jwks(),
            Verdict.BAD_SIGNATURE,
        ),
        "a key not published": (token, jwks(other, "other"), Verdict.UNKNOWN_KEY),
        "empty key set": (token, {}, Verdict.UNKNOWN_KEY),
        "alg none": (
            f"{b64url(json.dumps({'alg': 'none', 'kid': KID}).encode())}.{token.split('.')[1]}.",
            jwks(),
            Verdict.MALFORMED,
        ),
        "alg HS256": (
            f"{b64url(json.dumps({'alg': 'HS256', 'kid': KID}).encode())}.{token.split('.')[1]}.{token.split('.')[2]}",
            jwks(),
            Verdict.MALFORMED,
        ),
        "two parts": (token.rsplit(".", 1)[0], jwks(), Verdict.MALFORMED),
        "padded base64": (token + "==", jwks(), Verdict.MALFORMED),
        "not JSON": (f"{b64url(b'nope')}.{b64url(b'nope')}.{b64url(b'x' * 64)}", jwks(), Verdict.MALFORMED),
        "a JSON array": (f"{b64url(b'[]')}.{b64url(b'[]')}.{b64url(b'x' * 64)}", jwks(), Verdict.MALFORMED),
        "short signature": (token[:-4], jwks(), Verdict.BAD_SIGNATURE),
        "far too long": ("a" * 5000, jwks(), Verdict.MALFORMED),
        "claims of something else, signed": (signed({"sub": "x"}), jwks(), Verdict.MALFORMED),
    }  # fmt: skip
    assert header["kid"] == KID
    for name, (credential, keys, expected) in cases.items():
        result = verify(credential, keys, now=NOW)
        assert result.verdict == expected, name
        assert result.claims is None and not result.valid, name


def test_validity_runs_from_issue_to_superannuation_with_a_little_clock_skew() -> None:
    token = encode(claims(), key_id=KID, sign_der=sign)
    issued, expires = claims().issued_at, claims().expires_at
    at = datetime.fromtimestamp
    assert verify(token, jwks(), now=at(issued - 60, IST)).verdict == Verdict.VALID  # a phone a minute slow
    assert verify(token, jwks(), now=at(issued - 3600, IST)).verdict == Verdict.NOT_YET_VALID
    assert verify(token, jwks(), now=at(expires, IST)).verdict == Verdict.VALID
    late = verify(token, jwks(), now=at(expires + 86_400, IST))
    assert late.verdict == Verdict.EXPIRED and late.claims == claims()  # the fields are still shown
