"""One function's wiring: settings, then AWS clients, then stores and services, in one object.

Each part is built on first use and kept for the life of the execution environment, so a cold start
pays only for what its requests use. `reset()` forgets all of it: the next use is a cold start
again (tests call `Wiring.reset_all()` between tests). A function's wiring is a subclass that adds
one cached property per store or service it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from core.aws import AwsClients
from core.idempotency import IdempotentRunner
from core.identity import Directory
from core.settings import FunctionSettings, HttpFunctionSettings, IdempotentFunctionSettings
from core.store.directory import DirectoryStore
from core.store.programmes import ProgrammeStore

S = TypeVar("S", bound=FunctionSettings)
H = TypeVar("H", bound=HttpFunctionSettings)
IS = TypeVar("IS", bound=IdempotentFunctionSettings)


class Wiring(Generic[S]):
    every: ClassVar[list[Wiring[Any]]] = []

    def __init__(self, load_settings: Callable[[], S]) -> None:
        self._load_settings = load_settings
        Wiring.every.append(self)

    def reset(self, *parts: str) -> None:
        """Forget what was built (settings included), or only the named parts: the next use builds
        them again, as a cold start would."""
        for name in [name for name in vars(self) if name != "_load_settings" and (not parts or name in parts)]:
            delattr(self, name)

    @classmethod
    def reset_all(cls) -> None:
        for wiring in cls.every:
            wiring.reset()

    @cached_property
    def settings(self) -> S:
        return self._load_settings()

    @cached_property
    def aws(self) -> AwsClients:
        return AwsClients.for_function(self.settings)

    @cached_property
    def programmes(self) -> ProgrammeStore:
        return ProgrammeStore.for_function(self.aws, self.settings)


class HttpWiring(Wiring[H]):
    """A function behind the HTTP API: its callers are looked up in the directory."""

    @cached_property
    def directory(self) -> Directory:
        return Directory(DirectoryStore(self.aws.dynamodb, self.settings.directory_table))


class IdempotentWiring(HttpWiring[IS]):
    """An HTTP function whose writes honour an Idempotency-Key."""

    @cached_property
    def idempotency(self) -> IdempotentRunner:
        return IdempotentRunner.for_function(self.settings, self.aws.dynamodb)
