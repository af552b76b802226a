"""The pre-signed POST policy we generate, and the check that decides whether a file counts.

moto ignores POST policies; S3 enforces them. So the policy itself is checked here, and the
check (`inspect`) is tested against a small fake of our own S3 interface.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from core.clock import IST
from core.registration import ContentType
from core.uploads import ObjectStore, sniff_content_type

NOW = datetime(2026, 1, 31, 23, 50, tzinfo=IST)
PDF = b"%PDF-1.7\n" + b"0" * 100
MAX = 5 * 1024 * 1024


def presign(size: int = 1234, expires_at: datetime | None = None) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name="ap-south-1", config=Config(signature_version="s3v4"))
    grant = ObjectStore(s3, "docs").presign_post(
        key="registrations/REG-1/DOC-1",
        content_type=ContentType.PDF,
        size_bytes=size,
        now=NOW,
        expires_at=expires_at or NOW + timedelta(minutes=10),
    )
    policy = json.loads(base64.b64decode(grant.fields["policy"]))
    return {"grant": grant, "policy": policy}


def test_policy_pins_exact_size_type_key_and_bucket() -> None:
    policy = presign(size=1234)["policy"]
    assert ["content-length-range", 1234, 1234] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert {"key": "registrations/REG-1/DOC-1"} in policy["conditions"]
    assert {"bucket": "docs"} in policy["conditions"]


def test_policy_expires_when_the_grant_says() -> None:
    result = presign(expires_at=NOW + timedelta(minutes=10))
    expiration = datetime.fromisoformat(result["policy"]["expiration"].replace("Z", "+00:00"))
    # boto3 signs against real time; what matters is the length it was given.
    assert abs((expiration - datetime.now(UTC)) - timedelta(minutes=10)) < timedelta(seconds=5)
    assert result["grant"].expires_at == NOW + timedelta(minutes=10)
    assert result["grant"].fields["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.4", ContentType.PDF),
        (b"\x89PNG\r\n\x1a\n....", ContentType.PNG),
        (b"\xff\xd8\xff\xe0JFIF", ContentType.JPEG),
        (b"PK\x03\x04", None),
        (b"", None),
    ],
)
def test_magic_bytes(head: bytes, expected: ContentType | None) -> None:
    assert sniff_content_type(head) == expected


class FakeS3:
    """Our ObjectStore's view of S3: head_object and get_object on one bucket."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.gets = 0

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if Key not in self.objects:
            raise ClientError({"Error": {"Code": "404"}}, "HeadObject")
        return {"ContentLength": len(self.objects[Key]), "LastModified": NOW, "VersionId": "v1"}

    def get_object(self, Bucket: str, Key: str, VersionId: str | None = None) -> dict[str, Any]:
        self.gets += 1
        return {"Body": io.BytesIO(self.objects[Key])}


def inspect(content: bytes | None, declared: ContentType = ContentType.PDF, size: int | None = None) -> Any:
    fake = FakeS3({} if content is None else {"k": content})
    result = ObjectStore(fake, "docs").inspect(
        key="k", declared_type=declared, declared_size=len(content or b"") if size is None else size, max_bytes=MAX
    )
    return result, fake


def test_a_genuine_pdf_is_accepted_with_its_sha256_and_version() -> None:
    result, _ = inspect(PDF)
    assert result.accepted
    assert result.sha256 == hashlib.sha256(PDF).hexdigest()
    assert result.version_id == "v1"


def test_nothing_uploaded_yet_is_not_a_rejection() -> None:
    result, _ = inspect(None, size=10)
    assert not result.present
    assert not result.accepted


@pytest.mark.parametrize(
    ("content", "declared", "size", "reason"),
    [
        (b"", ContentType.PDF, 0, "empty"),
        (PDF, ContentType.PDF, len(PDF) - 1, "were declared"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 10, ContentType.PDF, None, "image/png"),
        (b"<html>hello</html>", ContentType.JPEG, None, "not a PDF, JPEG or PNG"),
    ],
)
def test_wrong_files_are_refused_with_a_reason(
    content: bytes, declared: ContentType, size: int | None, reason: str
) -> None:
    result, _ = inspect(content, declared, size)
    assert result.present
    assert not result.accepted
    assert reason in result.reason


def test_an_oversized_object_is_refused_without_being_downloaded() -> None:
    big = PDF + b"0" * MAX
    result, fake = inspect(big)
    assert not result.accepted
    assert "the limit is" in result.reason
    assert fake.gets == 0
