"""The planners' shared parts: the table that picks each job's planner, the one batching helper
and the one `JobPlan` factory. Pure: a list stands in for the work queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from core.clock import IST, SettableClock
from core.store.protocols import WorkSends
from reminders.models import JobName, JobPlan, JobRequest, NoticeBatch, Outcome, RequestKey
from reminders.planners.base import Batches, Planner, PlannerTable, Scope
from reminders.planners.wiring import PLANNERS

NOW = datetime(2026, 2, 1, 0, 0, tzinfo=IST)
SCOPE = Scope(programme_id="HR-2026", clock=SettableClock())


class Queue(WorkSends):
    def __init__(self) -> None:
        self.sent: list[list[dict[str, Any]]] = []

    def send(self, bodies: Any) -> int:
        self.sent.append(list(bodies))
        return len(bodies)


class Counted:
    """A planner that says which job it planned."""

    def plan(self, request: JobRequest) -> JobPlan:
        return SCOPE.plan(request, NOW, outcome=Outcome.PLANNED, detail="counted")


def test_every_job_has_a_planner() -> None:
    assert set(PLANNERS) == set(JobName)


def test_a_table_without_a_job_is_refused_when_it_is_built() -> None:
    with pytest.raises(ValueError, match="state-metrics"):
        PlannerTable({job: Counted for job in JobName if job != JobName.STATE_METRICS})


def test_a_planner_is_built_on_its_jobs_first_run_and_kept() -> None:
    # Given a table whose factories count what they build
    built: list[JobName] = []

    def factory(job: JobName) -> Any:
        def build() -> Planner:
            built.append(job)
            return Counted()

        return build

    table = PlannerTable({job: factory(job) for job in JobName})
    # When nothing has run yet, then nothing is built
    assert built == []
    # When one job runs twice, dry and for real
    table.run(JobRequest(job=JobName.STATE_METRICS, dry_run=True))
    plan = table.run(JobRequest(job=JobName.STATE_METRICS))
    # Then its planner alone was built, once, and the plan is that job's
    assert built == [JobName.STATE_METRICS]
    assert (plan.job, plan.dry_run, plan.programme_id) == (JobName.STATE_METRICS, False, "HR-2026")


def test_batches_keep_each_group_in_order_and_at_most_the_size() -> None:
    # Given a queue and batches of at most two items
    queue = Queue()
    batches = Batches(queue=queue, size=2)
    # When two groups of three and one are sent
    sent = batches.send(
        [("a", [RequestKey(pk=f"a{i}", sk="s") for i in range(3)]), ("b", [RequestKey(pk="b0", sk="s")])],
        lambda group, keys: NoticeBatch(
            job=JobName.DELIVER_NOTIFICATIONS, programme_id="HR-2026", requests=[*keys, RequestKey(pk=group, sk="g")]
        ),
    )
    # Then each group is cut in order, no message mixes groups, and one call sent them all
    assert sent == 3
    assert [[r["pk"] for r in body["requests"]] for body in queue.sent[0]] == [
        ["a0", "a1", "a"],
        ["a2", "a"],
        ["b0", "b"],
    ]
    assert len(queue.sent) == 1


def notice(_: object, keys: list[RequestKey]) -> NoticeBatch:
    return NoticeBatch(job=JobName.DELIVER_NOTIFICATIONS, programme_id="HR-2026", requests=keys)


def test_a_dry_run_or_a_plan_with_nothing_to_send_queues_nothing() -> None:
    # Given a dry-run plan and a real one, and one request to deliver
    queue = Queue()
    batches = Batches(queue=queue, size=2)
    dry = SCOPE.plan(
        JobRequest(job=JobName.DELIVER_NOTIFICATIONS, dry_run=True), NOW, outcome=Outcome.PLANNED, detail=""
    )
    real = dry.model_copy(update={"dry_run": False})
    keys = [RequestKey(pk="a", sk="s")]
    # When the dry run has work, and the real one has none, then nothing is sent and the plans stand
    assert batches.queued(dry, [(None, keys)], notice) == dry
    assert batches.queued(real, [(None, []), ("b", [])], notice) == real
    assert queue.sent == []
    # When the real one has work, then it is sent and counted
    assert batches.queued(real, [(None, keys)], notice).messages_sent == 1
    assert len(queue.sent) == 1
