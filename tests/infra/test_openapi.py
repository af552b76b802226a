"""The committed OpenAPI document is what the code describes (`make openapi` rebuilds it)."""

from __future__ import annotations

import json
from typing import Any

from infra.local.template import http_routes, load_template
from infra.openapi import OUTPUT, render


def test_committed_document_matches_the_code() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `make openapi` and commit the result"


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_operation_documents_its_success_and_its_body() -> None:
    for path, method, operation in _operations():
        successes = [code for code in operation["responses"] if code.startswith("2")]
        assert len(successes) == 1, (method, path, successes)
        if successes[0] == "204":
            continue
        schema = operation["responses"][successes[0]]["content"]["application/json"]["schema"]
        assert schema, (method, path)  # a model a client generator can type, not {}


def test_the_public_operations_are_exactly_the_template_s_and_need_no_token() -> None:
    public = {(r.method.lower(), r.path) for r in http_routes(load_template()) if not r.requires_auth}
    for path, method, operation in _operations():
        assert ("security" in operation and operation["security"] == []) == ((method, path) in public), (method, path)
