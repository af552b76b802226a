"""The officials file: its columns, and each line read into an `Official` or every reason it cannot be.

Pure: no I/O. The programme's DDO codes and grievance units come in as `Known`, so a DDO with a
mistyped office (who would see nobody's records) is refused here, with the line and the column.
Messages never repeat a mobile number. The columns are documented in docs/operator-cli.md;
`infra/samples/officials.csv` is a sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from core.auth import Role
from core.csv_file import CsvLine, read_csv_lines
from core.identity import SCOPE_OF_ROLE, Official
from core.programme import Programme
from core.types import DdoCode, Email, Mobile, OfficialUsername, ShortText

COLUMNS: Mapping[str, str] = {
    "username": "sign-in name: 3-64 of a-z, 0-9, '.', '_', '-', starting with a letter (case is ignored)",
    "name": "full name",
    "email": "where Cognito sends the invitation with the temporary password",
    "mobile": "ten digits starting 6-9 (+91 allowed)",
    "role": "ddo, hod, officer (grievance officer) or admin",
    "ddo_code": "for a ddo only: one of the programme's DDO codes, e.g. DDO-PKL-001",
    "department": "for a hod only: the department exactly as the roll writes it",
    "unit": "for an officer only: one of the programme's grievance units, e.g. GRV-PKL-L1",
    "status": "active (the default when empty) or disabled",
}
REQUIRED = ("username", "name", "email", "mobile", "role")
ROLES = {role.value: role for role in (Role.DDO, Role.HOD, Role.OFFICER, Role.ADMIN)}
STATUSES = {"": True, "active": True, "disabled": False}
_ROLE_OF_SCOPE = {scope: role for role, scope in SCOPE_OF_ROLE.items() if scope}
# Each column's form, from the types an Official is made of (core.types).
_FORMATS = {
    "username": TypeAdapter(OfficialUsername),
    "name": TypeAdapter(ShortText),
    "email": TypeAdapter(Email),
    "mobile": TypeAdapter(Mobile),
    "ddo_code": TypeAdapter(DdoCode),
    "department": TypeAdapter(ShortText),
    "unit": TypeAdapter(ShortText),
}
# What a clerk reads instead of a regular expression.
_PATTERN_MESSAGES = {
    "username": "is not a username: 3-64 of a-z, 0-9, '.', '_' or '-', starting with a letter",
    "email": "is not an e-mail address",
    "mobile": "is not a mobile number: ten digits starting 6-9",
    "ddo_code": "is not a DDO code (DDO-XXX-000)",
}


@dataclass(frozen=True)
class Known:
    """What an official's scope may name: the programme's DDO codes and grievance units."""

    ddo_codes: frozenset[str]
    units: frozenset[str]

    @classmethod
    def of(cls, programme: Programme) -> Known:
        return cls(frozenset(programme.ddo_codes), frozenset(u.unit_id for u in programme.grievances.units))


@dataclass(frozen=True)
class LineProblem:
    line: int
    username: str
    column: str
    message: str


@dataclass(frozen=True)
class ParsedLine:
    number: int
    username: str  # as normalised, "" when the line has none
    official: Official | None
    problems: tuple[LineProblem, ...] = ()


@dataclass(frozen=True)
class OfficialsFile:
    lines: list[ParsedLine]
    # Every username the file names, on a good line or not: a complete list must never disable
    # somebody whose line merely had a mistake.
    usernames: frozenset[str] = frozenset()

    @property
    def problems(self) -> list[LineProblem]:
        return [p for line in self.lines for p in line.problems]


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _mobile(raw: str) -> str:
    """One form (ten digits), however the office wrote it: spaces, dashes, +91, 91 or a leading 0 go."""
    digits = raw.translate(str.maketrans("", "", " -()")).removeprefix("+")
    if len(digits) == 12 and digits.startswith("91"):
        return digits[2:]
    if len(digits) == 11 and digits.startswith("0"):
        return digits[1:]
    return digits


def _normalised(values: Mapping[str, str]) -> dict[str, str]:
    """Every column as the directory keeps it: trimmed; usernames lower case, codes upper case."""
    given = {column: values.get(column, "").strip() for column in COLUMNS}
    return {
        **given,
        "username": given["username"].lower(),
        "mobile": _mobile(given["mobile"]),
        "role": given["role"].lower(),
        "ddo_code": given["ddo_code"].upper(),
        "unit": given["unit"].upper(),
        "status": given["status"].lower(),
    }


def _format_problem(column: str, value: str) -> str | None:
    """What is wrong with the value's form, from the same types `Official` is made of."""
    try:
        _FORMATS[column].validate_python(value)
    except ValidationError as invalid:
        error = invalid.errors()[0]
        return _PATTERN_MESSAGES[column] if error["type"] == "string_pattern_mismatch" else error["msg"]
    return None


def parse_line(line: CsvLine, known: Known) -> ParsedLine:
    """The line as an Official, or every problem it has (all at once, in column order, each with its column)."""
    value = _normalised(line.values)
    username = value["username"]
    role = ROLES.get(value["role"])
    needed = SCOPE_OF_ROLE[role] if role else None
    problems: list[LineProblem] = []

    def refuse(column: str, message: str) -> None:
        problems.append(LineProblem(line.number, username, column, message))

    for column in COLUMNS:
        given = value[column]
        if column in REQUIRED and not given:
            refuse(column, "is required")
        elif column == "role":
            if given == Role.EMPLOYEE.value:
                refuse(column, "employees are not imported here: they sign in by OTP to the mobile on the roll")
            elif role is None:
                refuse(column, f"'{line.values.get(column, '').strip()}' is not a role: ddo, hod, officer or admin")
        elif column == "status":
            if given not in STATUSES:
                refuse(column, f"'{line.values.get(column, '').strip()}' is not a status: active or disabled")
        elif column in _ROLE_OF_SCOPE and role is not None:
            if column == needed and not given:
                refuse(column, f"{_a(role.value)} needs a {column}")
            elif column != needed and given:
                owner = _ROLE_OF_SCOPE[column].value
                refuse(column, f"only {_a(owner)} has a {column}: leave it empty for {_a(role.value)}")
            elif given and (problem := _format_problem(column, given)):
                refuse(column, problem)
            elif column == "ddo_code" and given and given not in known.ddo_codes:
                refuse(column, f"'{given}' is not one of the programme's DDO codes")
            elif column == "unit" and given and given not in known.units:
                choices = ", ".join(sorted(known.units)) or "none"
                refuse(column, f"'{given}' is not one of the programme's grievance units ({choices})")
        elif given and column in _FORMATS and (problem := _format_problem(column, given)):
            refuse(column, problem)
    if problems or role is None:  # no role is always a problem of the "role" column
        return ParsedLine(line.number, username, None, tuple(problems))
    official = Official(
        username=username,
        name=value["name"],
        email=value["email"],
        mobile=value["mobile"],
        role=role,
        ddo_code=value["ddo_code"] or None,
        department=value["department"] or None,
        unit=value["unit"] or None,
        active=STATUSES[value["status"]],
    )
    return ParsedLine(line.number, username, official)


def parse_officials(content: bytes, known: Known) -> OfficialsFile:
    """Every line of the file; a username named again is a problem of the later line.
    Raises core.csv_file.UnreadableFile when the file is not UTF-8 or lacks a required column."""
    parsed: list[ParsedLine] = []
    first_line: dict[str, int] = {}
    for line in read_csv_lines(content, REQUIRED):
        result = parse_line(line, known)
        first = first_line.setdefault(result.username, line.number) if result.username else line.number
        if first != line.number:
            duplicate = LineProblem(line.number, result.username, "username", f"Duplicate of line {first}")
            result = ParsedLine(line.number, result.username, None, (duplicate, *result.problems))
        parsed.append(result)
    return OfficialsFile(parsed, frozenset(first_line))
