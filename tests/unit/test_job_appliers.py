"""The worker's table that picks each work message's applier by the message's kind. Pure: the appliers
are stand-ins that say what they were given."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from reminders.appliers.base import MESSAGE_KINDS, Applier, ApplierTable
from reminders.appliers.wiring import APPLIERS
from reminders.models import GrievanceBatch, JobName, NoticeBatch, ReminderBatch, RequestKey, WorkBatch, WorkResult

NOTICES = NoticeBatch(
    job=JobName.DELIVER_NOTIFICATIONS, programme_id="HR-2026", requests=[RequestKey(pk="request#a", sk="s")]
)


class Named:
    """An applier that says which kind of message it took."""

    def apply(self, batch: Any) -> WorkResult:
        return WorkResult(job=batch.job, action=type(batch).__name__)


def test_every_kind_of_work_message_has_an_applier() -> None:
    assert set(MESSAGE_KINDS) == {WorkBatch, GrievanceBatch, NoticeBatch, ReminderBatch}
    assert set(APPLIERS) == set(MESSAGE_KINDS)


def test_a_table_without_a_kind_is_refused_when_it_is_built() -> None:
    with pytest.raises(ValueError, match="ReminderBatch"):
        ApplierTable({kind: Named for kind in MESSAGE_KINDS if kind is not ReminderBatch})


def test_an_applier_is_built_on_its_kinds_first_message_and_kept() -> None:
    # Given a table whose factories count what they build
    built: list[type[BaseModel]] = []

    def factory(kind: type[BaseModel]) -> Any:
        def build() -> Applier[Any]:
            built.append(kind)
            return Named()

        return build

    table = ApplierTable({kind: factory(kind) for kind in MESSAGE_KINDS})
    # When nothing has been worked yet, then nothing is built
    assert built == []
    # When two notice batches are worked
    table.apply(NOTICES)
    result = table.apply(NOTICES)
    # Then the notice applier alone was built, once, and it did the work
    assert built == [NoticeBatch]
    assert (result.job, result.action) == (JobName.DELIVER_NOTIFICATIONS, "NoticeBatch")
