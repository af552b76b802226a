"""The reports bucket: CSV reports (deadline jobs, admin exports, roll-import reports) and the
roll files admins upload for import (`imports/<id>/source.csv`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.uploads import ObjectStore, UploadGrant

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_s3.client import S3Client

CSV_CONTENT_TYPE = "text/csv"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


class ReportStore:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    def put_csv(self, key: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
        """Writes the report at `key` (a deterministic key: a rerun before the plan is recorded rewrites it)."""
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=csv_text(header, rows).encode("utf-8"),
            ContentType="text/csv; charset=utf-8",
        )
        return key

    def get_text(self, key: str) -> str:
        return str(self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read().decode("utf-8"))

    def read_csv(self, key: str) -> list[list[str]]:
        """The rows of a CSV this store wrote, without its header."""
        return list(csv.reader(io.StringIO(self.get_text(key))))[1:]

    def get_bytes(self, key: str, version_id: str | None = None) -> tuple[bytes, str | None]:
        """The object's bytes and the version they are (pinned when `version_id` is given)."""
        params: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        response = self._s3.get_object(**params)
        return bytes(response["Body"].read()), response.get("VersionId")

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            found.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(found)

    def download_url(self, key: str, now: datetime) -> tuple[str, datetime]:
        """The same short-lived GET as a document's (core.uploads.DOWNLOAD_TTL)."""
        return ObjectStore(self._s3, self._bucket).download_url(key=key, version_id=None, now=now)

    def presign_csv_upload(self, key: str, *, max_bytes: int, now: datetime, expires_at: datetime) -> UploadGrant:
        """A pre-signed POST for one CSV at exactly `key`, of at most `max_bytes`."""
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": CSV_CONTENT_TYPE},
            Conditions=[{"Content-Type": CSV_CONTENT_TYPE}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=max(1, int((expires_at - now).total_seconds())),
        )
        return UploadGrant(url=post["url"], fields=post["fields"], expires_at=expires_at)
