"""A mobile a DDO or HoD certified on a roll entry, apart from the corrections that make it: every
function reading the roll loads this, and only the roll function and sign-in help load the corrections."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from core.auth import Role


def ten_digits(mobile: str) -> str:
    """A Mobile as stored and compared: the ten digits, without +91."""
    return mobile[-10:]


class CertifiedMobile(BaseModel):
    """A mobile a DDO or HoD certified: it stands over the department's data until another correction."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    mobile: str  # ten digits
    certified_by: str
    certified_role: Role
    certified_at: AwareDatetime
    correction_id: str | None = None  # None: corrected directly
