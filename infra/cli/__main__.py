"""`python -m infra.cli`: the same as the `anubandh` console script."""

from infra.cli import main

raise SystemExit(main())
