"""The transparency auditor's runs, for the state's admins: newest first, a page per Query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.auth import Principal, Role
from core.transparency_audit import AuditRun

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import AuditRunPages


@dataclass(frozen=True)
class AuditRunPage:
    runs: list[AuditRun]
    last_key: dict[str, Any] | None


class AuditRuns:
    def __init__(self, audits: AuditRunPages) -> None:
        self._audits = audits

    def page(self, principal: Principal, *, limit: int, start: dict[str, Any] | None) -> AuditRunPage:
        principal.require(Role.ADMIN)
        runs, last_key = self._audits.runs(limit=limit, start=start)
        return AuditRunPage(runs=runs, last_key=last_key)
