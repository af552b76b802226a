"""The local HTTP gateway: the template's HttpApi routes served on loopback.

Every request is checked like API Gateway's JWT authorizer would, turned into an HTTP API v2
event and given to the same `lambda_handler` the cloud calls. Built on chalice's threaded local
server; `/_local/*` are the local-only endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer

from infra.local.auth import InvalidToken, JwtVerifier
from infra.local.events import api_gateway_claims, http_api_event
from infra.local.functions import FunctionRunner
from infra.local.routing import RouteTable

Response = dict[str, Any]
LocalEndpoint = Callable[[str, Mapping[str, str], bytes | None], Response]


def json_response(status: int, body: Any, content_type: str = "application/json") -> Response:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_type},
        "multiValueHeaders": {},
        "body": json.dumps(body),
    }


def gateway_problem(status: int, code: str, title: str, detail: str) -> Response:
    body = {
        "type": f"https://anubandh.example.gov.in/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return json_response(status, body, "application/problem+json")


class TemplateGateway:
    """What chalice's request handler calls: `handle_request(method, path, headers, body)`."""

    def __init__(
        self,
        *,
        routes: RouteTable,
        runner: FunctionRunner,
        verifier: JwtVerifier,
        cors_headers: Mapping[str, str],
        local_endpoints: Mapping[tuple[str, str], LocalEndpoint],
    ) -> None:
        self._routes = routes
        self._runner = runner
        self._verifier = verifier
        self._cors = dict(cors_headers)
        self._local = dict(local_endpoints)

    def handle_request(self, method: str, path: str, headers: Mapping[str, str], body: bytes | None) -> Response:
        response = self._dispatch(method.upper(), path, {k.lower(): v for k, v in headers.items()}, body)
        response.setdefault("multiValueHeaders", {})
        response["headers"] = {**self._cors, **(response.get("headers") or {})}
        return response

    def _dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes | None) -> Response:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        local = self._local.get((method, path))
        if local is not None:
            return local(parts.query, headers, body)
        if method == "OPTIONS" and self._routes.methods_for(path):  # CORS preflight, answered by the gateway
            return {"statusCode": 204, "headers": {}, "body": None}
        match = self._routes.match(method, path)
        if match is None and self._routes.methods_for(path):
            allowed = ", ".join(sorted(self._routes.methods_for(path)))
            refusal = gateway_problem(
                405, "method_not_allowed", "Method not allowed", f"{path} answers {allowed}; send one of those."
            )
            refusal["headers"]["Allow"] = allowed
            return refusal
        if match is None:
            return gateway_problem(404, "route_not_found", "No such route", f"{method} {path} is not in the API.")
        claims = None
        if match.route.requires_auth:
            try:
                claims = api_gateway_claims(self._verifier.verify(headers.get("authorization")))
            except InvalidToken as error:
                return gateway_problem(401, "unauthenticated", "Sign in first", str(error))
        event = http_api_event(
            method=method,
            route=match.route.path,
            path=path,
            path_parameters=match.parameters,
            query=parts.query,
            headers=headers,
            body=body,
            claims=claims,
        )
        result = self._runner.invoke(match.route.function_id, match.route.handler, event)
        return {
            "statusCode": result.get("statusCode", 200),
            "headers": dict(result.get("headers") or {}),
            "multiValueHeaders": {"Set-Cookie": result["cookies"]} if result.get("cookies") else {},
            "body": result.get("body"),
            "isBase64Encoded": result.get("isBase64Encoded", False),
        }


class GatewayRequestHandler(ChaliceRequestHandler):
    # Without this, keep-alive clients wait on Nagle + delayed ACK: about 20 requests a second.
    disable_nagle_algorithm = True

    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Any, config: Config) -> None:
        self.local_gateway = app_object  # a TemplateGateway, not a chalice app
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet by default: the handlers log structured lines of their own."""

    def __getattr__(self, name: str) -> Any:
        # http.server answers a method it has no do_<METHOD> for with an HTML 501 of its own; every
        # method goes to the gateway instead, which answers 405 or 404 as problem+json.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)


def serve(gateway: TemplateGateway, host: str, port: int) -> LocalDevServer:
    return LocalDevServer(gateway, Config(), host, port, handler_cls=GatewayRequestHandler)
