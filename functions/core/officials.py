"""Officials as operators provision them: what a wanted official changes against the stored one, and
the one transaction that records it.

The transaction holds the directory's record of the official (conditioned on the version read), the
link every request reads (`sub#<sub>`), and the next event of the official's own hash chain
(`official#<username>` in the events table). A change of role or scope is audited with the old and
the new scope; e-mail and mobile appear in the trail masked. An unchanged official writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core.audit import GENESIS_HASH, Actor, AuditEvent
from core.delivery import mask_email, mask_mobile
from core.identity import Official
from core.store.directory import RECORD as OFFICIAL
from core.store.directory import StoredOfficial, official_entity
from core.store.dynamo import TxItem

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import EventAppends, OfficialSaves
_DETAILS = ("name", "email", "mobile")
_MASKS = {"email": mask_email, "mobile": mask_mobile}


class ChangeKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    ENABLED = "enabled"
    DISABLED = "disabled"
    UNCHANGED = "unchanged"


class NothingToDisable(ValueError):
    """A line disables someone who was never imported (often a misspelt username)."""


def _shown(field: str, value: Any) -> Any:
    mask = _MASKS.get(field)
    return mask(str(value)) if mask else value


def _scope_text(scope: dict[str, str]) -> str:
    role = scope["role"]
    rest = [f"{name} {value}" for name, value in scope.items() if name != "role"]
    return " ".join([role, *rest])


class OfficialChange(BaseModel):
    """What saving `after` over `before` changes, with the audit trail's account of it."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    before: StoredOfficial | None
    after: Official
    kind: ChangeKind
    data: dict[str, Any]

    @property
    def username(self) -> str:
        return self.after.username

    @property
    def scope_changed(self) -> bool:
        return "scope" in self.data

    @property
    def event_type(self) -> str:
        if self.kind in (ChangeKind.CREATED, ChangeKind.DISABLED, ChangeKind.ENABLED):
            return f"official.{self.kind.value}"
        return "official.scope_changed" if self.scope_changed else "official.details_changed"

    def summary(self) -> str:
        """One line for the operator: `ddo ddo_code DDO-PKL-001 -> ddo ddo_code DDO-PKL-002; e-mail changed`."""
        if self.kind == ChangeKind.CREATED:
            return f"new {_scope_text(self.after.scope)}" + ("" if self.after.active else " (disabled)")
        parts = []
        if "active" in self.data:
            parts.append("enabled" if self.after.active else "disabled, sessions ended")
        if self.scope_changed:
            parts.append(f"{_scope_text(self.data['scope']['from'])} -> {_scope_text(self.data['scope']['to'])}")
        if "details" in self.data:
            parts.append(f"{', '.join(self.data['details'])} changed")
        return "; ".join(parts) or "unchanged"


def plan(before: StoredOfficial | None, wanted: Official) -> OfficialChange:
    """The change from what is stored to what the operator wants. NothingToDisable for a disabled
    official nobody imported before."""
    if before is None:
        if not wanted.active:
            raise NothingToDisable(f"{wanted.username} is not an official yet: there is nobody to disable")
        created = {**wanted.scope, **{f: _shown(f, getattr(wanted, f)) for f in _DETAILS}}
        return OfficialChange(before=None, after=wanted, kind=ChangeKind.CREATED, data={"official": created})
    old = before.official
    data: dict[str, Any] = {}
    if old.scope != wanted.scope:
        data["scope"] = {"from": old.scope, "to": wanted.scope}
    details = {
        f: {"from": _shown(f, getattr(old, f)), "to": _shown(f, getattr(wanted, f))}
        for f in _DETAILS
        if getattr(old, f) != getattr(wanted, f)
    }
    if details:
        data["details"] = details
    if old.active != wanted.active:
        data["active"] = {"from": old.active, "to": wanted.active}
    if not data:
        kind = ChangeKind.UNCHANGED
    elif "active" in data:
        kind = ChangeKind.ENABLED if wanted.active else ChangeKind.DISABLED
    else:
        kind = ChangeKind.UPDATED
    return OfficialChange(before=before, after=wanted, kind=kind, data=data)


def disabling(before: StoredOfficial) -> OfficialChange:
    """An official left out of a complete list: disabled, nothing else changed."""
    return plan(before, before.official.model_copy(update={"active": False}))


def record(
    change: OfficialChange,
    *,
    sub: str,
    at: datetime,
    actor: Actor,
    reason: str | None,
    directory: OfficialSaves,
    events: EventAppends,
) -> tuple[list[TxItem], StoredOfficial]:
    """The writes of one change, for one TransactWriteItems, and the official as stored after it."""
    if change.kind == ChangeKind.UNCHANGED:
        raise ValueError(f"{change.username} is unchanged: there is nothing to record")
    before = change.before
    version = before.version + 1 if before else 1
    event = AuditEvent.create(
        entity=official_entity(change.username),
        seq=version,
        type=change.event_type,
        at=at,
        actor=actor,
        prev_hash=before.event_head if before else GENESIS_HASH,
        data=change.data,
        reason=reason,
    )
    after = StoredOfficial(official=change.after, sub=sub, version=version, event_head=event.hash)
    return [*directory.save_official(before, after, at=at), events.append(event, record=OFFICIAL)], after
