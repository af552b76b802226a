"""The service record an employee claims: personal data, engagement and service spells.

The same shape holds the roll's version (what departmental and treasury data say) and the
employee's claim; the differences between the two are the roll mismatches a DDO certifies.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.types import DdoCode, Email, FamilyId, Last4, Mobile, Rupees, ShortText


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class EngagementType(StrEnum):
    DIRECT_CONTRACT = "direct_contract"
    HKRN = "hkrn"  # Haryana Kaushal Rozgar Nigam
    OUTSOURCING = "outsourcing"


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class PaidDays(_Frozen):
    """Days paid (paid leave included) in one service year of a spell.

    `service_year` is the year the service year starts in; service years run from the day
    after the programme's cut-off date to the cut-off date a year later.
    """

    service_year: Annotated[int, Field(ge=1970, le=2100)]
    days: Annotated[int, Field(ge=0, le=366)]


class ServiceSpell(_Frozen):
    department: ShortText
    post: ShortText
    from_date: date
    to_date: date
    full_time: bool = True
    paid_days: list[PaidDays] = Field(default_factory=list, max_length=60)

    @model_validator(mode="after")
    def _dates_in_order(self) -> ServiceSpell:
        if self.to_date < self.from_date:
            raise ValueError("to_date is before from_date")
        years = [p.service_year for p in self.paid_days]
        if len(years) != len(set(years)):
            raise ValueError("a service year appears twice in paid_days")
        return self


class Personal(_Frozen):
    name: ShortText
    father_name: ShortText
    date_of_birth: date
    gender: Gender
    mobile: Mobile
    email: Email | None = None


class Engagement(_Frozen):
    type: EngagementType
    department: ShortText
    office: ShortText
    district: ShortText
    ddo_code: DdoCode
    designation: ShortText
    monthly_pay: Rupees
    full_time: bool
    centrally_sponsored_scheme: bool = False


class ServiceRecord(_Frozen):
    personal: Personal
    family_id: FamilyId | None = None
    engagement: Engagement
    service_spells: list[ServiceSpell] = Field(default_factory=list, max_length=30)
    bank_account_last4: Last4 | None = None

    def missing_for_submission(self) -> list[str]:
        """Fields the roll may lack but a submission needs."""
        missing = []
        if self.family_id is None:
            missing.append("family_id")
        if not self.service_spells:
            missing.append("service_spells")
        if self.bank_account_last4 is None:
            missing.append("bank_account_last4")
        return missing


class RollMismatch(_Frozen):
    field: str
    roll_value: Any
    claimed_value: Any


def _leaves(record: ServiceRecord) -> dict[str, Any]:
    """Flatten to dotted paths; lists stay whole (a spell list is compared as one value)."""
    flat: dict[str, Any] = {}
    for key, value in record.model_dump(mode="json").items():
        if isinstance(value, dict):
            for sub_key, sub_value in value.items():
                flat[f"{key}.{sub_key}"] = sub_value
        else:
            flat[key] = value
    return flat


def roll_mismatches(roll: ServiceRecord, claimed: ServiceRecord) -> list[RollMismatch]:
    """Fields where the claim differs from the roll. A value the roll lacks is not a mismatch."""
    roll_leaves, claimed_leaves = _leaves(roll), _leaves(claimed)
    return [
        RollMismatch(field=path, roll_value=roll_value, claimed_value=claimed_leaves[path])
        for path, roll_value in roll_leaves.items()
        if roll_value not in (None, []) and claimed_leaves[path] != roll_value
    ]


class PersonalChanges(_Frozen):
    name: ShortText | None = None
    father_name: ShortText | None = None
    date_of_birth: date | None = None
    gender: Gender | None = None
    mobile: Mobile | None = None
    email: Email | None = None


class EngagementChanges(_Frozen):
    """What an employee may claim differently from the roll.

    Department, district and DDO code are not here: they decide who verifies the record, so
    they change only through the roll (a "wrong DDO mapping" grievance), never by the employee.
    """

    type: EngagementType | None = None
    office: ShortText | None = None
    designation: ShortText | None = None
    monthly_pay: Rupees | None = None
    full_time: bool | None = None
    centrally_sponsored_scheme: bool | None = None


class RecordChanges(_Frozen):
    """A partial service record: the fields given replace those of the record."""

    personal: PersonalChanges | None = None
    family_id: FamilyId | None = None
    engagement: EngagementChanges | None = None
    service_spells: list[ServiceSpell] | None = Field(default=None, max_length=30)
    bank_account_last4: Last4 | None = None


def apply_changes(record: ServiceRecord, changes: RecordChanges) -> ServiceRecord:
    """Merge section by section; raises pydantic's ValidationError if the result is not valid."""
    merged = record.model_dump()
    # Only the record's own sections: a request model may carry more (e.g. the version it read).
    given = changes.model_dump(exclude_unset=True, include=set(RecordChanges.model_fields))
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return ServiceRecord.model_validate(merged)


def changed_fields(before: ServiceRecord, after: ServiceRecord) -> dict[str, dict[str, Any]]:
    old, new = _leaves(before), _leaves(after)
    return {path: {"from": old[path], "to": new[path]} for path in new if old.get(path) != new[path]}
