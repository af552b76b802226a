"""The rules of moving a deadline lawfully, with no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from core.errors import InvalidWindow
from core.programme import Programme, Window


class WindowChange(BaseModel):
    """What an admin asks for: a new close for either window, under a government order."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    registration_closes_at: AwareDatetime | None = None
    verification_closes_at: AwareDatetime | None = None
    order_ref: str
    reason: str


def change_windows(programme: Programme, change: WindowChange, now: datetime) -> tuple[Programme, dict[str, Any]]:
    """The programme with its new windows, and {field: {"from", "to"}} for the audit event.

    A close may be extended (even of a window that has closed: an order may reopen it) or brought
    forward, but never to a moment already past: that would rewrite what people were told.
    """
    wanted = {
        "registration_closes_at": change.registration_closes_at,
        "verification_closes_at": change.verification_closes_at,
    }
    current = {
        "registration_closes_at": programme.registration.closes_at,
        "verification_closes_at": programme.verification_closes_at,
    }
    changes = {
        field: {"from": current[field].isoformat(), "to": value.isoformat()}
        for field, value in wanted.items()
        if value is not None and value != current[field]
    }
    if not changes:
        raise InvalidWindow("nothing_changes")
    for field in changes:
        value = wanted[field]
        assert value is not None  # only given fields are changes
        if value <= now:
            raise InvalidWindow("in_the_past", field=field, new_value=value)
    closes_at = change.registration_closes_at or programme.registration.closes_at
    try:
        updated = programme.model_copy(
            update={
                "registration": Window(opens_at=programme.registration.opens_at, closes_at=closes_at),
                "verification_closes_at": change.verification_closes_at or programme.verification_closes_at,
            }
        )
        Programme.model_validate(updated.model_dump())  # model_copy does not validate
    except ValidationError as error:
        reasons = "; ".join(str(e["msg"]) for e in error.errors())
        raise InvalidWindow(reasons=reasons) from error
    return updated, changes
