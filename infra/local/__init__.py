"""The embedded local stack: moto as AWS, provisioned from infra/template.yaml, plus a gateway.

Lambda puts each function's code root on the import path; so does this package, so that the
handlers import `core` and `register` here exactly as they do in the cloud.
"""

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parents[2] / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)
