"""`make bench`: every benchmark, with progress; results in bench/results/latest.md (not tracked).

    python -m bench             every bench at full size   -> bench/results/latest.md
    python -m bench --quick     every bench, the scale ones at 10,000 only (make bench-quick, BENCH=quick)
    python -m bench --update    the full run, written to bench/RESULTS.md (make bench UPDATE=1)
    python -m bench --only roll_import,sign_in

What the libraries log (Powertools, moto, botocore, warnings) goes to bench/results/latest.log,
not the terminal; the terminal shows which bench runs (k of n) and how long each took.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"  # tracked: only --update writes it
LATEST = HERE / "results" / "latest.md"  # gitignored
LOG = HERE / "results" / "latest.log"

BENCHES = (
    "register_routes",
    "verify_routes",
    "grievance_routes",
    "reminder_sweep",
    "roll_import",
    "certificate_routes",
    "cold_imports",
    "sign_in",
    "transparency",
    "transparency_audit",
)
# The quick subset: every bench, the scale benches at their smaller size only (read at import).
QUICK_SIZES = {
    "BENCH_SWEEP_SIZES": "10000",
    "BENCH_IMPORT_SIZES": "10000",
    "BENCH_LOG_SIZES": "10000",
    "BENCH_AUDIT_SIZES": "10000",
    "BENCH_AUDIT_RUNS": "1",
}

HEADER = (
    "# Benchmark results\n\n"
    "Produced by `make bench` on the project's 2-core machine. Medians and p95 in milliseconds; ratios are "
    "against a baseline measured in the same run. moto stands in for AWS, so absolute times are moto's; "
    "round trips are what carries over to the cloud. Run alone: another load on the 2 cores inflates the "
    "medians (round trips are unaffected). Every bench runs from one frame-stack chunk large enough for all it "
    "calls (bench/replay.py): CPython's 16 KB chunks otherwise thrash where a handler's deeper stack straddles one, "
    "and moto's in-process calls then cost up to twice as much inside a handler as the same calls outside it.\n"
)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH") == "quick",
        help="the scale benches at 10,000 only (default when BENCH=quick)",
    )
    parser.add_argument("--update", action="store_true", help="write bench/RESULTS.md (full run only)")
    parser.add_argument("--only", help=f"comma-separated benches, of: {', '.join(BENCHES)}")
    args = parser.parse_args(argv)
    if args.update and (args.quick or args.only):
        parser.error("--update writes the committed figures: run every bench at full size (no --quick, --only)")
    if args.only:
        unknown = set(args.only.split(",")) - set(BENCHES)
        if unknown:
            parser.error(f"no such bench: {', '.join(sorted(unknown))}")
    return args


@contextlib.contextmanager
def libraries_logging_to(log: TextIO) -> Iterator[None]:
    """Everything but the progress lines goes to the log: print()s (Powertools' metrics), warnings,
    the Powertools logger's handler (it holds the stdout it found) and every library logger."""
    if str(HERE.parent / "functions") not in sys.path:
        sys.path.insert(0, str(HERE.parent / "functions"))  # as every bench module does
    from core.observability import logger  # noqa: PLC0415 - after the sizes are in the environment

    handler = logger.registered_handler
    stream = getattr(handler, "stream", None)
    root = logging.getLogger()
    file_handler = logging.StreamHandler(log)
    root.addHandler(file_handler)
    logging.captureWarnings(True)
    if stream is not None:
        handler.setStream(log)  # type: ignore[attr-defined]
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            yield
    finally:
        if stream is not None:
            handler.setStream(stream)  # type: ignore[attr-defined]
        logging.captureWarnings(False)
        root.removeHandler(file_handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.quick:
        os.environ.update({k: v for k, v in QUICK_SIZES.items() if k not in os.environ})
    from bench.replay import on_one_frame_chunk  # noqa: PLC0415 - watches the boto3 clients built from here on

    names = args.only.split(",") if args.only else list(BENCHES)
    target = RESULTS if args.update else LATEST
    LATEST.parent.mkdir(exist_ok=True)
    progress = sys.stderr
    mode = "quick" if args.quick else "full"
    print(f"{len(names)} benches ({mode}); library logs go to {LOG.relative_to(HERE.parent)}", file=progress)
    sections = [HEADER]
    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    with LOG.open("w") as log, libraries_logging_to(log):
        for k, name in enumerate(names, start=1):
            print(f"[{k}/{len(names)}] {name} ...", file=progress, flush=True)
            began = time.perf_counter()
            # From one roomy frame-stack chunk: see bench/replay.py (on_one_frame_chunk).
            sections.append(on_one_frame_chunk(importlib.import_module(f"bench.{name}").run))
            timings.append((name, time.perf_counter() - began))
            print(f"[{k}/{len(names)}] {name} done in {timings[-1][1]:.0f} s", file=progress, flush=True)
    total = time.perf_counter() - started
    sections.append(
        f"## This run\n\n{mode} run, {total / 60:.1f} min in all: "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings)
        + ".\n"
    )
    target.write_text("\n".join(sections))
    print(target.read_text())
    print(f"{len(names)} benches in {total / 60:.1f} min; results in {target.relative_to(HERE.parent)}", file=progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
