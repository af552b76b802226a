"""The local HTTP gateway: the template's HttpApi routes served on loopback.

Every request is checked like API Gateway's JWT authorizer would, turned into an HTTP API v2
event and given to the same `lambda_handler` the cloud calls. Built on chalice's threaded local
server; `/_local/*` are the local-only endpoints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer, ThreadedHTTPServer

from core.language import DEFAULT_LANGUAGE
from core.problem_texts import render_problem
from infra.local import logs
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


def gateway_problem(
    status: int, code: str, title: str, detail: str, extra: Mapping[str, Any] | None = None
) -> Response:
    body = {
        **(extra or {}),  # machine members first, as core.http puts them: they never overwrite the standard ones
        "type": f"https://anubandh.example.gov.in/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return json_response(status, body, "application/problem+json")


# API Gateway's HTTP API quotas: request line and headers 10 KB, payload 10 MB.
MAX_HEADER_BYTES = 10 * 1024
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
_SERVER_CODES = {414: "uri_too_long", 431: "headers_too_large", 501: "method_not_allowed"}


def documented_problem(status: int, code: str, **params: Any) -> Response:
    """A gateway answer whose code the API document lists on every route: in the words core.problem_texts
    gives it there, so the gateway and the document never describe one code two ways."""
    words = render_problem(code, "", params, DEFAULT_LANGUAGE)
    return gateway_problem(status, code, words.title, words.detail, extra=params)


# The gateway's own answers (404, 401) carry what the functions' answers carry.
_SAFE_DEFAULTS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


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
        started = time.perf_counter()
        served = _Served()
        response: Response | None = None
        try:
            response = self._dispatch(method.upper(), path, {k.lower(): v for k, v in headers.items()}, body, served)
            response.setdefault("multiValueHeaders", {})
            answer = dict(response.get("headers") or {})
            named = {name.lower() for name in answer}
            defaults = {name: value for name, value in _SAFE_DEFAULTS.items() if name.lower() not in named}
            response["headers"] = {**self._cors, **defaults, **answer}
            return response
        finally:
            logs.access(
                method=method.upper(),
                path=urlsplit(path).path,
                status=int(response.get("statusCode", 200)) if response is not None else 500,
                duration_ms=(time.perf_counter() - started) * 1000,
                role=served.role,
                service=self._runner.service(served.function_id) if served.function_id else logs.LOCAL_SERVICE,
                function=served.function_id or "gateway",
            )

    def _dispatch(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes | None, served: _Served
    ) -> Response:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        local = self._local.get((method, path))
        if local is not None:
            served.role = "local"
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
        served.function_id = match.route.function_id
        claims = None
        if match.route.requires_auth:
            try:
                claims = api_gateway_claims(self._verifier.verify(headers.get("authorization")))
            except InvalidToken as error:
                served.role = "unauthenticated"
                return gateway_problem(401, "unauthenticated", "Sign in first", str(error))
        served.role = logs.caller_role(claims)
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


class _Served:
    """What the access line says beside the status: who called, which function answered."""

    def __init__(self) -> None:
        self.role = "public"
        self.function_id: str | None = None


class GatewayRequestHandler(ChaliceRequestHandler):
    # Without this, keep-alive clients wait on Nagle + delayed ACK: about 20 requests a second.
    disable_nagle_algorithm = True
    # The Server header names no software version (http.server's default shows Python's).
    server_version = "anubandh-local"
    sys_version = ""

    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Any, config: Config) -> None:
        self.local_gateway = app_object  # a TemplateGateway, not a chalice app
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the gateway logs one line per request of its own (infra/local/logs.py)."""

    def _generic_handle(self) -> None:
        refusal = self._refusal()
        if refusal is None:
            super()._generic_handle()
            return
        self.close_connection = True  # the body is left unread: it must not be taken for the next request
        self._send_refusal(refusal)

    # chalice binds these to its own _generic_handle; they must reach the one above.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _send_refusal(self, refusal: Response) -> None:
        self._send_http_response(refusal["statusCode"], {**_SAFE_DEFAULTS, **refusal["headers"]}, refusal["body"])

    def _refusal(self) -> Response | None:
        """What API Gateway refuses before any function runs: a request line and headers over 10 KB
        (431), a body over 10 MB (413, never read into memory), a Content-Length that is no length."""
        header_bytes = len(self.requestline) + sum(len(k) + len(v) + 4 for k, v in self.headers.items())
        if header_bytes > MAX_HEADER_BYTES:
            return documented_problem(431, "headers_too_large")
        length = self.headers.get("content-length", "0").strip()
        if not length.isdigit():
            return gateway_problem(400, "bad_request", "Bad request", "Content-Length must be a number of bytes.")
        if int(length) > MAX_PAYLOAD_BYTES:
            size_kb = -(-int(length) // 1024)
            return documented_problem(413, "body_too_large", limit_kb=MAX_PAYLOAD_BYTES // 1024, size_kb=size_kb)
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a request line over 64 KB, 100+ headers, bad syntax) in the
        problem+json every other answer uses, not its HTML page."""
        self.close_connection = True
        # A line it could not parse leaves http.server at HTTP/0.9, which has no status line or headers.
        self.request_version = "HTTP/1.1"
        if code in (414, 431):  # codes the document lists on every route
            self._send_refusal(documented_problem(code, _SERVER_CODES[code]))
            return
        title = message or "Bad request"
        self._send_refusal(gateway_problem(code, _SERVER_CODES.get(code, "bad_request"), title, explain or title))

    def __getattr__(self, name: str) -> Any:
        # http.server answers a method it has no do_<METHOD> for with an HTML 501 of its own; every
        # method goes to the gateway instead, which answers 405 or 404 as problem+json.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)


class GatewayServer(ThreadedHTTPServer):
    # socketserver's default backlog of 5 resets connections when 50 phones connect at once.
    request_queue_size = 1024
    daemon_threads = True


def serve(gateway: TemplateGateway, host: str, port: int) -> LocalDevServer:
    # daemon_threads: a request still waiting on moto must not keep the process alive once told to stop.
    return LocalDevServer(gateway, Config(), host, port, handler_cls=GatewayRequestHandler, server_cls=GatewayServer)
