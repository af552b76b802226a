"""The roll file: its columns, and each line read into a roll entry or the reasons it cannot be.

UTF-8 (a byte-order mark is allowed, as Excel writes one), a header line naming the columns in any
order; names may be in Hindi. Dates are YYYY-MM-DD or DD-MM-YYYY (also with '/'). The columns are
documented in docs/admin.md ("Roll import"); `infra/samples/roll.csv` is a sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from core.csv_file import CsvLine, UnreadableFile, read_csv_lines
from core.service_record import ServiceRecord
from core.store.roll import RollEntry


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: str


COLUMNS = (
    Column("employee_code", True, "The employee's code in the department's records (A-Z, 0-9, '-')"),
    Column("name", True, "Full name, in English or Hindi"),
    Column("father_name", True, "Father's or husband's name"),
    Column("date_of_birth", True, "YYYY-MM-DD or DD-MM-YYYY"),
    Column("gender", True, "female, male or other (F, M, O)"),
    Column("mobile", True, "Ten digits starting 6-9, optionally +91"),
    Column("email", False, "E-mail address"),
    Column("family_id", False, "Parivar Pehchan Patra id (8 characters)"),
    Column("engagement_type", True, "direct_contract, hkrn or outsourcing"),
    Column("department", True, "Department, as in the programme's data"),
    Column("office", True, "Office of posting"),
    Column("district", True, "District of posting"),
    Column("ddo_code", True, "DDO code (DDO-XXX-000), one of the programme's DDOs"),
    Column("designation", True, "Post held"),
    Column("monthly_pay", True, "Monthly pay in whole rupees"),
    Column("full_time", True, "yes or no"),
    Column("centrally_sponsored_scheme", False, "yes or no (default no)"),
    Column("bank_account_last4", False, "Last four digits of the salary account"),
)
REQUIRED = tuple(c.name for c in COLUMNS if c.required)
# Where each field of the service record comes from, so a validation error names its column.
_FIELD_COLUMN: Mapping[tuple[str, ...], str] = {
    ("personal", "name"): "name",
    ("personal", "father_name"): "father_name",
    ("personal", "date_of_birth"): "date_of_birth",
    ("personal", "gender"): "gender",
    ("personal", "mobile"): "mobile",
    ("personal", "email"): "email",
    ("family_id",): "family_id",
    ("engagement", "type"): "engagement_type",
    ("engagement", "department"): "department",
    ("engagement", "office"): "office",
    ("engagement", "district"): "district",
    ("engagement", "ddo_code"): "ddo_code",
    ("engagement", "designation"): "designation",
    ("engagement", "monthly_pay"): "monthly_pay",
    ("engagement", "full_time"): "full_time",
    ("engagement", "centrally_sponsored_scheme"): "centrally_sponsored_scheme",
    ("bank_account_last4",): "bank_account_last4",
}
_GENDERS = {"f": "female", "m": "male", "o": "other", "female": "female", "male": "male", "other": "other"}
_YES = {"yes", "y", "true", "1", "हाँ", "हां"}
_NO = {"no", "n", "false", "0", "नहीं"}
MIN_AGE_YEARS = 18
_EMPLOYEE_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


__all__ = ["COLUMNS", "REQUIRED", "Line", "RowError", "UnreadableFile", "parse_line", "read_lines"]


@dataclass(frozen=True)
class Line(CsvLine):
    @property
    def employee_code(self) -> str:
        return self.values.get("employee_code", "").strip().upper()


@dataclass(frozen=True)
class RowError:
    line: int
    employee_code: str
    column: str
    message: str


def read_lines(content: bytes) -> list[Line]:
    """Every line of the file with its number; UnreadableFile if it is not UTF-8 or lacks a required column."""
    return [Line(line.number, line.values) for line in read_csv_lines(content, REQUIRED)]


def _date(raw: str) -> date:
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (YYYY-MM-DD or DD-MM-YYYY)")


def _flag(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"'{raw.strip()}' is not yes or no")


def _optional(values: Mapping[str, str], column: str) -> str | None:
    text = values.get(column, "").strip()
    return text or None


def parse_line(line: Line, *, programme_id: str, ddo_codes: frozenset[str], today: date) -> RollEntry | list[RowError]:
    """The line as a roll entry, or every reason it cannot be one."""
    values = line.values
    code = line.employee_code
    errors: list[RowError] = []

    def refuse(column: str, message: str) -> None:
        errors.append(RowError(line.number, code, column, message))

    for column in REQUIRED:
        if not values.get(column, "").strip():
            refuse(column, "is required")
    if code and (not 3 <= len(code) <= 32 or not set(code) <= _EMPLOYEE_CODE_CHARS or code.startswith("-")):
        refuse("employee_code", f"'{code}' is not an employee code (3-32 of A-Z, 0-9, '-')")
    parsed: dict[str, Any] = {}
    for column, parse in (
        ("date_of_birth", _date),
        ("full_time", _flag),
        ("centrally_sponsored_scheme", _flag),
    ):
        raw = values.get(column, "")
        if not raw.strip():
            continue  # a required one is refused above; an optional one keeps its default
        try:
            parsed[column] = parse(raw)
        except ValueError as error:
            refuse(column, str(error))
    born = parsed.get("date_of_birth")
    if born is not None and (born > today or _age(born, today) < MIN_AGE_YEARS):
        refuse("date_of_birth", f"{born.isoformat()} makes the employee younger than {MIN_AGE_YEARS}")
    ddo_code = values.get("ddo_code", "").strip().upper()
    if ddo_code and ddo_code not in ddo_codes:
        refuse("ddo_code", f"'{ddo_code}' is not one of the programme's DDOs")
    gender = values.get("gender", "").strip().lower()
    if gender and gender not in _GENDERS:
        refuse("gender", f"'{values['gender'].strip()}' is not female, male or other")
    if errors:
        return errors
    try:
        record = ServiceRecord.model_validate(
            {
                "personal": {
                    "name": values["name"],
                    "father_name": values["father_name"],
                    "date_of_birth": born,
                    "gender": _GENDERS[gender],
                    # One form on the roll (ten digits), however the department wrote it.
                    "mobile": values["mobile"].strip().replace(" ", "").removeprefix("+91"),
                    "email": _optional(values, "email"),
                },
                "family_id": (_optional(values, "family_id") or "").upper() or None,
                "engagement": {
                    "type": values["engagement_type"].strip().lower(),
                    "department": values["department"],
                    "office": values["office"],
                    "district": values["district"],
                    "ddo_code": ddo_code,
                    "designation": values["designation"],
                    "monthly_pay": values["monthly_pay"].strip().replace(",", ""),
                    "full_time": parsed["full_time"],
                    "centrally_sponsored_scheme": parsed.get("centrally_sponsored_scheme", False),
                },
                "bank_account_last4": _optional(values, "bank_account_last4"),
            }
        )
    except ValidationError as invalid:
        return [RowError(line.number, code, _column_of(e["loc"]), e["msg"]) for e in invalid.errors()]
    return RollEntry(employee_code=code, programme_id=programme_id, record=record)


def _column_of(loc: tuple[int | str, ...]) -> str:
    path = tuple(str(part) for part in loc)
    return _FIELD_COLUMN.get(path[:2]) or _FIELD_COLUMN.get(path[:1]) or ".".join(path)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
