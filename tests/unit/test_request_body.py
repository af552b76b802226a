"""core.request_body: the limits are counted as JSON counts them, and nothing else is refused."""

from __future__ import annotations

import base64

import pytest

from core.errors import BodyTooLarge, InvalidEncoding
from core.request_body import MAX_BODY_BYTES, MAX_DEPTH, BodyRefused, read_json_body


def test_brackets_inside_strings_do_not_count_towards_the_depth() -> None:
    text = '{"remarks": "' + "[{" * 500 + '\\"]"}'
    assert read_json_body(text, is_base64=False) == {"remarks": "[{" * 500 + '"]'}


def test_the_depth_limit_is_exact() -> None:
    assert read_json_body("[" * MAX_DEPTH + "]" * MAX_DEPTH, is_base64=False) is not None
    with pytest.raises(BodyRefused) as refused:
        read_json_body("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), is_base64=False)
    assert refused.value.kind == "json_too_deep"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('{"a": 1, "a": 2}', "json_duplicate_key"),
        ('{"v": ' + "1" * 25 + "}", "json_number_too_long"),
        ('{"v": 1e400}', "json_number_too_long"),
        ('{"v": -Infinity}', "json_invalid"),
    ],
)
def test_what_python_would_silently_take_is_refused(text: str, kind: str) -> None:
    with pytest.raises(BodyRefused) as refused:
        read_json_body(text, is_base64=False)
    assert refused.value.kind == kind


def test_ordinary_numbers_and_hindi_pass_unchanged() -> None:
    text = '{"version": 12, "pay": 31000.50, "min": -9223372036854775808, "remarks": "ठीक है"}'
    assert read_json_body(text, is_base64=False) == {
        "version": 12,
        "pay": 31000.5,
        "min": -9223372036854775808,
        "remarks": "ठीक है",
    }


def test_a_base64_body_must_be_utf8_and_within_the_limit() -> None:
    assert read_json_body(base64.b64encode('{"a": "é"}'.encode()).decode(), is_base64=True) == {"a": "é"}
    with pytest.raises(InvalidEncoding):
        read_json_body(base64.b64encode('{"a": "é"}'.encode("latin-1")).decode(), is_base64=True)
    with pytest.raises(InvalidEncoding):
        read_json_body("not base64!", is_base64=True)
    with pytest.raises(BodyTooLarge) as too_large:
        read_json_body(base64.b64encode(b" " * (MAX_BODY_BYTES + 1)).decode(), is_base64=True)
    assert too_large.value.params == {"limit_kb": 256, "size_kb": 257}


def test_an_empty_body_is_no_body() -> None:
    assert read_json_body("", is_base64=False) is None
    assert read_json_body(None, is_base64=False) is None
