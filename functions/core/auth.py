"""Who is calling: roles and the principal the server builds from the directory (core.identity)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from core.errors import Forbidden, NotOnRoll


class Role(StrEnum):
    EMPLOYEE = "employee"
    DDO = "ddo"
    HOD = "hod"
    OFFICER = "officer"
    ADMIN = "admin"


class Principal(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

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
            raise Forbidden("roles", roles=sorted(roles))

    def require_employee_code(self) -> str:
        """The caller's employee code, for what only an employee on the roll may do: an employee whose
        sign-in is linked to no code yet is told so, before anything is looked up with an empty one."""
        self.require(Role.EMPLOYEE)
        if not self.employee_code:
            raise NotOnRoll("not_linked")
        return self.employee_code

    @property
    def actor_id(self) -> str:
        """How the audit trail names a person: stable (sub) and readable (username)."""
        return f"user:{self.username}"
