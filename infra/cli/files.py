"""The local CSV file, checked before any request: present, a .csv, not empty, not too large, UTF-8."""

from __future__ import annotations

from pathlib import Path

from infra.cli_errors import LocalFileProblem

MAX_FILE_BYTES = 50 * 1024 * 1024  # the API's roll_import_max_bytes: the pre-signed POST's limit


def check_csv_file(path: Path, *, what: str = "the roll", max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, if it can be taken: a .csv, not empty, at most `max_bytes`, UTF-8."""
    if not path.is_file():
        raise LocalFileProblem(f"{path}: no such file")
    if path.suffix.lower() != ".csv":
        raise LocalFileProblem(f"{path}: {what} must be a .csv file")
    size = path.stat().st_size
    if size == 0:
        raise LocalFileProblem(f"{path}: the file is empty")
    if size > max_bytes:
        raise LocalFileProblem(f"{path}: {size_text(size)} is over the limit of {size_text(max_bytes)}")
    content = path.read_bytes()
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise LocalFileProblem(
            f"{path}: not UTF-8 (byte 0x{content[error.start]:02x} on line {line}); "
            "save it as 'CSV UTF-8' and try again"
        ) from error
    return content


def default_report_path(path: Path) -> Path:
    """roll.csv -> roll.report.csv, beside it (officials.csv -> officials.report.csv)."""
    return path.with_name(f"{path.stem}.report.csv")


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
