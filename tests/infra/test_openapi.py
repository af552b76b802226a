"""The committed OpenAPI document is what the code describes (`make openapi` rebuilds it), and it is
a contract a client team can build on: every operation says who may call it, what it changes and
which problem codes it answers; idempotent routes document their header; request bodies carry
examples their models accept."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Route

from core import errors
from core.auth import Role
from core.http import status_of
from infra.local.template import http_routes, load_template
from infra.openapi import OUTPUT, render

PROBLEM_JSON = "application/problem+json"
CODES = {
    cls.code: status_of(cls)
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.DomainError) and cls is not errors.DomainError
}
# Answered by core.http's resolver itself: on every route with a body, and (the last resort) on every route.
CODES["unsupported_media_type"] = 415
CODES["internal_error"] = 500  # the last resort, on every route
CODES.update(uri_too_long=414, headers_too_large=431)  # the gateway's, on every route
SIGNED_IN_CODES = {"unauthenticated", "session_revoked", "account_disabled"}
IDEMPOTENCY_CODES = {"request_in_progress", "idempotency_key_reused"}


def test_committed_document_matches_the_code() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `make openapi` and commit the result"


def _document() -> dict[str, Any]:
    return json.loads(OUTPUT.read_text(encoding="utf-8"))


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    operations = [(path, method, op) for path, ops in _document()["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 50  # never a vacuous pass over an empty document
    return operations


def _routes() -> Iterator[tuple[str, str, Route]]:
    """(method, OpenAPI path, Powertools route) of every documented route of every HTTP function."""
    for module in sorted({r.handler.rpartition(".")[0] for r in http_routes(load_template())}):
        app = importlib.import_module(module).app
        for route in [*app._static_routes, *app._dynamic_routes]:
            if route.include_in_schema:
                yield route.method.lower(), route.openapi_path, route


def _problem_codes(operation: dict[str, Any]) -> dict[str, set[str]]:
    """status -> the codes its problem+json response lists (its description: "`code`: title; ...")."""
    codes = {
        status: set(re.findall(r"`([a-z_]+)`", response["description"]))
        for status, response in operation["responses"].items()
        if PROBLEM_JSON in response.get("content", {})
    }
    assert all(codes.values()), operation["responses"]  # every problem response names its codes
    return codes


def _section(description: str, name: str) -> str:
    found = re.search(rf"^\*\*{name}:\*\* (.+)$", description, re.MULTILINE)
    assert found, f"no **{name}:** line"
    return found.group(1)


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


def test_every_operation_says_who_may_call_it_what_it_changes_and_exactly_its_problem_codes() -> None:
    roles = {f"`{role.value}`" for role in Role}
    for path, method, operation in _operations():
        where = (method, path)
        description = operation.get("description", "")
        callers = _section(description, "Callers")
        public = operation.get("security") == []
        assert callers.startswith("public") if public else any(role in callers for role in roles), where
        assert _section(description, "Changes"), where
        listed = set(re.findall(r"`([a-z_]+)`", _section(description, "Problems")))
        by_status = _problem_codes(operation)
        documented = set().union(*by_status.values()) if by_status else set()
        assert listed == documented, (where, listed ^ documented)
        for status, codes in by_status.items():
            # A real code, under the status core.http answers it with.
            assert {code: CODES.get(code) for code in codes} == dict.fromkeys(codes, int(status)), (where, status)
        # The gateway's token check happens before any route code: a signed-in route can answer all three.
        assert documented.isdisjoint(SIGNED_IN_CODES) if public else documented >= SIGNED_IN_CODES, where


def test_validation_error_is_documented_exactly_where_a_request_can_fail_validation() -> None:
    for path, method, operation in _operations():
        validated = "requestBody" in operation or any(
            p["in"] == "query" or (p["in"] == "path" and p["schema"].get("type") != "string")
            for p in operation.get("parameters", [])
        )
        assert ("validation_error" in set().union(*_problem_codes(operation).values())) == validated, (method, path)


def test_every_route_that_honours_idempotency_key_documents_the_header_and_its_problems() -> None:
    # Whether a route honours the key is read from its code, not from the document under test.
    honouring = {(method, path) for method, path, route in _routes() if "@idempotent(" in inspect.getsource(route.func)}
    assert len(honouring) >= 4  # create and submit a registration, decide it, file a grievance
    for path, method, operation in _operations():
        headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
        codes = set().union(*_problem_codes(operation).values())
        documents_it = "idempotency-key" in headers
        assert documents_it == ((method, path) in honouring), (method, path)
        assert (codes >= IDEMPOTENCY_CODES) == documents_it, (method, path)


def test_every_request_body_has_examples_that_its_model_accepts() -> None:
    schemas = _document()["components"]["schemas"]
    operations = {(method, path): op for path, method, op in _operations()}
    checked = 0
    for method, path, route in _routes():
        body = operations[(method, path)].get("requestBody")
        if body is None:
            continue
        model = route.dependant.body_params[0].field_info.annotation
        reference = body["content"]["application/json"]["schema"]["$ref"]
        examples = schemas[reference.rpartition("/")[2]].get("examples", [])
        assert examples, (method, path, "no request example")
        for example in examples:
            model.model_validate_json(json.dumps(example))  # raises if the example is not a valid body
            checked += 1
    assert checked >= 20


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
