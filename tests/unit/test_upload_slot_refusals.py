"""Why a registration takes no upload slot (register.service.RegistrationService.request_upload), decided
from the store's SlotRefused model: an in-memory fake of core.store.protocols.RegistrationSlots stands in
for the table, so the service is seen to handle no DynamoDB item. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from core.auth import Principal, Role
from core.clock import SettableClock
from core.errors import DomainError, Forbidden, InvalidState, NotFound, RegistrationClosed, VerificationClosed
from core.programme import DocumentType, Programme
from core.registration import ContentType, Document, Registration, RegistrationStatus
from core.store.protocols import Programmes, RegistrationSlots
from core.store.registrations import SlotRefused
from register.service import RegistrationService
from tests.factories import DURING_REGISTRATION, PROGRAMME_ID, programme

OWNER = Principal(sub="sub-emp-0001", username="emp-0001", roles=frozenset({Role.EMPLOYEE}), employee_code="EMP-0001")


class FakeProgrammes(Programmes):
    def get(self, programme_id: str) -> Programme:
        return programme()


class FakeSlots(RegistrationSlots):
    """Refuses every slot as `refused` says (None: takes it), and keeps what it was asked."""

    def __init__(self, refused: SlotRefused | None) -> None:
        self.refused = refused
        self.asked: list[tuple[str, str, list[RegistrationStatus]]] = []

    def get(self, registration_id: str) -> Registration | None:
        raise AssertionError("a slot is requested in one round trip, without a read")

    def add_pending_document(
        self,
        registration_id: str,
        document: Document,
        *,
        owner_sub: str,
        allowed_statuses: Sequence[RegistrationStatus],
    ) -> SlotRefused | None:
        self.asked.append((registration_id, owner_sub, list(allowed_statuses)))
        return self.refused


class FakeUploads:
    def grant(self, slot: Document, *, now: Any, expires_at: Any) -> str:
        return f"grant for {slot.object_key}"


def service(slots: FakeSlots) -> RegistrationService:
    clock = SettableClock()
    clock.set(DURING_REGISTRATION, frozen=True)
    unused: Any = None  # reads, the recorder, signing and proofs play no part in a slot
    uploads: Any = FakeUploads()
    return RegistrationService(
        programme_id=PROGRAMME_ID,
        programmes=FakeProgrammes(),
        roll=unused,
        registrations=slots,
        events=unused,
        recorder=unused,
        uploads=uploads,
        signer=unused,
        clock=clock,
        prover=unused,
    )


def request(slots: FakeSlots) -> tuple[Document, Any]:
    return service(slots).request_upload(OWNER, "REG-1", DocumentType.PAY_PROOF, ContentType.PDF, 1000)


def test_a_slot_the_store_takes_is_granted_after_one_conditioned_write() -> None:
    # Given a store that takes the slot, during the registration window
    slots = FakeSlots(refused=None)
    # When the owner asks for one
    document, grant = request(slots)
    # Then the store was asked once, for the owner's record while it is a draft or sent back, and the URL follows
    assert slots.asked == [("REG-1", OWNER.sub, [RegistrationStatus.DRAFT, RegistrationStatus.SENT_BACK])]
    assert grant == f"grant for {document.object_key}"


@pytest.mark.parametrize(
    ("refused", "error", "reason"),
    [
        (SlotRefused(found=False), NotFound, ""),
        (SlotRefused(found=True, owner_sub="sub-someone-else", status="DRAFT"), Forbidden, "not_owner_upload"),
        (SlotRefused(found=True, owner_sub=OWNER.sub, status="DRAFT"), RegistrationClosed, ""),
        (SlotRefused(found=True, owner_sub=OWNER.sub, status="SENT_BACK"), VerificationClosed, "corrections"),
        (SlotRefused(found=True, owner_sub=OWNER.sub, status="SUBMITTED"), InvalidState, "not_editable"),
    ],
)
def test_a_refused_slot_says_why_from_the_record_as_the_store_found_it(
    refused: SlotRefused, error: type[DomainError], reason: str
) -> None:
    # Given a store that refuses the slot, finding the record as given
    # When the owner asks for one, then the answer says why, and no URL is granted
    with pytest.raises(error) as raised:
        request(FakeSlots(refused))
    assert raised.value.reason == reason
