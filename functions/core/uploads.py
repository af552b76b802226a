"""Uploads through S3 pre-signed POSTs, and the check that decides whether a file counts.

Shared by registration documents and grievance attachments. S3 enforces the POST policy (its
signature, exact key, exact size, exact Content-Type, expiry), and so does the local stack's moto
(infra/local/s3_post_policy.py). `inspect` still re-checks size and type by the bytes: a policy
cannot see what a file is.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, TypeVar

from botocore.exceptions import ClientError
from pydantic import AwareDatetime, BaseModel, ConfigDict

from core.aws_faults import fault_kind
from core.errors import DocumentNotRetained, UploadNotAccepted
from core.observability import logger
from core.registration import ContentType, DocumentStatus, StoredFile

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_s3.client import S3Client

    from core.store.protocols import FileSlots

PRESIGN_TTL = timedelta(minutes=15)
DOWNLOAD_TTL = timedelta(minutes=5)
# GOVERNANCE, not COMPLIANCE: no role holds s3:BypassGovernanceRetention, so no function can delete
# or overwrite a locked version, yet an account administrator could still remove a file a court
# orders removed. COMPLIANCE would make that impossible for anyone until the date passes.
RETENTION_MODE: Final = "GOVERNANCE"
_READ_CHUNK = 256 * 1024

MAGIC_BYTES: dict[ContentType, tuple[bytes, ...]] = {
    ContentType.PDF: (b"%PDF-",),
    ContentType.PNG: (b"\x89PNG\r\n\x1a\n",),
    ContentType.JPEG: (b"\xff\xd8\xff",),
}


class UploadGrant(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    url: str
    fields: dict[str, str]
    expires_at: AwareDatetime


class ObjectInspection(BaseModel):
    """What the check found. `present` False means nothing was uploaded (yet)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    present: bool
    accepted: bool = False
    reason: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    uploaded_at: AwareDatetime | None = None
    version_id: str | None = None

    def checked_fields(self, now: datetime, *, refused: str | None = None) -> dict[str, Any]:
        """What a document or attachment records of this check; `refused` overrides an accepted file."""
        reason = refused if self.accepted and refused else self.reason
        accepted = self.accepted and reason is None
        return {
            "status": DocumentStatus.UPLOADED if accepted else DocumentStatus.REJECTED,
            "checked_at": now,
            "uploaded_at": self.uploaded_at,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "object_version": self.version_id,
            "reject_reason": reason,
        }


def require_within_limit(size_bytes: int, max_bytes: int) -> None:
    """Refused before any slot is written or URL signed: the client learns the limit at once."""
    if size_bytes > max_bytes:
        raise UploadNotAccepted(size_bytes=size_bytes, max_bytes=max_bytes)


def upload_expiry(now: datetime, window_ends_before: datetime) -> datetime | None:
    """A URL never outlives its window: min(now + 15 min, end of window); None once closed."""
    if now >= window_ends_before:
        return None
    return min(now + PRESIGN_TTL, window_ends_before)


def sniff_content_type(head: bytes) -> ContentType | None:
    return next((ct for ct, magics in MAGIC_BYTES.items() if any(head.startswith(m) for m in magics)), None)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class ObjectStore:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def retain(self, *, key: str, version_id: str | None, until: datetime) -> None:
        """Locks exactly this version (S3 Object Lock) so that it cannot be deleted or overwritten
        before `until`.

        Safe to repeat: the same or a later date only extends the lock. S3 refuses to shorten a
        GOVERNANCE lock without the bypass no role has; if a concurrent check (the S3 event and the
        explicit confirm of one upload) already locked this version for longer, that refusal means
        the lock is in place and there is nothing to do.
        """
        if version_id is None:
            logger.error("no version id: the bucket is not versioned with Object Lock", extra={"key": key})
            raise DocumentNotRetained()
        # Whole seconds, so that a date read back compares equal to the one sent.
        until = until.replace(microsecond=0)
        try:
            self._s3.put_object_retention(
                Bucket=self._bucket,
                Key=key,
                VersionId=version_id,
                Retention={"Mode": RETENTION_MODE, "RetainUntilDate": until},
            )
        except ClientError as error:
            if fault_kind(error) is not None:
                raise  # throttled or down: core.http answers 503 service_unavailable; the retry locks again
            code = _error_code(error)
            locked_until = self.retained_until(key=key, version_id=version_id) if code == "AccessDenied" else None
            if locked_until is None or locked_until < until:
                logger.warning(
                    "S3 would not lock the version", extra={"key": key, "version": version_id, "error": code}
                )
                raise DocumentNotRetained() from error

    def retained_until(self, *, key: str, version_id: str) -> datetime | None:
        """Until when this version is locked (by either mode), or None if it is not."""
        head = self._s3.head_object(Bucket=self._bucket, Key=key, VersionId=version_id)
        if head.get("ObjectLockMode") not in ("GOVERNANCE", "COMPLIANCE"):
            return None
        until = head.get("ObjectLockRetainUntilDate")
        return until if isinstance(until, datetime) else None

    def presign_post(
        self, *, key: str, content_type: ContentType, size_bytes: int, now: datetime, expires_at: datetime
    ) -> UploadGrant:
        seconds = max(1, int((expires_at - now).total_seconds()))
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type.value},
            Conditions=[
                {"Content-Type": content_type.value},
                # Exactly the declared size: S3 refuses anything else.
                ["content-length-range", size_bytes, size_bytes],
            ],
            ExpiresIn=seconds,
        )
        return UploadGrant(url=post["url"], fields=post["fields"], expires_at=expires_at)

    def download_url_of(self, stored: StoredFile, *, now: datetime) -> tuple[str, datetime]:
        """A short-lived link to the very version the check saw of a registration document or a grievance
        attachment, and when it expires: the one way such a file is handed out."""
        return self.download_url(key=stored.object_key, version_id=stored.object_version, now=now)

    def download_url(self, *, key: str, version_id: str | None, now: datetime) -> tuple[str, datetime]:
        params: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        url = self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=int(DOWNLOAD_TTL.total_seconds()))
        return url, now + DOWNLOAD_TTL

    def inspect(self, *, key: str, declared_type: ContentType, declared_size: int, max_bytes: int) -> ObjectInspection:
        """Size, magic bytes and SHA-256 of the object as it is now (one version, pinned)."""
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return ObjectInspection(present=False)
            raise
        size = int(head["ContentLength"])
        found: dict[str, Any] = {
            "present": True,
            "size_bytes": size,
            "uploaded_at": head["LastModified"],
            "version_id": head.get("VersionId"),
        }
        if size == 0:
            return ObjectInspection(**found, reason="The file is empty.")
        if size > max_bytes:
            return ObjectInspection(**found, reason=f"The file is {size} bytes; the limit is {max_bytes}.")
        if size != declared_size:
            return ObjectInspection(**found, reason=f"The file is {size} bytes but {declared_size} were declared.")
        get_args: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if found["version_id"]:
            get_args["VersionId"] = found["version_id"]
        body = self._s3.get_object(**get_args)["Body"]
        digest = hashlib.sha256()
        first = body.read(_READ_CHUNK)
        digest.update(first)
        while chunk := body.read(_READ_CHUNK):
            digest.update(chunk)
        found["sha256"] = digest.hexdigest()
        actual_type = sniff_content_type(first)
        if actual_type != declared_type:
            what = actual_type.value if actual_type else "not a PDF, JPEG or PNG"
            return ObjectInspection(
                **found, reason=f"The file's content is {what}, but {declared_type.value} was declared."
            )
        return ObjectInspection(**found, accepted=True)


Stored = TypeVar("Stored", bound=StoredFile)


class UploadSlots:
    """The flow a registration document and a grievance attachment both follow: a slot's pre-signed
    POST, the check of what arrived (size and type by its bytes, SHA-256), and the lock on an accepted
    file, then short-lived download links."""

    def __init__(self, objects: FileSlots, retention: timedelta) -> None:
        self._objects = objects
        self._retention = retention

    def grant(self, slot: StoredFile, *, now: datetime, expires_at: datetime) -> UploadGrant:
        return self._objects.presign_post(
            key=slot.object_key,
            content_type=slot.content_type,
            size_bytes=slot.declared_size,
            now=now,
            expires_at=expires_at,
        )

    def check(self, slot: Stored, *, max_bytes: int, now: datetime, refused: str | None = None) -> Stored | None:
        """The slot as the check found its file (None: nothing has arrived yet); `refused` turns away a
        file that is fine in itself. An accepted file is locked before any record names it, so no
        record points at a deletable file; a retry locks again, harmlessly (a lock only extends). A
        refused file is never locked."""
        inspection = self._objects.inspect(
            key=slot.object_key, declared_type=slot.content_type, declared_size=slot.declared_size, max_bytes=max_bytes
        )
        if not inspection.present:
            return None
        checked = slot.model_copy(update=inspection.checked_fields(now, refused=refused))
        if checked.status == DocumentStatus.UPLOADED:
            self._objects.retain(key=slot.object_key, version_id=inspection.version_id, until=now + self._retention)
        return checked

    def download_url(self, stored: StoredFile, *, now: datetime) -> tuple[str, datetime]:
        return self._objects.download_url_of(stored, now=now)
