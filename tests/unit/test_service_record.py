"""Applying an employee's changes to the roll's record, and what counts as a mismatch."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.service_record import (
    EngagementChanges,
    PersonalChanges,
    RecordChanges,
    apply_changes,
    changed_fields,
    roll_mismatches,
)
from tests import factories


def test_changes_merge_section_by_section() -> None:
    roll = factories.service_record()
    claimed = apply_changes(roll, RecordChanges(personal=PersonalChanges(name="Sunita Rani")))
    assert claimed.personal.name == "Sunita Rani"
    assert claimed.personal.mobile == roll.personal.mobile
    assert claimed.engagement == roll.engagement


def test_mismatches_name_the_field_and_both_values() -> None:
    roll = factories.service_record()
    claimed = apply_changes(roll, RecordChanges(engagement=EngagementChanges(monthly_pay=45_000), family_id="ZZZ11111"))
    found = {m.field: (m.roll_value, m.claimed_value) for m in roll_mismatches(roll, claimed)}
    assert found == {"engagement.monthly_pay": (32_000, 45_000), "family_id": ("FAM12345", "ZZZ11111")}


def test_a_value_the_roll_lacks_is_not_a_mismatch() -> None:
    roll = factories.service_record(family_id=None, bank_account_last4=None)
    claimed = apply_changes(roll, RecordChanges(family_id="FAM00001", bank_account_last4="1111"))
    assert roll_mismatches(roll, claimed) == []
    assert claimed.missing_for_submission() == []
    assert roll.missing_for_submission() == ["family_id", "bank_account_last4"]


def test_changed_spells_are_one_change_with_both_lists() -> None:
    roll = factories.service_record()
    claimed = apply_changes(roll, RecordChanges(service_spells=[factories.spell(years=8)]))
    changes = changed_fields(roll, claimed)
    assert set(changes) == {"service_spells"}
    assert len(changes["service_spells"]["to"][0]["paid_days"]) == 8


def test_version_and_other_request_fields_never_reach_the_record() -> None:
    class WithVersion(RecordChanges):
        version: int

    claimed = apply_changes(factories.service_record(), WithVersion(version=3, family_id="ABCD1234"))
    assert claimed.family_id == "ABCD1234"


def test_spell_dates_must_be_in_order() -> None:
    with pytest.raises(ValidationError, match="to_date is before from_date"):
        factories.spell(years=-1)
