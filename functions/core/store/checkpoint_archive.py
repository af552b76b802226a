"""The checkpoints bucket: every signed checkpoint, kept under S3 Object Lock in COMPLIANCE mode.

The bucket's default retention locks each object version the moment it is written; nobody, the
account's root included, can delete it or shorten its retention. It is the copy the auditor trusts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from core.transparency import SignedCheckpoint

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_s3.client import S3Client

PREFIX = "checkpoints/"


def archive_key(signed: SignedCheckpoint) -> str:
    checkpoint = signed.checkpoint
    issued = checkpoint.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{PREFIX}{checkpoint.tree_size:012d}/{issued}.json"


class CheckpointArchive:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, signed: SignedCheckpoint) -> str:
        key = archive_key(signed)
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(signed.model_dump(mode="json"), sort_keys=True).encode("utf-8"),
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",  # Object Lock refuses a PUT without an integrity checksum
        )
        return key

    def newest_key_at(self, tree_size: int) -> str | None:
        """The key of the newest checkpoint archived at exactly this tree size (one listing of its few keys)."""
        listed = self._client.list_objects_v2(Bucket=self._bucket, Prefix=f"{PREFIX}{tree_size:012d}/")
        return max((obj["Key"] for obj in listed.get("Contents", [])), default=None)

    def get(self, key: str) -> SignedCheckpoint:
        return SignedCheckpoint.model_validate_json(
            self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        )

    def newest(self, count: int) -> list[SignedCheckpoint]:
        """The newest `count` checkpoints, newest first (keys sort by tree size, then time)."""
        keys: list[str] = []
        request: dict[str, Any] = {"Bucket": self._bucket, "Prefix": PREFIX}
        while True:
            page = self._client.list_objects_v2(**request)
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
            if not page.get("IsTruncated"):
                break
            request["ContinuationToken"] = page["NextContinuationToken"]
        newest = sorted(keys, reverse=True)[:count]
        return [
            SignedCheckpoint.model_validate_json(self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read())
            for key in newest
        ]
