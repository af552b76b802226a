"""Where moto is less strict than AWS in a way our correctness depends on, make it as strict.

DynamoDB runs each request, and each TransactWriteItems as a whole, in isolation. moto does
not: two concurrent transactions conditioned on the same version can both pass, and a read can
iterate a table while a transaction rewrites it. The local stack, the tests and the bench
serialise moto's DynamoDB requests, which gives DynamoDB's isolation (at moto's speed).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_LOCK = threading.RLock()


def serialize_dynamodb() -> None:
    original = DynamoHandler.call_action
    if getattr(original, "_serialized", False):
        return

    @functools.wraps(original)
    def isolated(self: DynamoHandler, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return original(self, *args, **kwargs)

    isolated._serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = isolated  # type: ignore[method-assign]


def main() -> None:
    """`python -m infra.local.moto_fidelity -H host -p port`: moto's server with isolated DynamoDB requests."""
    from moto.server import main as moto_main  # noqa: PLC0415 - only the server process needs it

    serialize_dynamodb()
    moto_main()


if __name__ == "__main__":
    main()
