"""core.wiring: each part is built on first use, once, and reset() forgets it (all, or the named parts)."""

from __future__ import annotations

from functools import cached_property

from core.settings import FunctionSettings
from core.wiring import Wiring


class Counted(Wiring[FunctionSettings]):
    built: list[str]

    @cached_property
    def service(self) -> str:
        programme_id = self.settings.programme_id
        type(self).built.append("service")
        return f"service of {programme_id}"


def _settings() -> FunctionSettings:
    Counted.built.append("settings")
    return FunctionSettings(programme_id="HR-2026", settings_table="settings")


def test_a_part_is_built_on_first_use_once_and_again_after_a_reset() -> None:
    Counted.built = []
    wiring = Counted(_settings)
    assert Counted.built == []  # nothing at import (cold start) time
    assert wiring.service == wiring.service == "service of HR-2026"
    assert Counted.built == ["settings", "service"]
    wiring.reset("service")
    assert wiring.service and Counted.built == ["settings", "service", "service"]  # settings kept
    wiring.reset()
    assert wiring.service and Counted.built[-2:] == ["settings", "service"]
    assert wiring in Wiring.every
