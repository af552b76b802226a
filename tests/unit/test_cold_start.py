"""core.cold_start: an entry module's imports run with the collector paused, and what they made is frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from core import cold_start


@pytest.fixture
def collector() -> Iterator[None]:
    """Leaves the collector as it found it, with nothing the test froze left frozen."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector")
def test_the_collector_is_paused_inside_and_running_after_with_the_imports_frozen() -> None:
    # Given the collector running, as a fresh interpreter has it
    gc.enable()
    gc.unfreeze()
    # When an entry module imports inside the block
    with cold_start.imports():
        paused = not gc.isenabled()
        made = [[n] for n in range(1000)]  # objects the collector tracks, as imports make them
    # Then it was paused meanwhile, runs again after, and what was made is frozen: never scanned again
    assert paused is True
    assert gc.isenabled() is True
    assert gc.get_freeze_count() >= len(made)


@pytest.mark.usefixtures("collector")
def test_a_collector_paused_before_stays_paused_and_an_error_still_ends_the_pause() -> None:
    # Given a process that had paused the collector itself
    gc.disable()
    with cold_start.imports():
        pass
    # Then the block does not start it
    assert gc.isenabled() is False
    # And given it running, an import that fails still leaves it running
    gc.enable()
    with pytest.raises(ImportError), cold_start.imports():
        import core.no_such_module  # type: ignore[import-not-found]  # noqa: F401, PLC0415
    assert gc.isenabled() is True
