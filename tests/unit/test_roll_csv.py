"""Reading the roll file: the header, line numbers, and each line to an entry or its errors."""

from __future__ import annotations

import re
from datetime import date

import pytest

from admin.roll_csv import COLUMNS, REQUIRED, Line, RowError, UnreadableFile, parse_line, read_lines
from admin.roll_messages import LABELS, MESSAGES
from core.language import Language
from core.store.roll import RollEntry

TODAY = date(2026, 1, 20)
DDOS = frozenset({"DDO-PKL-001"})
GOOD = {
    "employee_code": "emp-0001",
    "name": "सुनीता देवी",
    "father_name": "राम कुमार",
    "date_of_birth": "12-04-1988",
    "gender": "F",
    "mobile": "+91 98123 45678",
    "engagement_type": "Direct_Contract",
    "department": "Health",
    "office": "Civil Hospital",
    "district": "Panchkula",
    "ddo_code": "ddo-pkl-001",
    "designation": "Staff Nurse",
    "monthly_pay": "32,000",
    "full_time": "हाँ",
}


def parsed(**changes: str) -> RollEntry | list[RowError]:
    return parse_line(Line(7, {**GOOD, **changes}), programme_id="HR-2026", ddo_codes=DDOS, today=TODAY)


def test_a_good_line_is_normalised_into_a_roll_entry() -> None:
    entry = parsed()
    assert isinstance(entry, RollEntry)
    assert entry.employee_code == "EMP-0001" and entry.record.engagement.ddo_code == "DDO-PKL-001"
    assert entry.record.personal.mobile == "9812345678" and entry.record.personal.date_of_birth == date(1988, 4, 12)
    assert entry.record.engagement.monthly_pay == 32000 and entry.record.engagement.full_time is True
    assert entry.record.engagement.centrally_sponsored_scheme is False  # optional, absent


@pytest.mark.parametrize(
    ("changes", "columns"),
    [
        ({"mobile": "5123456789"}, {"mobile"}),
        ({"ddo_code": "DDO-ABC-123"}, {"ddo_code"}),
        ({"date_of_birth": "1988-13-01"}, {"date_of_birth"}),
        ({"date_of_birth": "01-01-2010"}, {"date_of_birth"}),  # 16 years old
        ({"gender": "x", "full_time": "sometimes"}, {"gender", "full_time"}),
        ({"name": " ", "office": ""}, {"name", "office"}),
        ({"employee_code": "E 1"}, {"employee_code"}),
        ({"monthly_pay": "thirty"}, {"monthly_pay"}),
        ({"family_id": "123"}, {"family_id"}),
    ],
)
def test_each_mistake_is_reported_against_its_column_and_line(changes: dict[str, str], columns: set[str]) -> None:
    errors = parsed(**changes)
    assert isinstance(errors, list)
    assert {e.column for e in errors} == columns and {e.line for e in errors} == {7}


def test_the_header_decides_the_columns_and_line_numbers_follow_the_file() -> None:
    content = (
        "\ufeffName,Employee_Code," + ",".join(c for c in REQUIRED if c not in ("name", "employee_code")) + "\n"
        '"Devi, Sunita",EMP-1,' + ",".join("x" for _ in range(len(REQUIRED) - 2)) + "\n"
        "\n"
        '"two\nlines",EMP-2,' + ",".join("x" for _ in range(len(REQUIRED) - 2)) + "\n"
        "A,EMP-3," + ",".join("x" for _ in range(len(REQUIRED) - 2)) + "\n"
    ).encode()
    lines = read_lines(content)
    assert [(line.number, line.employee_code) for line in lines] == [(2, "EMP-1"), (4, "EMP-2"), (6, "EMP-3")]
    assert lines[0].values["name"] == "Devi, Sunita"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"employee_code,name\nE-1,A\n", "Required columns are missing"),
        ("employee_code,name\nE-1,Ramé\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_roll_is_refused_whole(content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile, match=reason):
        read_lines(content)


def test_every_problem_of_a_line_is_reported_at_once_in_words_a_clerk_understands() -> None:
    # Given a line wrong in the file's own checks (gender, DDO) and in the record's (mobile, family id, pay)
    errors = parsed(gender="x", ddo_code="DDO-ABC-123", mobile="12345", family_id="123", monthly_pay="thirty")
    # Then every one is reported, each against its column, in plain words
    assert isinstance(errors, list)
    said = {e.column: e.message for e in errors}
    assert set(said) == {"gender", "ddo_code", "mobile", "family_id", "monthly_pay"}
    assert said["mobile"] == "Mobile 12345 must be 10 digits starting with 6-9."
    assert said["gender"] == "Gender x must be female, male or other (F, M or O)."
    assert not any("pattern" in m or "String should" in m or "Input should" in m for m in said.values())


def test_the_report_can_be_in_hindi() -> None:
    errors = parse_line(
        Line(7, {**GOOD, "mobile": "12345", "office": ""}),
        programme_id="HR-2026",
        ddo_codes=DDOS,
        today=TODAY,
        language=Language.HI,
    )
    assert isinstance(errors, list)
    said = {e.column: e.message for e in errors}
    assert said == {
        "mobile": "मोबाइल 12345 में 6-9 से शुरू होने वाले 10 अंक होने चाहिए।",
        "office": "कार्यालय खाली है; इसे भरें।",
    }


def test_every_roll_message_says_the_same_in_both_languages() -> None:
    fields = re.compile(r"\{(\w+)\}")
    for key, (english, hindi) in MESSAGES.items():
        assert set(fields.findall(english)) == set(fields.findall(hindi)), key
        assert re.search(r"[\u0900-\u097F]", hindi), key
    assert set(LABELS) == {c.name for c in COLUMNS}
