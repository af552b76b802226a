"""Who may read a registration: the rules of DESIGN.md's roles table, in one place."""

from __future__ import annotations

from core.auth import Principal, Role
from core.errors import Forbidden
from core.registration import Registration


def may_read(principal: Principal, registration: Registration) -> bool:
    return (
        (principal.has(Role.EMPLOYEE) and principal.sub == registration.owner_sub)
        or (principal.has(Role.DDO) and principal.ddo_code == registration.ddo_code)
        or (principal.has(Role.HOD) and principal.department == registration.department)
        or principal.has(Role.ADMIN)
    )


def require_read(principal: Principal, registration: Registration) -> None:
    if not may_read(principal, registration):
        raise Forbidden("This registration is not yours to see.")


def require_owner(principal: Principal, registration: Registration) -> None:
    if not (principal.has(Role.EMPLOYEE) and principal.sub == registration.owner_sub):
        raise Forbidden("Only the employee who registered may change this registration.")
