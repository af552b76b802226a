"""Where moto is less strict than AWS in a way our correctness depends on, make it as strict.

DynamoDB runs each TransactWriteItems in isolation; moto checks the conditions and applies the
writes without a lock, so two concurrent transactions conditioned on the same version can both
pass. The local stack, the tests and the bench serialise moto's transactions, as DynamoDB does.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_LOCK = threading.RLock()


def serialize_transactions() -> None:
    original = DynamoDBBackend.transact_write_items
    if getattr(original, "_serialized", False):
        return

    @functools.wraps(original)
    def isolated(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return original(self, *args, **kwargs)

    isolated._serialized = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = isolated  # type: ignore[method-assign]


def main() -> None:
    """`python -m infra.local.moto_fidelity -H host -p port`: moto's server with isolated transactions."""
    from moto.server import main as moto_main  # noqa: PLC0415 - only the server process needs it

    serialize_transactions()
    moto_main()


if __name__ == "__main__":
    main()
