"""What every applier shares: the `Applier` protocol and the table that picks one per message kind.

An applier does one work message's items. Each item is redone safely: a reminder or delivery goes
through the ledger, a grievance or registration is acted on only while it still qualifies, so a
rerun, a duplicate message or a retried batch acts once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, get_args

from pydantic import BaseModel

from reminders.models import WorkMessage, WorkResult

Message_contra = TypeVar("Message_contra", bound=BaseModel, contravariant=True)

# Every kind of message the worker takes: the members of the WorkMessage union.
MESSAGE_KINDS: tuple[type[BaseModel], ...] = get_args(get_args(WorkMessage)[0])


class Applier(Protocol[Message_contra]):
    def apply(self, batch: Message_contra) -> WorkResult: ...


class ApplierTable:
    """Each message kind's applier, built on the first message of its kind and kept: a cold start
    builds only the stores and clients its own kind of work needs."""

    def __init__(self, factories: Mapping[type[BaseModel], Callable[[], Applier[Any]]]) -> None:
        missing = set(MESSAGE_KINDS) - set(factories)
        if missing:
            # a wiring error, not a message's
            raise ValueError(f"no applier for {sorted(kind.__name__ for kind in missing)}")
        self._factories = factories
        self._built: dict[type[BaseModel], Applier[Any]] = {}

    def apply(self, batch: BaseModel) -> WorkResult:
        kind = type(batch)
        if kind not in self._built:
            self._built[kind] = self._factories[kind]()
        return self._built[kind].apply(batch)
