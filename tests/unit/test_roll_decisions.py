"""A DDO's or HoD's decisions on mobile-correction requests (roll.service.RollService), against small
in-memory fakes of the stores and recorder it is typed with (core.store.protocols): what one decision
writes in its one recorded change, and what a queue page shows. No I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from core.audit import Actor, AuditEvent
from core.auth import Principal, Role
from core.certified_mobile import CertifiedMobile
from core.clock import IST, SettableClock
from core.corrections import Claim, Correction, CorrectionDecision, CorrectionStatus, Office
from core.errors import Forbidden
from core.notices import Contact
from core.store.corrections import DDO_QUEUE
from core.store.dynamo import Page, TxItem
from core.store.protocols import (
    ChainLinks,
    CorrectionChanges,
    CorrectionCounters,
    Corrections,
    NotificationRequests,
    RollCertifications,
)
from core.store.roll import RollEntry
from roll.service import RollService
from tests.factories import PROGRAMME_ID, roll_entry

NOW = datetime(2026, 1, 20, 11, 0, tzinfo=IST)
OLD, NEW = "9812345678", "9876501234"
DDO = Principal(sub="sub-ddo", username="ddo-pkl", roles=frozenset({Role.DDO}), ddo_code="DDO-PKL-001")
REMARKS = "Checked with the office's service book"


def correction(employee_code: str = "EMP-0001", correction_id: str = "COR-1") -> Correction:
    return Correction(
        correction_id=correction_id,
        employee_code=employee_code,
        office=Office(programme_id=PROGRAMME_ID, ddo_code="DDO-PKL-001", department="Health", district="Panchkula"),
        status=CorrectionStatus.PENDING,
        claim=Claim(date_of_birth=datetime(1988, 4, 12).date(), family_id="FAM12345", mobile=NEW),
        opened_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1),
        version=1,
    )


class FakeRoll(RollCertifications):
    def __init__(self, *entries: RollEntry) -> None:
        self.by_code = {e.employee_code: e for e in entries}

    def get(self, employee_code: str, programme_id: str) -> RollEntry | None:
        return self.by_code.get(employee_code)

    def entries(self, codes: Sequence[str], programme_id: str) -> dict[str, RollEntry]:
        return {code: self.by_code[code] for code in codes if code in self.by_code}

    def certify_mobile(self, entry: RollEntry, certified: CertifiedMobile, *, event_head: str) -> TxItem:
        return TxItem(name="roll", operation="Update", request={"mobile": certified.mobile, "version": entry.version})


class FakeCorrections(Corrections):
    def __init__(self, *pending: Correction, last_key: dict[str, Any] | None = None) -> None:
        self.by_id = {c.correction_id: c for c in pending}
        self.last_key = last_key
        self.queues: list[tuple[str, str, int, dict[str, Any] | None]] = []

    def get(self, correction_id: str) -> Correction | None:
        return self.by_id.get(correction_id)

    def pending_id(self, programme_id: str, employee_code: str) -> str | None:
        raise AssertionError("not in these tests")

    def queue(self, *, index: str, partition: str, limit: int, start: dict[str, Any] | None) -> Page[Correction]:
        self.queues.append((index, partition, limit, start))
        return Page(items=list(self.by_id.values()), last_key=self.last_key)

    def commit_direct(self, programme_id: str, employee_code: str, writes: Sequence[TxItem]) -> None:
        raise AssertionError("not in these tests")


class FakeEvents(ChainLinks):
    def history(self, entity: str) -> list[AuditEvent]:
        raise AssertionError("a decision reads no history")

    def append(self, event: AuditEvent, *, record: str) -> TxItem:
        return TxItem(name="event", operation="Put", request={"type": event.type, "seq": event.seq})


class FakeCounters(CorrectionCounters):
    def __init__(self, pending: int) -> None:
        self.pending = pending
        self.asked: list[tuple[str, str]] = []

    def totals(self, *, kind: str, programme_id: str, scope: str, value: str) -> dict[str, int]:
        self.asked.append((scope, value))
        return {"PENDING": self.pending}

    def transition(
        self,
        *,
        kind: str,
        programme_id: str,
        shard_key: str,
        before: tuple[Mapping[str, str], Collection[str]] | None,
        after: tuple[Mapping[str, str], Collection[str]],
    ) -> list[TxItem]:
        raise AssertionError("a decision's counters move with its recorded change")


class FakeNotices(NotificationRequests):
    def request(
        self,
        *,
        entity: str,
        seq: int,
        recipient: str,
        template: str,
        data: dict[str, Any],
        at: datetime,
        index: int = 0,
        contact: Contact | None = None,
    ) -> TxItem:
        to = contact.mobile if contact else None
        return TxItem(name="notice", operation="Put", request={"template": template, "to": to, "data": data})


class FakeRecorder(CorrectionChanges):
    """Keeps each change it is asked to record; stores it at the next version."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []

    def record(
        self,
        *,
        before: Correction | None,
        after: Correction,
        event_type: str,
        actor: Actor,
        at: datetime,
        data: dict[str, Any] | None = None,
        reason: str | None = None,
        extra: Sequence[TxItem] = (),
    ) -> Correction:
        self.changes.append({"after": after, "event_type": event_type, "data": data, "extra": list(extra)})
        return after.model_copy(update={"version": after.version + 1})


def service(
    roll: FakeRoll, corrections: FakeCorrections, counters: FakeCounters, recorder: FakeRecorder
) -> RollService:
    clock = SettableClock()
    clock.set(NOW, frozen=True)
    return RollService(
        programme_id=PROGRAMME_ID,
        roll=roll,
        corrections=corrections,
        events=FakeEvents(),
        counters=counters,
        notifications=FakeNotices(),
        recorder=recorder,
        clock=clock,
    )


def test_an_approval_changes_the_rolls_mobile_and_tells_both_numbers_in_one_change() -> None:
    # Given a pending request of the DDO's employee, whose roll entry was never corrected
    recorder = FakeRecorder()
    roll = service(FakeRoll(roll_entry(mobile=OLD)), FakeCorrections(correction()), FakeCounters(1), recorder)
    # When the DDO approves it at the version they read
    outcome = roll.decide(DDO, "COR-1", decision=CorrectionDecision.APPROVE, remarks=f"  {REMARKS} ", version=1)
    # Then one change is recorded: the request approved by the DDO, with the roll entry's new mobile, the
    # next link of the entry's chain and one SMS to each number (both masked), in that change's transaction
    (change,) = recorder.changes
    after: Correction = change["after"]
    assert (change["event_type"], after.status) == ("correction.approved", CorrectionStatus.APPROVED)
    ruling = after.ruling
    assert ruling is not None
    assert (ruling.decided_by, ruling.decided_role, ruling.remarks) == (DDO.actor_id, Role.DDO, REMARKS)
    told = {"employee_code": "EMP-0001", "old_mobile": "98******78", "new_mobile": "98******34", "day": "20-01-2026"}
    assert [(item.name, item.request) for item in change["extra"]] == [
        ("roll", {"mobile": NEW, "version": 0}),
        ("event", {"type": "roll.mobile_corrected", "seq": 1}),
        ("notice", {"template": "mobile_changed_old", "to": OLD, "data": told}),
        ("notice", {"template": "mobile_changed_new", "to": NEW, "data": told}),
    ]
    # And the answer gives the request as stored and the roll entry's new version
    assert (outcome.correction.version, outcome.roll_version) == (2, 1)
    assert change["data"] == {"decision": "approve", "roll_version": 1}


def test_a_rejection_leaves_the_roll_alone_and_tells_the_rolls_number_why() -> None:
    # Given a pending request, and a roll that would show any read or change
    recorder = FakeRecorder()
    roll = service(FakeRoll(), FakeCorrections(correction()), FakeCounters(1), recorder)
    # When the DDO rejects it
    outcome = roll.decide(DDO, "COR-1", decision=CorrectionDecision.REJECT, remarks=REMARKS, version=1)
    # Then the recorded change writes only the notice to the employee (sent to the roll's number), with the
    # claimed number masked and the remarks as the reason
    (change,) = recorder.changes
    assert (change["event_type"], change["after"].status) == ("correction.rejected", CorrectionStatus.REJECTED)
    assert [(item.name, item.request) for item in change["extra"]] == [
        (
            "notice",
            {
                "template": "mobile_correction_rejected",
                "to": None,
                "data": {"employee_code": "EMP-0001", "new_mobile": "98******34", "remarks": REMARKS},
            },
        )
    ]
    assert outcome.roll_version is None


def test_a_ddos_queue_pairs_each_request_with_its_roll_entry_and_counts_the_pending_on_the_first_page() -> None:
    # Given two pending requests of the DDO's office, one of an employee no longer on the roll
    entry = roll_entry()
    corrections = FakeCorrections(correction(), correction("EMP-0404", "COR-2"), last_key={"pk": "COR-2"})
    counters = FakeCounters(pending=7)
    roll = service(FakeRoll(entry), corrections, counters, FakeRecorder())
    # When the DDO reads the first page, and then the next
    first = roll.queue(DDO, 2, None)
    later = roll.queue(DDO, 2, {"pk": "COR-2"})
    # Then both pages come from the DDO's own queue, each request beside its roll entry as it stands
    assert corrections.queues == [(DDO_QUEUE, "DDO-PKL-001", 2, None), (DDO_QUEUE, "DDO-PKL-001", 2, {"pk": "COR-2"})]
    assert [(i.correction.correction_id, i.roll) for i in first.items] == [("COR-1", entry), ("COR-2", None)]
    assert first.last_key == {"pk": "COR-2"}
    # And only the first page carries the queue's total, read from the DDO's counters once
    assert (first.pending, later.pending) == (7, None)
    assert counters.asked == [("ddo", "DDO-PKL-001")]


def test_a_caller_with_no_queue_is_refused_before_any_read() -> None:
    # Given an officer (grievances only), and stores that note any read
    corrections = FakeCorrections(correction())
    counters = FakeCounters(pending=1)
    officer = Principal(sub="sub-o", username="officer", roles=frozenset({Role.OFFICER}), unit="GRV-PKL-L1")
    # When they ask for a correction queue, then they are refused, and nothing was read
    with pytest.raises(Forbidden):
        service(FakeRoll(), corrections, counters, FakeRecorder()).queue(officer, 10, None)
    assert (corrections.queues, counters.asked) == ([], [])
