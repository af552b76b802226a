"""What every job planner shares: the `Planner` protocol, the table that picks one per job, the one
`JobPlan` factory and the one batching helper.

A planner finds a job's work and queues it for the worker; it never changes a record itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

from core.clock import Clock
from core.registration import RegistrationStatus
from core.store.dynamo import Position, across_shards
from core.store.registrations import SWEEP_SHARDS, SweepItem
from reminders.models import JobName, JobPlan, JobRequest, Outcome

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import RegistrationSweeps, WorkSends

Key = TypeVar("Key")
Item = TypeVar("Item")


class Planner(Protocol):
    def plan(self, request: JobRequest) -> JobPlan: ...


class PlannerTable:
    """Each job's planner, built on the job's first run and kept: a cold start builds only the
    stores its own job needs."""

    def __init__(self, factories: Mapping[JobName, Callable[[], Planner]]) -> None:
        missing = set(JobName) - set(factories)
        if missing:
            raise ValueError(f"no planner for {sorted(missing)}")  # a wiring error, not a request's
        self._factories = factories
        self._built: dict[JobName, Planner] = {}

    def run(self, request: JobRequest) -> JobPlan:
        if request.job not in self._built:
            self._built[request.job] = self._factories[request.job]()
        return self._built[request.job].plan(request)


@dataclass(frozen=True)
class Scope:
    """What every planner has: the programme it plans for and the clock."""

    programme_id: str
    clock: Clock

    def plan(
        self,
        request: JobRequest,
        now: datetime,
        *,
        outcome: Outcome,
        detail: str,
        deadline: datetime | None = None,
        **found: Any,
    ) -> JobPlan:
        """The one `JobPlan` factory: the job, the programme and the run's mode come from the request."""
        return JobPlan(
            job=request.job,
            programme_id=self.programme_id,
            dry_run=request.dry_run,
            now=now,
            deadline=deadline,
            outcome=outcome,
            detail=detail,
            **found,
        )


@dataclass(frozen=True)
class Batches:
    """The one batching helper: the work queue and the most items one message carries."""

    queue: WorkSends
    size: int

    def send(
        self, groups: Iterable[tuple[Key, Sequence[Item]]], message: Callable[[Key, list[Item]], BaseModel]
    ) -> int:
        """Each group's items, in order, in messages of at most `size` (`message(key, items)` makes
        one): a retried message redoes little. Returns the messages sent."""
        bodies = [
            message(key, list(items[start : start + self.size])).model_dump(mode="json")
            for key, items in groups
            for start in range(0, len(items), self.size)
        ]
        return self.queue.send(bodies)

    def queued(
        self,
        plan: JobPlan,
        groups: Sequence[tuple[Key, Sequence[Item]]],
        message: Callable[[Key, list[Item]], BaseModel],
    ) -> JobPlan:
        """The plan with its work sent: a dry run, or a plan with nothing in any group, sends nothing."""
        if plan.dry_run or not any(items for _, items in groups):
            return plan
        return plan.model_copy(update={"messages_sent": self.send(groups, message)})


def pending(registrations: RegistrationSweeps, programme_id: str, status: RegistrationStatus) -> Iterator[SweepItem]:
    """Every record in `status`, from the sparse sweep index: the cost follows the pending count."""

    def page(shard: int, start: Position) -> tuple[list[SweepItem], Position]:
        found = registrations.sweep(programme_id=programme_id, status=status, shard=shard, start=start)
        return found.items, found.last_key

    return across_shards(SWEEP_SHARDS, page)
