"""Idempotency-Key handling with Powertools idempotency, scoped to caller and operation.

A retried request with the same key gets the first answer back; the same key with a different
body is refused; a concurrent duplicate is refused while the first is still running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.settings import IdempotentFunctionSettings


class IdempotentRunner:
    def __init__(self, *, table: str, client: Any, expires_after_seconds: int) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="[caller, operation, key]",
            payload_validation_jmespath="payload",
            expires_after_seconds=expires_after_seconds,
        )
        persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client)

        @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=self.config)
        def once(request: dict[str, Any], action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
            return action()

        self._once = once

    @classmethod
    def for_function(cls, settings: IdempotentFunctionSettings, client: Any) -> IdempotentRunner:
        return cls(
            table=settings.idempotency_table,
            client=client,
            expires_after_seconds=settings.idempotency_expiry_seconds,
        )

    def register_context(self, context: LambdaContext) -> None:
        self.config.register_lambda_context(context)

    def run(
        self,
        *,
        key: str | None,
        caller: str,
        operation: str,
        payload: dict[str, Any],
        action: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        """`action` must return a JSON-able result: that is what a retry gets back."""
        if key is None:
            return action()
        request = {"caller": caller, "operation": operation, "key": key, "payload": payload}
        result: dict[str, Any] = self._once(request=request, action=action)
        return result
