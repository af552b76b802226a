"""`make bench`: every benchmark, results written to bench/RESULTS.md."""

from __future__ import annotations

import sys
from pathlib import Path

from bench import (
    certificate_routes,
    cold_imports,
    grievance_routes,
    register_routes,
    reminder_sweep,
    roll_import,
    sign_in,
    transparency,
    transparency_audit,
    verify_routes,
)

RESULTS = Path(__file__).with_name("RESULTS.md")


def main() -> int:
    sections = [
        "# Benchmark results\n",
        "Produced by `make bench` on the project's 2-core machine. Medians and p95 in milliseconds; ratios are "
        "against a baseline measured in the same run. moto stands in for AWS, so absolute times are moto's; "
        "round trips are what carries over to the cloud. Run alone: another load on the 2 cores inflates the "
        "medians (round trips are unaffected).\n",
        register_routes.run(),
        verify_routes.run(),
        grievance_routes.run(),
        reminder_sweep.run(),
        roll_import.run(),
        certificate_routes.run(),
        cold_imports.run(),
        sign_in.run(),
        transparency.run(),
        transparency_audit.run(),
    ]
    RESULTS.write_text("\n".join(sections))
    print(RESULTS.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
