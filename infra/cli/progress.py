"""The progress bar on stderr for an import (the roll's, or the officials')."""

from __future__ import annotations

import shutil
from collections.abc import Collection, Mapping, Sequence
from typing import TextIO

from infra.cli.api import COUNT_NAMES

BAR_WIDTH = 20
ALWAYS_SHOWN = frozenset({"inserted", "errors"})  # the bar shows the other counts once they are not 0


def format_counts(
    counts: Mapping[str, int], names: Sequence[str] = COUNT_NAMES, always: Collection[str] = ALWAYS_SHOWN
) -> str:
    shown = [name for name in names if name in always or counts.get(name)]
    return " · ".join(f"{name.replace('_', ' ')} {counts.get(name, 0):,}" for name in shown)


def format_bar(
    rows_done: int,
    rows_total: int | None,
    counts: Mapping[str, int],
    width: int = BAR_WIDTH,
    names: Sequence[str] = COUNT_NAMES,
    always: Collection[str] = ALWAYS_SHOWN,
) -> str:
    """`[#########...........]  45%  45,000/100,000 rows  inserted 44,900 · errors 100`.

    With the total not known yet the bar is empty and the percentage `--`. Integer arithmetic, and
    rounded down: the bar is full and says 100% only when every line is done."""
    if rows_total is None:
        filled, percent, rows = 0, " --%", f"{rows_done:,} rows"
    else:
        done = min(max(rows_done, 0), rows_total)
        filled = width if rows_total == 0 else done * width // rows_total
        percent = f"{100 if rows_total == 0 else done * 100 // rows_total:3d}%"
        rows = f"{rows_done:,}/{rows_total:,} rows"
    return f"[{'#' * filled}{'.' * (width - filled)}] {percent}  {rows}  {format_counts(counts, names, always)}"


class ProgressBar:
    """Redrawn in place with `\\r` on a terminal; on anything else (CI logs, files) one plain line each
    time the import passes another `step_percent`."""

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        width: int = BAR_WIDTH,
        step_percent: int = 10,
        names: Sequence[str] = COUNT_NAMES,
        always: Collection[str] = ALWAYS_SHOWN,
    ):
        self._stream = stream
        self._names = names
        self._always = always
        self._tty = stream.isatty() if tty is None else tty
        self._width = width
        self._step = step_percent
        self._shown_step = -1
        self._drawn = 0  # characters on the terminal's current line
        self._line = ""

    def update(self, rows_done: int, rows_total: int | None, counts: Mapping[str, int]) -> None:
        line = format_bar(rows_done, rows_total, counts, self._width, self._names, self._always)
        if self._tty:
            line = line[: max(shutil.get_terminal_size().columns - 1, 20)]
            if line == self._line:
                return
            self._line = line
            self._stream.write("\r" + line + " " * max(self._drawn - len(line), 0))
            self._drawn = len(line)
        else:
            if rows_total is None:
                return
            percent = 100 if rows_total == 0 else min(rows_done, rows_total) * 100 // rows_total
            if percent // self._step <= self._shown_step:
                return
            self._shown_step = percent // self._step
            self._stream.write(line + "\n")
        self._stream.flush()

    def finish(self) -> None:
        if self._tty and self._drawn:
            self._stream.write("\n")
            self._stream.flush()
        self._drawn = 0
        self._line = ""
