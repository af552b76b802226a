"""The one clock every handler and job reads.

In the cloud it is real time. The local stack swaps in a settable clock so a January or
February deadline can be shown on any date.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

IST = timezone(timedelta(hours=5, minutes=30), name="IST")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(IST)


class SettableClock:
    """Real time shifted by an offset, or frozen at an instant. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return (datetime.now(UTC) + self._offset).astimezone(IST)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def set(self, instant: datetime, *, frozen: bool = False) -> None:
        if instant.tzinfo is None:
            raise ValueError("the instant needs a UTC offset")
        with self._lock:
            self._frozen_at = instant.astimezone(IST) if frozen else None
            self._offset = instant - datetime.now(UTC)

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)
            self._frozen_at = None


_active: Clock = SystemClock()


def current_clock() -> Clock:
    return _active


def install_clock(clock: Clock) -> None:
    """Used by the local stack and by tests; the cloud never calls it."""
    global _active  # noqa: PLW0603 - one process-wide clock is the point
    _active = clock
