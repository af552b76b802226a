"""The pre-signed POST policy we generate, the check that decides whether a file counts, and the
lock on an accepted version.

moto ignores POST policies; S3 enforces them. So the policy itself is checked here, and the
check (`inspect`) is tested against a small fake of our own S3 interface. moto also lets anyone
shorten a GOVERNANCE lock, which S3 refuses without a bypass; the fake below refuses it as S3 does.
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
from core.errors import DocumentNotRetained
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


class LockingS3:
    """S3's Object Lock rules for one version: a GOVERNANCE lock may be extended, never shortened
    (that takes s3:BypassGovernanceRetention, which no role has), and a bucket without Object Lock
    refuses every lock."""

    def __init__(self, *, lock_enabled: bool = True) -> None:
        self.lock_enabled = lock_enabled
        self.locks: dict[tuple[str, str], tuple[str, datetime]] = {}

    def put_object_retention(self, Bucket: str, Key: str, VersionId: str, Retention: dict[str, Any]) -> None:
        if not self.lock_enabled:
            raise ClientError({"Error": {"Code": "InvalidRequest"}}, "PutObjectRetention")
        current = self.locks.get((Key, VersionId))
        if current and Retention["RetainUntilDate"] < current[1]:
            raise ClientError({"Error": {"Code": "AccessDenied"}}, "PutObjectRetention")
        self.locks[(Key, VersionId)] = (Retention["Mode"], Retention["RetainUntilDate"])

    def head_object(self, Bucket: str, Key: str, VersionId: str) -> dict[str, Any]:
        lock = self.locks.get((Key, VersionId))
        return {"ObjectLockMode": lock[0], "ObjectLockRetainUntilDate": lock[1]} if lock else {}


def test_an_accepted_version_is_locked_in_governance_mode_to_the_whole_second() -> None:
    s3 = LockingS3()
    ObjectStore(s3, "docs").retain(key="k", version_id="v1", until=NOW + timedelta(days=10, microseconds=7))
    assert s3.locks[("k", "v1")] == ("GOVERNANCE", NOW + timedelta(days=10))


def test_locking_again_later_extends_the_lock() -> None:
    s3 = LockingS3()
    store = ObjectStore(s3, "docs")
    store.retain(key="k", version_id="v1", until=NOW)
    store.retain(key="k", version_id="v1", until=NOW + timedelta(minutes=1))
    assert store.retained_until(key="k", version_id="v1") == NOW + timedelta(minutes=1)


def test_a_concurrent_check_that_locked_for_longer_is_not_an_error() -> None:
    # Given the S3 event's check locked the version a moment after the confirm computed its date
    s3 = LockingS3()
    store = ObjectStore(s3, "docs")
    store.retain(key="k", version_id="v1", until=NOW + timedelta(seconds=2))
    # When the confirm's (earlier) lock arrives, S3 refuses to shorten it
    store.retain(key="k", version_id="v1", until=NOW)
    # Then the version stays locked to the later date, and the confirm goes on
    assert s3.locks[("k", "v1")] == ("GOVERNANCE", NOW + timedelta(seconds=2))


def test_a_refusal_with_no_lock_in_place_is_not_retained() -> None:
    class Denying(LockingS3):
        def put_object_retention(self, **_: Any) -> None:
            raise ClientError({"Error": {"Code": "AccessDenied"}}, "PutObjectRetention")

    with pytest.raises(DocumentNotRetained):
        ObjectStore(Denying(), "docs").retain(key="k", version_id="v1", until=NOW)


@pytest.mark.parametrize(
    ("s3", "version_id"),
    [(LockingS3(lock_enabled=False), "v1"), (LockingS3(), None)],
    ids=["bucket without object lock", "unversioned object"],
)
def test_a_version_that_cannot_be_locked_is_not_retained(s3: LockingS3, version_id: str | None) -> None:
    with pytest.raises(DocumentNotRetained):
        ObjectStore(s3, "docs").retain(key="k", version_id=version_id, until=NOW)
    assert s3.locks == {}
