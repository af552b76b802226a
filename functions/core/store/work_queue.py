"""The SQS work queue between a job's planner and its workers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_sqs.client import SQSClient

SQS_BATCH = 10


class WorkQueueError(Exception):
    """SQS refused some messages of a batch; the planner fails so its schedule retries it."""


class WorkQueue:
    def __init__(self, sqs: SQSClient, url: str) -> None:
        self._sqs = sqs
        self._url = url

    def send(self, bodies: Sequence[dict[str, Any]]) -> int:
        """Sends every body (as JSON), ten to a SendMessageBatch; returns how many were sent."""
        for start in range(0, len(bodies), SQS_BATCH):
            chunk = bodies[start : start + SQS_BATCH]
            response = self._sqs.send_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "MessageBody": json.dumps(body)} for i, body in enumerate(chunk)],
            )
            if response.get("Failed"):
                raise WorkQueueError(f"{len(response['Failed'])} messages were not queued: {response['Failed']}")
        return len(bodies)
