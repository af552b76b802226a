"""CSV files people make in a spreadsheet: UTF-8 (with or without Excel's byte-order mark), a header
line naming the columns in any order, one record a line. Blank lines are skipped; every line keeps
its number in the file (the header is line 1), so a report can point at it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


class UnreadableFile(Exception):
    """The file as a whole cannot be read: not UTF-8, no header, or required columns missing.

    `reason` (not_utf8, empty, missing_columns) and `params` let a report say it in the reader's language."""

    def __init__(self, message: str, reason: str, **params: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class CsvLine:
    number: int  # the line in the file (the header is line 1)
    values: dict[str, str]  # by column name, lower case


def read_csv_lines(content: bytes, required: Sequence[str]) -> list[CsvLine]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"The file is not UTF-8 text (byte {error.start}). Save it as 'CSV UTF-8'.",
            "not_utf8",
            position=error.start,
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise UnreadableFile("The file is empty.", "empty")
    names = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in names]
    if missing:
        raise UnreadableFile(
            f"Required columns are missing: {', '.join(missing)}.", "missing_columns", columns=", ".join(missing)
        )
    return list(_lines(reader, names))


def _lines(reader: Any, names: list[str]) -> Iterator[CsvLine]:
    start = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            yield CsvLine(number=start, values=dict(zip(names, row, strict=False)))
        start = reader.line_num + 1
