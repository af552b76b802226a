"""Anubandh's infrastructure: the SAM template, the embedded local stack built from it, and the
operator's command line.

Lambda puts each function's code root on the import path; so does this package, so that the local
stack and the operator tools import `core` (and the handlers) exactly as they do in the cloud.
"""

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parents[1] / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)
