"""The mobile-correction rules, with no AWS: matching a help request to the roll, merging a second
request, who may decide, and what the audit trail keeps of a number."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from core.auth import Principal, Role
from core.corrections import (
    FAMILY_ID_NOT_ON_ROLL,
    CorrectionDecision,
    CorrectionStatus,
    HelpRequest,
    Ruling,
    Verdict,
    acting_role,
    check_decision,
    checked_remarks,
    decided,
    match_roll,
    mobile_change,
    opened,
    reclaimed,
)
from core.errors import AlreadyDecided, Forbidden, RemarksRequired, VersionConflict
from core.masking import mask_mobile
from tests import factories

ROLL = factories.service_record()  # Sunita Devi, born 1988-04-12, FAM12345, 9812345678, DDO-PKL-001, Health


def request(**overrides: Any) -> HelpRequest:
    fields = {
        "employee_code": "EMP-0001",
        "family_id": "FAM12345",
        "date_of_birth": date(1988, 4, 12),
        "new_mobile": "9700012345",
        **overrides,
    }
    return HelpRequest.model_validate(fields)


def principal(role: Role, **scope: str) -> Principal:
    return Principal(sub="s", username="u", roles=frozenset({role}), **scope)


@pytest.mark.parametrize(
    ("record", "overrides", "verdict"),
    [
        (ROLL, {}, Verdict.MATCH),
        (ROLL, {"new_mobile": "+919700012345"}, Verdict.MATCH),
        (ROLL, {"family_id": "FAM99999"}, Verdict.MISMATCH),
        (ROLL, {"date_of_birth": date(1988, 12, 4)}, Verdict.MISMATCH),
        (None, {}, Verdict.MISMATCH),  # not on the roll
        (ROLL, {"new_mobile": "+919812345678"}, Verdict.SAME_MOBILE),
        (factories.service_record(family_id=None), {"family_id": "ANY12345"}, Verdict.MATCH_WITHOUT_FAMILY_ID),
        # without a Family ID on the roll, the date of birth must still match
        (factories.service_record(family_id=None), {"date_of_birth": date(1990, 1, 1)}, Verdict.MISMATCH),
    ],
)
def test_the_matching_rule(record: Any, overrides: dict[str, Any], verdict: Verdict) -> None:
    assert match_roll(record, request(**overrides)) == verdict


def test_only_a_match_opens_a_request() -> None:
    assert {v for v in Verdict if v.opens} == {Verdict.MATCH, Verdict.MATCH_WITHOUT_FAMILY_ID}


@pytest.mark.parametrize(
    "bad",
    [
        {"employee_code": "emp 1"},
        {"family_id": "fam1"},
        {"new_mobile": "5812345678"},
        {"message": "x" * 501},
        {"aadhaar": "123412341234"},  # unknown fields are refused
    ],
)
def test_a_help_request_is_checked_field_by_field(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request(**bad)


def test_a_match_without_a_family_id_is_flagged_for_the_ddo() -> None:
    record = factories.service_record(family_id=None)
    correction = opened(
        "COR-1",
        programme_id="HR-2026",
        record=record,
        request=request(new_mobile="+919700012345", message="  lost my SIM  "),
        verdict=Verdict.MATCH_WITHOUT_FAMILY_ID,
        at=factories.DURING_REGISTRATION,
    )
    assert correction.flags == [FAMILY_ID_NOT_ON_ROLL]
    assert correction.status == CorrectionStatus.PENDING
    assert (correction.claim.mobile, correction.claim.message) == ("9700012345", "lost my SIM")
    assert correction.office.counter_scopes()["department_ddo"] == "Health/DDO-PKL-001"


def test_a_second_request_replaces_the_claim_or_changes_nothing() -> None:
    at = factories.DURING_REGISTRATION
    first = opened("COR-1", programme_id="HR-2026", record=ROLL, request=request(), verdict=Verdict.MATCH, at=at)
    assert reclaimed(first, request(), at + timedelta(hours=1)) is None
    later = reclaimed(first, request(new_mobile="9700054321"), at + timedelta(hours=1))
    assert later is not None
    assert (later.claim.mobile, later.requests, later.opened_at, later.updated_at) == (
        "9700054321",
        2,
        at,
        at + timedelta(hours=1),
    )


def test_the_ddo_or_the_hod_of_the_department_acts_and_nobody_else() -> None:
    scope = {"ddo_code": "DDO-PKL-001", "department": "Health"}
    assert acting_role(principal(Role.DDO, ddo_code="DDO-PKL-001"), **scope) == Role.DDO
    assert acting_role(principal(Role.HOD, department="Health"), **scope) == Role.HOD
    for other in (
        principal(Role.DDO, ddo_code="DDO-HSR-001"),
        principal(Role.HOD, department="Education"),
        principal(Role.ADMIN),
        principal(Role.EMPLOYEE, employee_code="EMP-0001"),
    ):
        with pytest.raises(Forbidden):
            acting_role(other, **scope)


def test_a_decision_needs_a_pending_request_at_the_read_version() -> None:
    at = factories.DURING_REGISTRATION
    pending = opened("COR-1", programme_id="HR-2026", record=ROLL, request=request(), verdict=Verdict.MATCH, at=at)
    pending = pending.model_copy(update={"version": 1})
    ddo = principal(Role.DDO, ddo_code="DDO-PKL-001")
    assert check_decision(ddo, pending, version=1) == Role.DDO
    with pytest.raises(VersionConflict):
        check_decision(ddo, pending, version=2)
    ruling = Ruling(
        decision=CorrectionDecision.REJECT, remarks="r", decided_by="user:u", decided_role=Role.DDO, decided_at=at
    )
    rejected = decided(pending, ruling)
    assert rejected.status == CorrectionStatus.REJECTED
    with pytest.raises(AlreadyDecided):
        check_decision(ddo, rejected, version=1)


def test_remarks_are_required_and_trimmed() -> None:
    assert checked_remarks("  Checked the SIM bill.  ") == "Checked the SIM bill."
    with pytest.raises(RemarksRequired):
        checked_remarks("   ok      ")


def test_the_audit_trail_keeps_both_numbers_masked() -> None:
    assert mobile_change("9812345678", "9700012345", correction_id="COR-1") == {
        "old_mobile": "98******78",
        "new_mobile": "97******45",
        "via": "correction",
        "correction_id": "COR-1",
    }
    assert mobile_change("9812345678", "9700012345", correction_id=None)["via"] == "direct"


@pytest.mark.parametrize("mobile", ["9812345678", "+919812345678"])
def test_a_masked_mobile_shows_two_digits_at_each_end(mobile: str) -> None:
    assert mask_mobile(mobile) == "98******78"
