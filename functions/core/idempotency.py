"""Idempotency-Key handling with Powertools idempotency, scoped to caller and operation.

A retried request with the same key gets the first answer back; the same key with a different
body is refused; a concurrent duplicate is refused while the first is still running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from core import aws_faults
from core.observability import logger
from core.settings import IdempotentFunctionSettings

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient


class _AnswerFirst(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB store, except that a failure to keep the answer of an action that is done
    does not turn the done change into an error (Powertools would raise, and the client would be told
    to retry a change that was made). The client gets its answer; the key's record stays in progress
    until the invocation's time is up, and a retry after that finds the change made (the route's own
    refusal, such as 409 `registration_exists`), never a second change."""

    def save_success(self, data: dict[str, Any], result: dict[str, Any]) -> None:
        try:
            super().save_success(data, result)
        except (ClientError, BotoCoreError) as error:
            logger.warning("idempotency: the answer of a done action was not kept", extra=aws_faults.describe(error))


class IdempotentRunner:
    def __init__(self, *, table: str, client: DynamoDBClient, expires_after_seconds: int) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="[caller, operation, key]",
            payload_validation_jmespath="payload",
            expires_after_seconds=expires_after_seconds,
        )
        persistence = _AnswerFirst(table_name=table, boto3_client=client)

        @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=self.config)
        def once(request: dict[str, Any], action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
            return action()

        self._once = once

    @classmethod
    def for_function(cls, settings: IdempotentFunctionSettings, client: DynamoDBClient) -> IdempotentRunner:
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
