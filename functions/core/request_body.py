"""A request's JSON body, read strictly and within limits before anything is built from it.

Python's json module would accept what a client never meant and crash on what an attacker sends:
the last of two duplicate keys silently wins; invalid UTF-8 becomes replacement characters; a body
nested a thousand deep raises RecursionError and a 5,000-digit integer ValueError, both outside
any handler (a bare 500). Here each of those is a refusal the client can read.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

from core.errors import BodyTooLarge, InvalidEncoding

MAX_BODY_BYTES = 256 * 1024  # the largest body of this API (a roll import's rows go through S3) is ~8 KB
MAX_DEPTH = 16  # the deepest body model nests 4 levels
MAX_NUMBER_CHARS = 24  # a version, a count or a money amount: 20 digits of int64 with room for sign and fraction

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class BodyRefused(Exception):
    """Well-formed JSON that this API does not take: `kind` is the validation error type."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def read_json_body(body: str | None, *, is_base64: bool) -> Any:
    """The parsed body (None when there is none). Raises BodyTooLarge (413), InvalidEncoding (400),
    BodyRefused, or json.JSONDecodeError for text that is not JSON."""
    if not body:
        return None
    raw = _raw_bytes(body, is_base64)
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large(len(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidEncoding() from error
    _require_shallow(text)
    return json.loads(
        text,
        object_pairs_hook=_unique_keys,
        parse_int=_bounded_int,
        parse_float=_bounded_float,
        parse_constant=_no_constant,
    )


def _too_large(size: int) -> BodyTooLarge:
    return BodyTooLarge(limit_kb=MAX_BODY_BYTES // 1024, size_kb=-(-size // 1024))


def _raw_bytes(body: str, is_base64: bool) -> bytes:
    if not is_base64:
        # A text body over the limit is refused on its length alone, before it is encoded.
        if len(body) > MAX_BODY_BYTES:
            raise _too_large(len(body))
        try:
            return body.encode("utf-8")
        except UnicodeEncodeError as error:  # lone surrogates: bytes that were never UTF-8
            raise InvalidEncoding() from error
    if len(body) > MAX_BODY_BYTES * 4 // 3 + 4:
        raise _too_large(len(body) * 3 // 4)
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as error:
        raise InvalidEncoding() from error


def _require_shallow(text: str) -> None:
    # Counted on the brackets outside strings, before the recursive parser sees the text.
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth = depth + 1 if bracket in "[{" else depth - 1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            raise BodyRefused("json_too_deep", f"nested deeper than {MAX_DEPTH} levels")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise BodyRefused("json_duplicate_key", f"the key {key!r} appears twice")
        found[key] = value
    return found


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise BodyRefused("json_number_too_long", f"a number longer than {MAX_NUMBER_CHARS} characters")
    return int(literal)


def _no_constant(literal: str) -> float:
    raise BodyRefused("json_invalid", f"{literal} is not JSON")


def _bounded_float(literal: str) -> float:
    # 1e999 is short, but no float: Python would make it infinity.
    if len(literal) > MAX_NUMBER_CHARS or math.isinf(number := float(literal)):
        raise BodyRefused("json_number_too_long", f"a number longer than {MAX_NUMBER_CHARS} characters")
    return number
