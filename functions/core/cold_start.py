"""A cold start's imports, without the cyclic garbage collector.

Importing a function creates about a hundred thousand tracked objects (modules, classes, pydantic's and
botocore's tables), nearly all of which live as long as the process. The collector, run every 700 new
objects, scans them again and again while they are made: 27-33 ms of register's import, an eighth of
it (bench/cold_imports.py measures it). Each entry module therefore imports inside `imports()`, which
pauses the collector and then freezes what the imports made, so later collections during warm
invocations skip it too. The few hundred unreachable objects a cold start's imports leave (about 400 for
register) are kept rather than collected: tens of kilobytes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def imports() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
