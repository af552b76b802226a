"""The committed OpenAPI document is what the code describes (`make openapi` rebuilds it)."""

from __future__ import annotations

from infra.openapi import OUTPUT, render


def test_committed_document_matches_the_code() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `make openapi` and commit the result"
