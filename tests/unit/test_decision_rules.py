"""The decision rules, without AWS: who decides what, when, and with which reasons."""

from __future__ import annotations

from datetime import datetime

import pytest

from core import errors
from core.audit import GENESIS_HASH
from core.auth import Principal, Role
from core.clock import IST
from core.eligibility import assess_eligibility
from core.programme import DocumentType
from core.registration import (
    ContentType,
    Decision,
    Document,
    DocumentCheck,
    DocumentStatus,
    Registration,
    RegistrationStatus,
)
from core.service_record import RollMismatch
from tests import factories
from verify.rules import DecisionRequest, check_decision

PROGRAMME = factories.programme()
IN_WINDOW = datetime(2026, 2, 10, 12, 0, tzinfo=IST)
AFTER = datetime(2026, 3, 1, 0, 0, tzinfo=IST)
REASONS = "The appointment letter is for another post entirely."


def principal(*roles: Role, ddo_code: str | None = None, department: str | None = None) -> Principal:
    return Principal(sub="s", username="u", roles=frozenset(roles), ddo_code=ddo_code, department=department)


DDO = principal(Role.DDO, ddo_code="DDO-PKL-001")
HOD = principal(Role.HOD, department="Health")


def document(doc_type: DocumentType, document_id: str) -> Document:
    return Document(
        document_id=document_id,
        type=doc_type,
        content_type=ContentType.PDF,
        declared_size=10,
        object_key=f"k/{document_id}",
        status=DocumentStatus.UPLOADED,
        requested_at=IN_WINDOW,
        sha256="ab",
    )


def registration(status: RegistrationStatus = RegistrationStatus.SUBMITTED, mismatched: bool = False) -> Registration:
    record = factories.service_record()
    return Registration(
        registration_id="REG-1",
        programme_id="HR-2026",
        employee_code="EMP-0001",
        owner_sub="e",
        ddo_code="DDO-PKL-001",
        department="Health",
        district="Panchkula",
        status=status,
        version=7,
        event_head=GENESIS_HASH,
        roll_record=record,
        record=record,
        roll_mismatches=[RollMismatch(field="family_id", roll_value="A", claimed_value="B")] if mismatched else [],
        eligibility=assess_eligibility(record, PROGRAMME.eligibility, IN_WINDOW.date()),
        created_at=IN_WINDOW,
        updated_at=IN_WINDOW,
        submitted_at=IN_WINDOW,
        documents=[document(DocumentType.PAY_PROOF, "DOC-PAY"), document(DocumentType.OTHER, "DOC-OTHER")],
    )


def request(decision: Decision = Decision.VERIFY, **fields: object) -> DecisionRequest:
    return DecisionRequest(decision=decision, version=7, **fields)  # type: ignore[arg-type]


def test_the_ddo_decides_their_submitted_record_in_the_window() -> None:
    assert check_decision(DDO, registration(), PROGRAMME, IN_WINDOW, request()) == Role.DDO


@pytest.mark.parametrize(
    ("who", "status", "now", "error"),
    [
        (principal(Role.DDO, ddo_code="DDO-PKL-002"), RegistrationStatus.SUBMITTED, IN_WINDOW, errors.Forbidden),
        (DDO, RegistrationStatus.SUBMITTED, AFTER, errors.VerificationClosed),
        (DDO, RegistrationStatus.ESCALATED, AFTER, errors.VerificationClosed),
        (DDO, RegistrationStatus.VERIFIED, IN_WINDOW, errors.InvalidState),
        (HOD, RegistrationStatus.SUBMITTED, IN_WINDOW, errors.Forbidden),
        (principal(Role.HOD, department="Education"), RegistrationStatus.ESCALATED, AFTER, errors.Forbidden),
        (principal(Role.ADMIN), RegistrationStatus.SUBMITTED, IN_WINDOW, errors.Forbidden),
        (principal(Role.EMPLOYEE), RegistrationStatus.SUBMITTED, IN_WINDOW, errors.Forbidden),
    ],
)
def test_who_may_not_decide(who: Principal, status: RegistrationStatus, now: datetime, error: type) -> None:
    with pytest.raises(error):
        check_decision(who, registration(status), PROGRAMME, now, request())


def test_the_hod_decides_escalated_records_after_the_deadline() -> None:
    escalated = registration(RegistrationStatus.ESCALATED)
    assert check_decision(HOD, escalated, PROGRAMME, AFTER, request()) == Role.HOD
    with pytest.raises(errors.DecisionNotAllowed):
        check_decision(HOD, escalated, PROGRAMME, AFTER, request(Decision.SEND_BACK, remarks=REASONS))


def test_a_stale_version_is_a_conflict() -> None:
    with pytest.raises(errors.VersionConflict):
        check_decision(DDO, registration(), PROGRAMME, IN_WINDOW, DecisionRequest(decision=Decision.VERIFY, version=6))


@pytest.mark.parametrize("decision", [Decision.SEND_BACK, Decision.REJECT])
@pytest.mark.parametrize("remarks", ["", "short", " " * 30, "x" * 19])
def test_send_back_and_reject_need_twenty_characters_of_reasons(decision: Decision, remarks: str) -> None:
    with pytest.raises(errors.RemarksRequired):
        check_decision(DDO, registration(), PROGRAMME, IN_WINDOW, request(decision, remarks=remarks))


def test_reject_needs_a_reason_code_from_the_programme() -> None:
    with pytest.raises(errors.InvalidReasonCode):
        check_decision(DDO, registration(), PROGRAMME, IN_WINDOW, request(Decision.REJECT, remarks=REASONS))
    role = check_decision(
        DDO,
        registration(),
        PROGRAMME,
        IN_WINDOW,
        request(Decision.REJECT, remarks=REASONS, reason_code="documents_not_genuine"),
    )
    assert role == Role.DDO


def test_verify_needs_certified_mismatches() -> None:
    with pytest.raises(errors.MismatchUncertified):
        check_decision(DDO, registration(mismatched=True), PROGRAMME, IN_WINDOW, request())
    assert check_decision(DDO, registration(mismatched=True), PROGRAMME, IN_WINDOW, request(certify_mismatches=True))


def test_a_required_document_marked_not_ok_blocks_verify_but_an_optional_one_does_not() -> None:
    bad_required = request(document_checks=[DocumentCheck(document_id="DOC-PAY", ok=False, remark="blurred")])
    with pytest.raises(errors.DocumentNotOk):
        check_decision(DDO, registration(), PROGRAMME, IN_WINDOW, bad_required)
    bad_optional = request(document_checks=[DocumentCheck(document_id="DOC-OTHER", ok=False)])
    assert check_decision(DDO, registration(), PROGRAMME, IN_WINDOW, bad_optional) == Role.DDO
    # Sending back with a bad document is exactly what send-back is for
    send_back = request(
        Decision.SEND_BACK, remarks=REASONS, document_checks=[DocumentCheck(document_id="DOC-PAY", ok=False)]
    )
    assert check_decision(DDO, registration(), PROGRAMME, IN_WINDOW, send_back) == Role.DDO


def test_checks_must_name_the_records_own_documents() -> None:
    with pytest.raises(errors.UnknownDocument):
        check_decision(
            DDO,
            registration(),
            PROGRAMME,
            IN_WINDOW,
            request(document_checks=[DocumentCheck(document_id="DOC-ELSE", ok=True)]),
        )
