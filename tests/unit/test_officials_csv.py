"""The officials file read into Officials, or every problem of a line at once, each with its column."""

from __future__ import annotations

import pytest

from core.auth import Role
from core.csv_file import CsvLine, UnreadableFile
from infra.officials_csv import Known, LineProblem, parse_line, parse_officials

KNOWN = Known(ddo_codes=frozenset({"DDO-PKL-001", "DDO-HSR-001"}), units=frozenset({"GRV-PKL-L1", "GRV-HSR-L1"}))
HEADER = "username,name,email,mobile,role,ddo_code,department,unit,status\n"
DDO = {
    "username": "ddo.pkl1",
    "name": "Ramesh Kumar",
    "email": "ddo.pkl1@hry.gov.in",
    "mobile": "9876500001",
    "role": "ddo",
    "ddo_code": "DDO-PKL-001",
    "department": "",
    "unit": "",
    "status": "",
}


def problems_of(**changes: str) -> list[tuple[str, str]]:
    parsed = parse_line(CsvLine(5, {**DDO, **changes}), KNOWN)
    assert parsed.official is None, "expected the line to be refused"
    assert all(p.line == 5 for p in parsed.problems)
    return [(p.column, p.message) for p in parsed.problems]


def test_a_good_ddo_line_is_an_active_official_with_one_scope() -> None:
    parsed = parse_line(CsvLine(2, DDO), KNOWN)
    assert parsed.problems == ()
    official = parsed.official
    assert official is not None
    assert (official.username, official.role, official.ddo_code, official.active) == (
        "ddo.pkl1",
        Role.DDO,
        "DDO-PKL-001",
        True,
    )
    assert official.scope == {"role": "ddo", "ddo_code": "DDO-PKL-001"}


def test_what_a_clerk_types_is_normalised() -> None:
    # Given capitals, spaces, +91 and a lower-case office code
    parsed = parse_line(
        CsvLine(2, {**DDO, "username": " DDO.PKL1 ", "mobile": "+91 98765-00001", "ddo_code": "ddo-pkl-001"}), KNOWN
    )
    # Then the official is written in one form
    assert parsed.official is not None
    assert (parsed.official.username, parsed.official.mobile, parsed.official.ddo_code) == (
        "ddo.pkl1",
        "9876500001",
        "DDO-PKL-001",
    )


@pytest.mark.parametrize("mobile", ["09876500001", "919876500001", "98765 00001"])
def test_common_ways_of_writing_a_mobile(mobile: str) -> None:
    official = parse_line(CsvLine(2, {**DDO, "mobile": mobile}), KNOWN).official
    assert official is not None and official.mobile == "9876500001"


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("hod", {"department": "Health"}),
        ("officer", {"unit": "grv-pkl-l1"}),
        ("admin", {}),
        ("HoD", {"department": "School Education"}),
    ],
)
def test_each_role_with_its_scope(role: str, scope: dict[str, str]) -> None:
    line = {**DDO, "role": role, "ddo_code": "", **scope}
    official = parse_line(CsvLine(2, line), KNOWN).official
    assert official is not None
    assert official.role == Role(role.lower())


def test_status_disabled_asks_for_a_disabled_official() -> None:
    official = parse_line(CsvLine(2, {**DDO, "status": "Disabled"}), KNOWN).official
    assert official is not None and official.active is False


def test_every_problem_of_a_line_is_reported_at_once() -> None:
    # Given a line wrong in four ways
    found = problems_of(username="", email="not-an-email", role="boss", status="gone")
    # Then all four are named, each with its column, in the columns' order
    assert found == [
        ("username", "is required"),
        ("email", "is not an e-mail address"),
        ("role", "'boss' is not a role: ddo, hod, officer or admin"),
        ("status", "'gone' is not a status: active or disabled"),
    ]


def test_a_pattern_problem_reads_as_words_not_a_regular_expression() -> None:
    assert problems_of(email="not-an-email") == [("email", "is not an e-mail address")]
    assert problems_of(username="9lives") == [
        ("username", "is not a username: 3-64 of a-z, 0-9, '.', '_' or '-', starting with a letter")
    ]


def test_a_wrong_mobile_is_refused_without_repeating_it() -> None:
    found = problems_of(mobile="12345 67890")
    assert found == [("mobile", "is not a mobile number: ten digits starting 6-9")]
    assert "67890" not in str(found)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"ddo_code": ""}, [("ddo_code", "a ddo needs a ddo_code")]),
        ({"unit": "GRV-PKL-L1"}, [("unit", "only an officer has a unit: leave it empty for a ddo")]),
        (
            {"role": "hod"},
            [
                ("ddo_code", "only a ddo has a ddo_code: leave it empty for a hod"),
                ("department", "a hod needs a department"),
            ],
        ),
        ({"role": "admin", "ddo_code": ""}, []),
        ({"ddo_code": "DDO-XYZ-999"}, [("ddo_code", "'DDO-XYZ-999' is not one of the programme's DDO codes")]),
        (
            {"role": "officer", "ddo_code": "", "unit": "GRV-XX-L9"},
            [("unit", "'GRV-XX-L9' is not one of the programme's grievance units (GRV-HSR-L1, GRV-PKL-L1)")],
        ),
        (
            {"role": "employee", "ddo_code": ""},
            [("role", "employees are not imported here: they sign in by OTP to the mobile on the roll")],
        ),
    ],
)
def test_the_scope_must_fit_the_role(changes: dict[str, str], expected: list[tuple[str, str]]) -> None:
    parsed = parse_line(CsvLine(5, {**DDO, **changes}), KNOWN)
    assert [(p.column, p.message) for p in parsed.problems] == expected
    assert (parsed.official is None) == bool(expected)


def test_a_file_keeps_line_numbers_and_flags_a_repeated_username() -> None:
    # Given a file with a blank line, a bad line and a username named twice
    content = (
        HEADER
        + "ddo.pkl1,Ramesh Kumar,r@hry.gov.in,9876500001,ddo,DDO-PKL-001,,,\n"
        + "\n"
        + "hod.health,Dr Anita,a@hry.gov.in,9876500002,hod,,Health,,\n"
        + "officer.x,Officer X,x@hry.gov.in,12,officer,,,GRV-PKL-L1,\n"
        + "DDO.PKL1,Ramesh again,r2@hry.gov.in,9876500003,ddo,DDO-HSR-001,,,\n"
    )
    parsed = parse_officials(content.encode(), KNOWN)
    # Then the lines keep their numbers in the file (the header is line 1)
    assert [(line.number, line.username, line.official is not None) for line in parsed.lines] == [
        (2, "ddo.pkl1", True),
        (4, "hod.health", True),
        (5, "officer.x", False),
        (6, "ddo.pkl1", False),
    ]
    assert parsed.problems == [
        LineProblem(5, "officer.x", "mobile", "is not a mobile number: ten digits starting 6-9"),
        LineProblem(6, "ddo.pkl1", "username", "Duplicate of line 2"),
    ]
    # And every username named is known, even on a bad line
    assert parsed.usernames == {"ddo.pkl1", "hod.health", "officer.x"}


def test_scope_columns_may_be_left_out_of_a_file_of_admins() -> None:
    parsed = parse_officials(b"username,name,email,mobile,role\nnodal1,Nodal,n@hry.gov.in,9876500009,admin\n", KNOWN)
    assert parsed.problems == []
    assert parsed.lines[0].official is not None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"username,name,email\nx,y,z\n", "Required columns are missing: mobile, role"),
        (b"", "empty"),
        ("username,name\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole(content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile, match=reason):
        parse_officials(content, KNOWN)
