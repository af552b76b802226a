"""Who may read or act on a registration or a grievance: the roles table of docs/architecture.md, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth import Principal, Role
from core.errors import Forbidden
from core.registration import Registration

if TYPE_CHECKING:  # the registration functions never load the grievance models
    from core.grievance import Grievance


def may_read(principal: Principal, registration: Registration) -> bool:
    return (
        (principal.has(Role.EMPLOYEE) and principal.sub == registration.owner_sub)
        or (principal.has(Role.DDO) and principal.ddo_code == registration.ddo_code)
        or (principal.has(Role.HOD) and principal.department == registration.department)
        or principal.has(Role.ADMIN)
    )


def require_read(principal: Principal, registration: Registration) -> None:
    if not may_read(principal, registration):
        raise Forbidden("not_your_registration")


def require_may_open_files(principal: Principal) -> None:
    """One rule for registration documents and grievance attachments. An admin reads every record and
    each file's name, type, size and SHA-256, but never opens the file: the files are identity proofs,
    pay slips and a grievance's evidence, for their owner and for whoever decides on them (DDO, HoD,
    grievance officer). An admin who also holds such a role opens files in that role."""
    if principal.has(Role.ADMIN) and not principal.roles - {Role.ADMIN}:
        raise Forbidden("admin_documents")


def require_owner(principal: Principal, registration: Registration) -> None:
    if not (principal.has(Role.EMPLOYEE) and principal.sub == registration.owner_sub):
        raise Forbidden("not_owner")


def may_act_on_grievance(principal: Principal, grievance: Grievance) -> Role | None:
    """The role in which the caller may act: the L1 unit's officer, or the department's HoD at L2."""
    from core.grievance import Level  # noqa: PLC0415 - loaded already: the caller holds a Grievance

    if grievance.level == Level.L1 and principal.has(Role.OFFICER) and principal.unit == grievance.unit:
        return Role.OFFICER
    if grievance.level == Level.L2 and principal.has(Role.HOD) and principal.department == grievance.department:
        return Role.HOD
    return None


def is_grievance_owner(principal: Principal, grievance: Grievance) -> bool:
    return principal.has(Role.EMPLOYEE) and principal.sub == grievance.owner_sub


def require_grievance_read(principal: Principal, grievance: Grievance) -> None:
    allowed = (
        is_grievance_owner(principal, grievance)
        or may_act_on_grievance(principal, grievance) is not None
        or (principal.has(Role.HOD) and principal.department == grievance.department)
        or principal.has(Role.ADMIN)
    )
    if not allowed:
        raise Forbidden("not_your_grievance")


def require_grievance_owner(principal: Principal, grievance: Grievance) -> None:
    if not is_grievance_owner(principal, grievance):
        raise Forbidden("not_grievance_owner")
