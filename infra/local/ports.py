"""Are the local stack's ports free? Checked by binding, before anything starts.

Binding (not connecting) is the test: a process that accepts connections but never answers (or
answers as something else: AirPlay on macOS holds port 5000) would fool a connect probe and leave
`make run` waiting on it. The servers bind with SO_REUSEADDR, so the check does too: a port left in
TIME_WAIT by the last run is free for them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

# How far above a taken port to look for a free one to suggest.
SUGGESTION_RANGE = 50


class PortInUse(Exception):
    """A port the stack needs is taken; str() is the one line to show."""


def is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _free_above(host: str, port: int, avoid: Iterable[int]) -> int | None:
    skip = set(avoid)
    return next(
        (p for p in range(port + 1, min(port + SUGGESTION_RANGE, 65535) + 1) if p not in skip and is_free(host, p)),
        None,
    )


def in_use_message(port: int, variable: str, suggestion: int | None) -> str:
    airplay = " (on macOS, AirPlay uses it)" if port in {5000, 7000} else ""
    instead = f"{suggestion}, e.g. `{variable}={suggestion} make run`" if suggestion else "a free port"
    return f"port {port} is in use{airplay}; set {variable}={instead}"


def taken(host: str, wanted: dict[str, int]) -> list[str]:
    """One line per taken port of {variable: port}, naming the variable to set; [] if all are free."""
    return [
        in_use_message(port, variable, _free_above(host, port, avoid=wanted.values()))
        for variable, port in wanted.items()
        if not is_free(host, port)
    ]
