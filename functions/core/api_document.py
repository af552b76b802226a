"""The whole API's OpenAPI document (built by `make openapi` from every function) and its Swagger UI.

Powertools' Swagger UI package loads its OpenAPI models (about 50 ms of a cold start), so it is
imported on the first GET /docs only, never when the register function starts.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

_DOCUMENT = Path(__file__).with_name("openapi.json")


@lru_cache(maxsize=1)
def openapi_json() -> str:
    return _DOCUMENT.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def swagger_html() -> str:
    from aws_lambda_powertools.event_handler.openapi import swagger_ui  # noqa: PLC0415 - /docs only
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html  # noqa: PLC0415

    # The UI's script and style are inlined from Powertools' bundle: no CDN, works offline.
    bundle = Path(swagger_ui.__file__).parent
    return generate_swagger_html(
        openapi_json().replace("</", "<\\/"),
        (bundle / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (bundle / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
        False,
    )


@lru_cache(maxsize=1)
def swagger_headers() -> dict[str, str]:
    """A page that runs only its own two inline scripts (by hash), loads nothing from elsewhere,
    calls only this API, and may not be framed."""
    scripts = re.findall(r"<script>(.*?)</script>", swagger_html(), flags=re.DOTALL)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'" for script in scripts
    )
    policy = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {"Content-Security-Policy": policy, "X-Frame-Options": "DENY"}
