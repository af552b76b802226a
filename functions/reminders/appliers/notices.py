"""Telling people: a reminder job's recipients, and the outbox's requests, each sent through the
ledger (core.delivery), so a rerun sends nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.clock import IST, Clock
from core.delivery import Deliverer
from core.observability import logger
from reminders.models import NoticeBatch, ReminderBatch, WorkResult

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import NoticeOutbox, Programmes


class ReminderSender:
    """Takes a ReminderBatch: whom to remind, in one campaign, on one day."""

    def __init__(self, *, programmes: Programmes, deliverer: Deliverer, clock: Clock) -> None:
        self._programmes = programmes
        self._deliverer = deliverer
        self._clock = clock

    def apply(self, batch: ReminderBatch) -> WorkResult:
        """Each recipient once per campaign, channel and day: the ledger makes a rerun send nothing."""
        programme = self._programmes.get(batch.programme_id)
        now = self._clock.now()
        done: list[str] = []
        skipped: list[str] = []
        for item in batch.items:
            outcome = self._deliverer.deliver(
                programme=programme,
                recipient=item.recipient,
                campaign=batch.campaign,
                template_code=batch.template,
                data=dict(item.data),
                day=batch.day,
                now=now,
            )
            (done if outcome.sent else skipped).append(item.recipient)
        return WorkResult(job=batch.job, action="remind", done=done, skipped=skipped)


class NoticeDelivery:
    """Takes a NoticeBatch: outbox requests to send."""

    def __init__(
        self, *, programmes: Programmes, notifications: NoticeOutbox, deliverer: Deliverer, clock: Clock
    ) -> None:
        self._programmes = programmes
        self._notifications = notifications
        self._deliverer = deliverer
        self._clock = clock

    def apply(self, batch: NoticeBatch) -> WorkResult:
        """Sends each request still undelivered; the ledger makes a second delivery send nothing."""
        programme = self._programmes.get(batch.programme_id)
        now = self._clock.now()
        done: list[str] = []
        skipped: list[str] = []
        for key in batch.requests:
            request = self._notifications.get_request(key.pk, key.sk)
            name = f"{key.pk}#{key.sk}"
            if request is None:
                skipped.append(name)  # delivered already (a duplicate message or a rerun)
                continue
            outcome = self._deliverer.deliver(
                programme=programme,
                recipient=request.recipient,
                campaign=name,
                template_code=request.template,
                data=request.data,
                # The request's own day: a retry after midnight must find the same ledger entry.
                day=datetime.fromisoformat(request.requested_at).astimezone(IST).date().isoformat(),
                now=now,
                contact=request.contact,
            )
            if outcome.reason:
                logger.warning("notification not deliverable", extra={"request": name, "reason": outcome.reason})
            self._notifications.mark_delivered(
                key.pk, key.sk, at=now, outcome="DELIVERED" if outcome.delivered else "UNDELIVERABLE"
            )
            done.append(name)
        return WorkResult(job=batch.job, action="deliver", done=done, skipped=skipped)
