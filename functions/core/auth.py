"""Who is calling: the principal built from the JWT claims API Gateway has already verified."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from core.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    EMPLOYEE = "employee"
    DDO = "ddo"
    HOD = "hod"
    OFFICER = "officer"
    ADMIN = "admin"


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    sub: str
    username: str
    roles: frozenset[Role]
    employee_code: str | None = None
    ddo_code: str | None = None
    department: str | None = None
    unit: str | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles

    def require(self, *roles: Role) -> None:
        if not self.roles.intersection(roles):
            allowed = ", ".join(sorted(roles))
            raise Forbidden(f"This needs one of the roles: {allowed}.")

    @property
    def actor_id(self) -> str:
        """How the audit trail names a person: stable (sub) and readable (username)."""
        return f"user:{self.username}"


def _groups(raw: Any) -> list[str]:
    # API Gateway HTTP APIs flatten list claims to a string such as "[ddo hod]".
    if isinstance(raw, list):
        return [str(g) for g in raw]
    if isinstance(raw, str):
        return [g for g in raw.strip("[]").replace(",", " ").split() if g]
    return []


def principal_from_claims(claims: Mapping[str, Any] | None) -> Principal:
    if not claims or "sub" not in claims:
        raise Unauthenticated("No verified identity came with the request.")
    known = {r.value for r in Role}
    return Principal(
        sub=str(claims["sub"]),
        username=str(claims.get("cognito:username") or claims.get("username") or claims["sub"]),
        roles=frozenset(Role(g) for g in _groups(claims.get("cognito:groups")) if g in known),
        employee_code=claims.get("custom:employee_code"),
        ddo_code=claims.get("custom:ddo_code"),
        department=claims.get("custom:department"),
        unit=claims.get("custom:unit"),
    )
