"""The provisioned stack, taken once per test process and given back to every test.

Provisioning from the template is about 120 AWS calls through moto, most of an integration test's
set-up. The state it leaves is the same every time, so the first test provisions and keeps a deep
copy of every moto backend; the next tests start from a fresh `mock_aws` (moto's own reset) and
get a deep copy of that state back, as if they had provisioned it themselves.
"""

from __future__ import annotations

import copy
import copyreg
import threading
from dataclasses import dataclass
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

# moto keeps locks and conditions inside some models (SQS queues); a copy gets new, free ones. (A
# copied Condition would keep its original lock's bound methods.)
copyreg.pickle(type(threading.Lock()), lambda _: (threading.Lock, ()))
copyreg.pickle(type(threading.RLock()), lambda _: (threading.RLock, ()))
copyreg.pickle(threading.Condition, lambda _: (threading.Condition, ()))


@dataclass(frozen=True)
class _Kept:
    backends: BackendDict[Any]
    account_id: str
    region: str
    state: BaseBackend


@dataclass(frozen=True)
class MotoSnapshot:
    kept: tuple[_Kept, ...]

    @classmethod
    def take(cls) -> MotoSnapshot:
        """Every backend moto has created so far, copied."""
        return cls(
            tuple(
                _Kept(backends, account_id, region, copy.deepcopy(backend))
                for backends in list(BackendDict._instances)  # type: ignore[misc]
                for account_id, region, backend in backends.iter_backends()
            )
        )

    def restore(self) -> None:
        """Into the backends of the `mock_aws` now active: each gets a copy of its kept state; the
        kept backend's references to itself become references to the live one."""
        for kept in self.kept:
            live = kept.backends[kept.account_id][kept.region]
            live.__dict__ = copy.deepcopy(kept.state.__dict__, {id(kept.state): live})
