"""Feeds SQS messages to the functions the template subscribes to them, as Lambda's poller does.

Partial batch failures leave their messages on the queue; after `maxReceiveCount` receives the
queue's redrive policy moves them to the DLQ, as in the cloud.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core.observability import logger
from infra.local.functions import FunctionRunner
from infra.local.template import SqsSource


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class QueuePoller(threading.Thread):
    def __init__(
        self, *, sqs: Any, source: SqsSource, queue_url: str, queue_arn: str, region: str, runner: FunctionRunner
    ) -> None:
        super().__init__(name=f"poll-{source.queue_id}", daemon=True)
        self._sqs = sqs
        self._source = source
        self._url = queue_url
        self._arn = queue_arn
        self._region = region
        self._runner = runner
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def poll_once(self, wait_seconds: int = 1) -> int:
        """One receive and one invocation; returns how many messages were handled successfully."""
        messages = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=min(10, self._source.batch_size),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        result = self._runner.invoke(
            self._source.function_id,
            self._source.handler,
            sqs_event(messages, self._arn, self._region),
            timeout_seconds=self._source.timeout_seconds,
        )
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(done)

    def backlog(self) -> int:
        """Messages waiting or being worked on (in flight); 0 when the queue has drained."""
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )

    def run(self) -> None:
        failing = False
        while not self._stopping.is_set():
            try:
                self.poll_once()
                failing = False
            except (BotoCoreError, ClientError):  # the moto server restarting, say: try again shortly
                if self._stopping.is_set():
                    return  # shutting down: moto may be gone already, and that is no news
                if not failing:  # once per outage, not once a second
                    logger.warning(
                        "queue poll failed; retrying every second until it works",
                        exc_info=True,
                        extra={"queue": self._source.queue_id},
                    )
                failing = True
                self._stopping.wait(1)


def wait_until_drained(pollers: Sequence[QueuePoller], timeout_seconds: float, interval: float = 0.1) -> bool:
    """True once every poller's queue is empty; False if one is not within the timeout (a failing
    message stays in flight until its visibility timeout, then is retried and dead-lettered)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        if all(poller.backlog() == 0 for poller in pollers):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
