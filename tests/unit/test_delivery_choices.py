"""Which channels a notification goes out on, and what its ledger keeps (core.delivery.Deliverer), against
small in-memory fakes of what it is typed with (core.store.protocols.NoticeLedger, RollEntries, and the
senders' core.delivery.SmsSending, EmailSending). No I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from core.clock import IST
from core.delivery import Channel, Deliverer, EmailSending, SmsSending
from core.errors import Busy
from core.notices import Contact, NoticePolicy, RenderedNotice
from core.store.notifications import Claim, LedgerKey
from core.store.protocols import NoticeLedger, RollEntries
from core.store.roll import RollEntry
from tests.factories import programme, roll_entry

NOW = datetime(2026, 1, 20, 11, 0, tzinfo=IST)
DAY = "2026-01-20"
DDO_CONTACT = Contact(mobile="9811122233", email="ddo.pkl@example.gov.in")


class FakeLedger(NoticeLedger):
    """The ledger's entries by key: "claimed", then "sent" once confirmed; `held` are claimed by another sender."""

    def __init__(self, *, sent: tuple[LedgerKey, ...] = (), held: tuple[LedgerKey, ...] = ()) -> None:
        self.entries: dict[LedgerKey, str] = {key: "sent" for key in sent} | {key: "claimed" for key in held}
        self.records: dict[LedgerKey, dict[str, Any]] = {}
        self.released: list[LedgerKey] = []

    def claim(self, key: LedgerKey, *, at: datetime, record: dict[str, Any]) -> Claim:
        if key in self.entries:
            return Claim.SENT if self.entries[key] == "sent" else Claim.IN_FLIGHT
        self.entries[key] = "claimed"
        self.records[key] = record
        return Claim.CLAIMED

    def release(self, key: LedgerKey, *, claimed_at: datetime) -> None:
        self.released.append(key)
        del self.entries[key]

    def confirm(self, key: LedgerKey, *, at: datetime, message_id: str) -> None:
        self.entries[key] = "sent"


class FakeRoll(RollEntries):
    def __init__(self, *entries: RollEntry) -> None:
        self.by_code = {e.employee_code: e for e in entries}

    def get(self, employee_code: str, programme_id: str) -> RollEntry | None:
        return self.by_code.get(employee_code)


class FakeSms(SmsSending):
    def __init__(self, *, refuses: bool = False) -> None:
        self.refuses = refuses
        self.sent: list[dict[str, str]] = []

    def send(self, *, mobile: str, text: str, sender_id: str, entity_id: str, template_id: str) -> str:
        if self.refuses:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Publish")
        self.sent.append({"mobile": mobile, "text": text, "sender_id": sender_id, "entity_id": entity_id})
        return f"sms-{len(self.sent)}"


class FakeEmail(EmailSending):
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, *, to: str, source: str, notice: RenderedNotice) -> str:
        self.sent.append((to, notice.template))
        return f"email-{len(self.sent)}"


def with_email(entry: RollEntry, email: str) -> RollEntry:
    personal = entry.record.personal.model_copy(update={"email": email})
    return entry.model_copy(update={"record": entry.record.model_copy(update={"personal": personal})})


def key(recipient: str, campaign: str, channel: Channel) -> LedgerKey:
    return LedgerKey(recipient=recipient, campaign=campaign, channel=channel.value, day=DAY)


def test_an_otp_goes_by_sms_alone_to_the_rolls_mobile_and_the_ledger_keeps_it_masked() -> None:
    # Given an employee with a mobile and an e-mail on the roll, and a deployment with its own DLT entity id
    ledger, sms, email = FakeLedger(), FakeSms(), FakeEmail()
    entry = with_email(roll_entry(mobile="9812345678"), "sunita@example.in")
    deliverer = Deliverer(
        notifications=ledger, roll=FakeRoll(entry), sms=sms, email=email, dlt_entity_id="1101000000000000099"
    )
    # When the sign-in OTP is delivered on the SMS channel only
    outcome = deliverer.deliver(
        programme=programme(),
        recipient="employee:EMP-0001",
        campaign="otp#CH-1",
        template_code="sign_in_otp",
        data={"otp": "482913"},
        day=DAY,
        now=NOW,
        channels=(Channel.SMS,),
        secret_fields=frozenset({"otp"}),
    )
    # Then one SMS went to the roll's number, with the OTP, under the deployment's entity id; no e-mail
    assert (outcome.sent, outcome.already_sent, outcome.delivered) == ([Channel.SMS], [], True)
    (sent,) = sms.sent
    assert (sent["mobile"], sent["entity_id"], sent["sender_id"]) == ("9812345678", "1101000000000000099", "ANBNDH")
    assert "482913" in sent["text"]
    assert email.sent == []
    # And the ledger holds the SMS alone, sent, with the number and the OTP masked
    sms_key = key("employee:EMP-0001", "otp#CH-1", Channel.SMS)
    assert ledger.entries == {sms_key: "sent"}
    record = ledger.records[sms_key]
    assert (record["to_masked"], record["dlt_entity_id"]) == ("98******78", "1101000000000000099")
    assert "482913" not in record["text"] and "******" in record["text"]


def test_a_channel_the_ledger_has_sent_is_not_sent_again_and_one_in_flight_is_busy() -> None:
    # Given a DDO with a mobile and an e-mail, whose SMS of this campaign and day went out already
    campaign = "verification-reminders#2026-02-28#T-7"
    ledger = FakeLedger(sent=(key("ddo:DDO-PKL-001", campaign, Channel.SMS),))
    sms, email = FakeSms(), FakeEmail()
    deliverer = Deliverer(notifications=ledger, roll=FakeRoll(), sms=sms, email=email)
    policy = NoticePolicy(contacts={"ddo:DDO-PKL-001": DDO_CONTACT})
    reminder: dict[str, Any] = {
        "programme": programme(notices=policy),
        "recipient": "ddo:DDO-PKL-001",
        "template_code": "verification_reminder",
        "data": {"pending": 4, "days_left": 7},
        "day": DAY,
        "now": NOW,
    }
    # When the reminder is delivered again (a rerun)
    outcome = deliverer.deliver(campaign=campaign, **reminder)
    # Then only the e-mail goes out, to the programme's contact; the SMS counts as delivered already
    assert (outcome.sent, outcome.already_sent) == ([Channel.EMAIL], [Channel.SMS])
    assert (sms.sent, email.sent) == ([], [("ddo.pkl@example.gov.in", "verification_reminder")])
    # When another sender holds the SMS of a campaign (claimed, not yet confirmed), then this one is Busy
    held = FakeLedger(held=(key("ddo:DDO-PKL-001", "other", Channel.SMS),))
    with pytest.raises(Busy):
        Deliverer(notifications=held, roll=FakeRoll(), sms=sms, email=email).deliver(campaign="other", **reminder)
    assert sms.sent == []


def test_an_sms_the_service_refused_gives_its_ledger_claim_back_and_fails() -> None:
    # Given an employee on the roll, and SNS refusing (throttled)
    ledger, sms = FakeLedger(), FakeSms(refuses=True)
    deliverer = Deliverer(notifications=ledger, roll=FakeRoll(roll_entry()), sms=sms, email=None)
    # When a notice is delivered, then the refusal reaches the caller (the work is retried)
    with pytest.raises(ClientError):
        deliverer.deliver(
            programme=programme(),
            recipient="employee:EMP-0001",
            campaign="grievance#G-1#2",
            template_code="grievance_filed",
            data={"number": "HR26-G-ABCDEFGH"},
            day=DAY,
            now=NOW,
        )
    # And the claim was released, so the retry may send at once
    assert (ledger.released, ledger.entries) == ([key("employee:EMP-0001", "grievance#G-1#2", Channel.SMS)], {})


def test_a_recipient_with_no_contact_gets_nothing_and_the_ledger_is_untouched() -> None:
    # Given an employee code that is not on the roll
    ledger, sms = FakeLedger(), FakeSms()
    deliverer = Deliverer(notifications=ledger, roll=FakeRoll(), sms=sms, email=FakeEmail())
    # When a notice is delivered to them
    outcome = deliverer.deliver(
        programme=programme(),
        recipient="employee:EMP-0404",
        campaign="c",
        template_code="grievance_filed",
        data={},
        day=DAY,
        now=NOW,
    )
    # Then nothing is sent or claimed, and the outcome says why
    assert (outcome.delivered, outcome.reason) == (False, "no mobile or e-mail on record")
    assert (ledger.entries, sms.sent) == ({}, [])
