"""The words of every problem, in Hindi and English: complete, consistent, and filled at every raise site."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core import errors
from core.http import STATUS_OF, domain_problem, problem
from core.language import Language, instant_for_people, preferred_language
from core.problem_texts import CODES_OF_HTTP, TEXTS, render_problem, text_for

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _error_classes() -> dict[str, type[errors.DomainError]]:
    def walk(cls: type[errors.DomainError]) -> list[type[errors.DomainError]]:
        return [sub for direct in cls.__subclasses__() for sub in [direct, *walk(direct)]]

    return {cls.__name__: cls for cls in walk(errors.DomainError)}


def test_every_code_has_a_title_and_detail_in_both_languages() -> None:
    # Given every DomainError's code and the codes core.http answers itself
    codes = {cls.code for cls in _error_classes().values()} | set(CODES_OF_HTTP)
    # Then each has its own entry with both titles and both details, the Hindi ones in Devanagari
    for code in codes:
        text = text_for(code)
        assert text is not None, f"{code} has no texts"
        assert text.title_en and text.title_hi and text.detail_en and text.detail_hi, code
        assert DEVANAGARI.search(text.title_hi) and DEVANAGARI.search(text.detail_hi), code


def test_every_situation_belongs_to_a_code_and_says_the_same_in_both_languages() -> None:
    codes = {cls.code for cls in _error_classes().values()} | set(CODES_OF_HTTP)
    for text in TEXTS:
        code, _, _ = text.key.partition(".")
        assert code in codes, f"{text.key} belongs to no code"
        assert DEVANAGARI.search(text.detail_hi) and not DEVANAGARI.search(text.detail_en), text.key
        fields = re.compile(r"\{(\w+)\}")
        assert set(fields.findall(text.detail_en)) == set(fields.findall(text.detail_hi)), text.key
        assert not ISO_INSTANT.search(text.detail_en + text.detail_hi), text.key


def _raise_sites() -> list[tuple[str, int, str, str, set[str]]]:
    """Every construction of a DomainError in functions/: (file, line, class, reason, parameter names)."""
    classes = _error_classes()
    sites = []
    for path in FUNCTIONS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes):
                continue
            assert all(k.arg for k in node.keywords), f"{path}:{node.lineno} splats its parameters"
            assert len(node.args) <= 1, f"{path}:{node.lineno} passes more than a reason"
            reason = ""
            if node.args:
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{path}:{node.lineno}: the reason must be a literal key, not prose or an expression"
                )
                reason = first.value
            sites.append((str(path), node.lineno, node.func.id, reason, {str(k.arg) for k in node.keywords}))
    return sites


def test_every_raise_site_names_a_known_situation_and_supplies_every_placeholder() -> None:
    classes = _error_classes()
    sites = _raise_sites()
    assert len(sites) > 80  # the scan sees the raise sites (there are about a hundred)
    for path, line, name, reason, given in sites:
        code = classes[name].code
        base = text_for(code)
        assert base is not None
        situation = text_for(f"{code}.{reason}") if reason else base
        assert situation is not None, f"{path}:{line}: no text for {code}.{reason}"
        titles = dataclasses.replace(base, detail_en="", detail_hi="").placeholders()
        missing = (situation.placeholders() | (set() if situation.title_en else titles)) - given
        assert not missing, f"{path}:{line}: {code}.{reason or '(default)'} needs {sorted(missing)}"


def test_codes_raised_without_parameters_need_none() -> None:
    # Errors built by their class alone (a table of refusals; core.http's idempotency answers)
    for cls in (
        errors.OtpExpired,
        errors.OtpUsed,
        errors.OtpLocked,
        errors.RequestInProgress,
        errors.IdempotencyKeyReused,
    ):
        text = text_for(cls.code)
        assert text is not None and not text.placeholders(), cls.code


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, Language.EN),
        ("", Language.EN),
        ("hi", Language.HI),
        ("hi-IN", Language.HI),
        ("en-IN,hi;q=0.9", Language.EN),
        ("fr, hi-IN;q=0.8, en;q=0.5", Language.HI),
        ("hi;q=0, en", Language.EN),
        ("*", Language.EN),
        ("ta-IN", Language.EN),
        ("hi;q=abc", Language.EN),
    ],
)
def test_accept_language_chooses_hindi_or_english(header: str | None, language: Language) -> None:
    assert preferred_language(header) == language


def test_registration_closed_reads_as_a_person_would_say_it_in_both_languages() -> None:
    # Given a draft touched after the deadline of 31 January 2026, 23:59 IST
    closed_at = datetime(2026, 1, 31, 18, 29, tzinfo=UTC)
    error = errors.RegistrationClosed("draft_lapsed", closed_at=closed_at)
    # When it is answered in English and in Hindi
    english = json.loads(domain_problem(error, Language.EN).body)
    hindi_response = domain_problem(error, Language.HI)
    hindi = json.loads(hindi_response.body)
    # Then the words differ, the code and the machine field do not
    assert english["detail"].startswith(
        "Registration closed on 31 January 2026 at 11:59 pm IST; this draft has lapsed."
    )
    assert "DDO" in english["detail"]
    assert "31 जनवरी 2026, रात 11:59 बजे (IST)" in hindi["detail"] and "DDO" in hindi["detail"]
    assert hindi["title"] == "पंजीकरण की अवधि समाप्त हो गई है"
    assert english["code"] == hindi["code"] == "registration_closed"
    assert english["closed_at"] == hindi["closed_at"] == closed_at.isoformat()
    assert not ISO_INSTANT.search(english["detail"] + hindi["detail"])
    assert hindi_response.headers["Content-Language"] == "hi"
    assert hindi_response.headers["Vary"] == "Accept-Language"


def test_times_of_day_in_hindi() -> None:
    at = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)  # 09:30 IST
    assert instant_for_people(at, Language.HI) == "5 मार्च 2026, सुबह 9:30 बजे (IST)"
    assert instant_for_people(at, Language.EN) == "5 March 2026 at 9:30 am IST"


def test_validation_and_routing_problems_are_bilingual_and_keep_their_machine_members() -> None:
    response = problem(422, "validation_error", extra={"errors": [{"loc": ["body", "mobile"]}]}, language=Language.HI)
    body = json.loads(response.body)
    assert body["code"] == "validation_error" and DEVANAGARI.search(body["detail"])
    assert body["errors"] == [{"loc": ["body", "mobile"]}]
    assert render_problem("route_not_found", "", {}, Language.HI).title == "ऐसा कोई route नहीं है"


def test_every_domain_error_has_its_http_status_in_core_http_and_only_there() -> None:
    domain = {cls for cls in _error_classes().values() if cls.__module__ == errors.__name__}
    assert domain == set(STATUS_OF)
    assert all("status" not in vars(cls) for cls in domain)  # the domain knows nothing of HTTP
    assert all(400 <= status < 600 for status in STATUS_OF.values())
