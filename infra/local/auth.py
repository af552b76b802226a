"""Checks bearer JWTs as API Gateway's JWT authorizer does: against the user pool's JWKS.

The signature (RS256, a key of the pool's JWKS), `iss`, `exp` (and `nbf`, `iat`), the app client in
`aud` (id tokens) or `client_id` (access tokens), and `token_use` of id or access.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import jwt
import requests


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not for this API."""


class JwtVerifier:
    def __init__(self, *, jwks_url: str, issuer: str, audience: str) -> None:
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._keys: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _key(self, kid: str) -> Any:
        with self._lock:
            if kid not in self._keys:  # unknown kid: the pool may have rotated keys, fetch again
                jwks = requests.get(self._jwks_url, timeout=5).json()
                self._keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
            if kid not in self._keys:
                raise InvalidToken("the token was not signed by this user pool")
            return self._keys[kid].key

    def verify(self, authorization: str | None) -> Mapping[str, Any]:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise InvalidToken("no bearer token")
        token = authorization.split(" ", 1)[1].strip()
        try:
            header = jwt.get_unverified_header(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key(str(header.get("kid"))),
                algorithms=["RS256"],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
                leeway=5,
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        # API Gateway takes the app client from `aud` (id tokens) or `client_id` (access tokens); a
        # token of any other kind (or one naming its client in the other kind's claim) is refused.
        client_claim = {"id": "aud", "access": "client_id"}.get(str(claims["token_use"]))
        if client_claim is None:
            raise InvalidToken(f"a {claims['token_use']!r} token is not accepted; send an id or access token")
        if claims.get(client_claim) != self._audience:
            raise InvalidToken("the token is for another app client")
        return claims
