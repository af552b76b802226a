"""The one OpenAPI document of the whole HTTP API, merged from every HTTP function's resolver.

Each function has its own resolver; none may import another's folder. So the merged document is
built here, from the template's routes, and committed as functions/core/openapi.json, which the
register function serves at /openapi.json and /docs. `make openapi` rebuilds it; a test fails
when the committed file and the code disagree.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import infra.local  # noqa: F401 - puts functions/ on the import path, as Lambda does
from core.http import BODY_PROBLEMS, EVERY_ROUTE_PROBLEMS, PROBLEM_JSON, PROBLEM_SCHEMA, problem_entry, problems_line
from infra.local.template import http_routes, load_template

OUTPUT = Path(__file__).resolve().parents[1] / "functions" / "core" / "openapi.json"
TITLE = "Anubandh API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Registration, DDO verification, grievances and deadlines for contractual employees. "
    "Errors are RFC 9457 application/problem+json with a stable `code`."
)


def build() -> dict[str, Any]:
    routes = http_routes(load_template())
    modules = sorted({route.handler.rpartition(".")[0] for route in routes})
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {"cognitoJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"cognitoJwt": []}],
    }
    for module in modules:
        app = importlib.import_module(module).app
        schema = app.get_openapi_schema(title=TITLE, version=VERSION).model_dump(
            by_alias=True, exclude_none=True, mode="json"
        )
        schema = _own_names(schema, merged["components"]["schemas"], prefix=module.split(".")[0].title())
        for path, item in schema.get("paths", {}).items():
            merged["paths"].setdefault(path, {}).update(item)
        merged["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    for route in routes:  # the template decides what is public: those operations need no token
        operation = merged["paths"].get(route.path, {}).get(route.method.lower())
        if operation is not None and not route.requires_auth:
            operation["security"] = []
    _shared_resolver_answers(merged)
    merged["paths"] = dict(sorted(merged["paths"].items()))
    merged["components"]["schemas"] = dict(sorted(merged["components"]["schemas"].items()))
    return merged


def _own_names(schema: dict[str, Any], merged: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A function's document with its models renamed `<Function><Model>` where another function already
    has a different model of that name (roll's and verify's DecisionBody, say): merged under one name,
    one route would be documented with the other's model."""
    for _ in range(10):  # a rename changes the refs inside other models: until nothing collides
        own = schema.get("components", {}).get("schemas", {})
        clashes = [name for name, definition in own.items() if name in merged and merged[name] != definition]
        if not clashes:
            return schema
        text = json.dumps(schema)
        for name in clashes:
            text = text.replace(f'"#/components/schemas/{name}"', f'"#/components/schemas/{prefix}{name}"')
        schema = json.loads(text)
        schemas = schema["components"]["schemas"]
        for name in clashes:  # generators name a model by its title
            schemas[name]["title"] = f"{prefix}{name}"
        schema["components"]["schemas"] = {(f"{prefix}{k}" if k in clashes else k): v for k, v in schemas.items()}
    raise RuntimeError(f"{prefix}: model names keep colliding")


def _shared_resolver_answers(document: dict[str, Any]) -> None:
    """What core.http's resolver answers whatever the route declares. Powertools documents its own
    422 (HTTPValidationError as application/json, which the server never sends) on every operation:
    dropped, since each route declares `validation_error` as problem+json where it has input. The
    resolver's own problems (core.http BODY_PROBLEMS on every operation with a body, EVERY_ROUTE_PROBLEMS
    on all) join each operation's responses and its description's **Problems:** line."""
    for item in document["paths"].values():
        for operation in item.values():
            responses = operation["responses"]
            if PROBLEM_JSON not in responses.get("422", {}).get("content", {}):
                responses.pop("422", None)
            by_status = {
                int(status): set(re.findall(r"`([a-z_]+)`", response["description"]))
                for status, response in responses.items()
                if PROBLEM_JSON in response.get("content", {})
            }
            shared = {**EVERY_ROUTE_PROBLEMS, **(BODY_PROBLEMS if "requestBody" in operation else {})}
            for status, codes in shared.items():
                by_status.setdefault(status, set()).update(codes)
                responses[str(status)] = problem_entry(by_status[status])
            operation["responses"] = dict(sorted(responses.items()))
            line = problems_line(by_status)
            operation["description"] = re.sub(
                r"^\*\*Problems:\*\* .*$", lambda _, line=line: line, operation["description"], flags=re.M
            )
    # Powertools' own validation models are then referenced by nothing: drop them (a client generator
    # would otherwise type answers this API never sends).
    schemas = document["components"]["schemas"]
    schemas["Problem"] = PROBLEM_SCHEMA  # one model for every error answer
    for unused in ("HTTPValidationError", "ResponseValidationError", "ValidationError"):
        others = {name: schema for name, schema in schemas.items() if name != unused}
        if f"#/components/schemas/{unused}" not in json.dumps([document["paths"], others]):
            schemas.pop(unused, None)


def render() -> str:
    return json.dumps(build(), indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def main() -> int:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")  # noqa: T201 - a command-line tool
    return 0


if __name__ == "__main__":
    sys.exit(main())
