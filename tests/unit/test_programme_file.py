"""`anubandh programme init` reads programme.json: every problem named with where it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli_errors import LocalFileProblem
from infra.local.seed import PROGRAMME
from infra.programmes import read_programme_file

SAMPLE = Path(__file__).resolve().parents[2] / "infra" / "samples" / "programme.json"


def test_the_sample_is_the_local_demo_programme() -> None:
    assert read_programme_file(SAMPLE) == PROGRAMME


def test_every_problem_of_the_file_is_named_with_its_place(tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["acknowledgement_prefix"] = "hr-26"
    data["registration"]["closes_at"] = "2026-01-31T23:59:59"  # no offset
    data["ddo_codes"].append("DDO-12")
    data["surprise"] = True
    path = tmp_path / "programme.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(LocalFileProblem) as refused:
        read_programme_file(path)

    message = str(refused.value)
    assert "4 problem(s)" in message and "infra/samples/programme.json" in message
    for where in ("acknowledgement_prefix:", "registration.closes_at:", "ddo_codes.", "surprise: Extra inputs"):
        assert where in message, where


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b'{"programme_id": "HR-2026",', "not JSON: Expecting"),
        ("{}".encode("utf-16"), "not UTF-8"),
    ],
)
def test_a_file_that_is_not_json_says_where(tmp_path: Path, content: bytes, complaint: str) -> None:
    path = tmp_path / "programme.json"
    path.write_bytes(content)
    with pytest.raises(LocalFileProblem, match=complaint):
        read_programme_file(path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LocalFileProblem, match="no such file"):
        read_programme_file(tmp_path / "nope.json")
