"""S3's check of a browser POST upload against its signed policy (SigV4), which moto skips.

S3 accepts a POST to a bucket only when the form carries a policy signed with the uploader's
credentials, the policy has not expired, every condition holds (exact `key`, exact `Content-Type`,
the file's size within `content-length-range`, ...) and every form field is named by a condition.
Pure: the caller gives the form, the file's size, the bucket, the time and the secret key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Fields S3 does not expect a condition for (AWS docs, "Creating a POST policy").
_UNCONDITIONED = frozenset({"policy", "x-amz-signature", "file"})


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str

    def as_s3_error(self) -> tuple[int, dict[str, str], str]:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{_xml(self.message)}</Message></Error>"
        )
        return self.status, {"Content-Type": "application/xml"}, body


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _denied(message: str) -> Refusal:
    return Refusal(403, "AccessDenied", f"Invalid according to Policy: {message}")


def _signature(secret: str, credential: str, policy: str) -> str | None:
    parts = credential.split("/")
    if len(parts) != 5 or parts[3] != "s3" or parts[4] != "aws4_request":
        return None
    _, day, region, service, terminal = parts
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, terminal):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def _field(fields: dict[str, str], name: str, bucket: str) -> str | None:
    if name.lower() == "bucket":
        return bucket
    return next((value for key, value in fields.items() if key.lower() == name.lower()), None)


def _condition_fails(condition: Any, fields: dict[str, str], bucket: str, size: int) -> Refusal | None:
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, expected),) = condition.items()
        if _field(fields, name, bucket) != expected:
            return _denied(f'Policy Condition failed: ["eq", "${name}", "{expected}"]')
        return None
    if isinstance(condition, list) and len(condition) == 3 and condition[0] == "content-length-range":
        low, high = int(condition[1]), int(condition[2])
        if size > high:
            return Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        if size < low:
            return Refusal(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
        return None
    if isinstance(condition, list) and len(condition) == 3 and condition[0] in ("eq", "starts-with"):
        operator, name, expected = condition
        actual = _field(fields, str(name).lstrip("$"), bucket)
        holds = actual == expected if operator == "eq" else actual is not None and actual.startswith(str(expected))
        return None if holds else _denied(f'Policy Condition failed: ["{operator}", "{name}", "{expected}"]')
    return _denied(f"Invalid Policy: Invalid Simple-Condition: {json.dumps(condition)}")


def _named(condition: Any) -> str | None:
    if isinstance(condition, dict) and len(condition) == 1:
        return str(next(iter(condition))).lower()
    if isinstance(condition, list) and len(condition) == 3 and condition[0] in ("eq", "starts-with"):
        return str(condition[1]).lstrip("$").lower()
    return None


def refusal(fields: dict[str, str], size: int, bucket: str, now: datetime, secret: str) -> Refusal | None:
    """Why S3 would refuse this POST upload, or None when it would accept it."""
    encoded = _field(fields, "policy", bucket)
    signature = _field(fields, "x-amz-signature", bucket)
    credential = _field(fields, "x-amz-credential", bucket) or ""
    if not encoded or not signature:
        return Refusal(403, "AccessDenied", "Access Denied")
    if _field(fields, "x-amz-algorithm", bucket) != "AWS4-HMAC-SHA256":
        return Refusal(400, "InvalidRequest", "Only AWS4-HMAC-SHA256 POST policies are accepted here")
    expected = _signature(secret, credential, encoded)
    if expected is None or not hmac.compare_digest(expected, signature.lower()):
        return Refusal(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
        expiration = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        return _denied("Invalid Policy: the policy is not a JSON document with expiration and conditions")
    if expiration <= now:
        return _denied("Policy expired.")
    for condition in conditions:
        failed = _condition_fails(condition, fields, bucket, size)
        if failed is not None:
            return failed
    named = {name for name in map(_named, conditions) if name}
    extra = sorted(
        key
        for key in fields
        if key.lower() not in _UNCONDITIONED and not key.lower().startswith("x-ignore-") and key.lower() not in named
    )
    if extra:
        return _denied(f"Extra input fields: {', '.join(extra)}")
    return None
