"""The committed OpenAPI document is what the code describes (`make openapi` rebuilds it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.local.template import http_routes, load_template
from infra.openapi import OUTPUT, render


def test_committed_document_matches_the_code() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `make openapi` and commit the result"


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def untyped_successes(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The operations without exactly one 2xx whose JSON body is a named model with fields (a 204 has none)."""
    schemas = document.get("components", {}).get("schemas", {})
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            successes = [code for code in operation["responses"] if code.startswith("2")]
            if successes == ["204"]:
                continue
            content = operation["responses"][successes[0]].get("content", {}) if len(successes) == 1 else {}
            reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            if not schemas.get(reference.removeprefix("#/components/schemas/"), {}).get("properties"):
                found.append((method, path))
    return found


def test_every_operation_documents_its_success_and_its_body() -> None:
    assert untyped_successes(json.loads(OUTPUT.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    "success",
    [
        {"200": {"description": "Done"}},  # no content
        {"200": {"description": "Done", "content": {"application/json": {"schema": {}}}}},
        {"200": {"description": "Done", "content": {"application/json": {"schema": {"type": "object"}}}}},
        {
            "201": {
                "description": "Done",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bare"}}},
            }
        },
        {"200": {"description": "A"}, "202": {"description": "B"}},
        {"422": {"description": "Only errors"}},
    ],
)
def test_a_success_without_a_model_is_found(success: dict[str, Any]) -> None:
    document = {"paths": {"/v1/x": {"get": {"responses": success}}}, "components": {"schemas": {"Bare": {}}}}
    assert untyped_successes(document) == [("get", "/v1/x")]


def test_the_public_operations_are_exactly_the_template_s_and_need_no_token() -> None:
    public = {(r.method.lower(), r.path) for r in http_routes(load_template()) if not r.requires_auth}
    for path, method, operation in _operations():
        assert ("security" in operation and operation["security"] == []) == ((method, path) in public), (method, path)


def test_two_functions_models_of_one_name_stay_apart() -> None:
    # Given roll's and verify's DecisionBody (and DecisionResponse), two different models of one name
    document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]

    def body(path: str) -> dict[str, Any]:
        reference = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schemas[reference.removeprefix("#/components/schemas/")]

    # Then each route documents its own: merged under one name, one of them was documented with the other's
    assert "remarks" in body("/v1/roll/corrections/{id}/decision")["required"]
    assert "document_checks" in body("/v1/verifications/{id}/decision")["properties"]
