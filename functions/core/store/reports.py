"""The reports bucket: CSV reports written by the deadline jobs (final report, defaulter list)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


class ReportStore:
    def __init__(self, s3: Any, bucket: str) -> None:
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
