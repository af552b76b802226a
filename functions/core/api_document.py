"""The whole API's OpenAPI document (built by `make openapi` from every function) and its Swagger UI."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

_DOCUMENT = Path(__file__).with_name("openapi.json")
_SWAGGER = Path(swagger_ui.__file__).parent


@lru_cache(maxsize=1)
def openapi_json() -> str:
    return _DOCUMENT.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def swagger_html() -> str:
    # The UI's script and style are inlined from Powertools' bundle: no CDN, works offline.
    return generate_swagger_html(
        openapi_json().replace("</", "<\\/"),
        (_SWAGGER / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (_SWAGGER / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
        False,
    )
