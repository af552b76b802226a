"""Faults lose nothing in the scheduled functions (EventBridge Scheduler → Lambda, no queue): every job
of the reminders planner, the transparency log's two jobs and the auditor, with an AWS fault injected
at each of its calls in turn (tests/integration/fault_injection.py).

A scheduled invocation may fail: Lambda records the error and invokes it again (the schedule's
retries, then the next scheduled run). So the rule is on what the fault leaves for that next run:
the job is invoked again a minute later, with other random draws (a new run id, as a real retry
gets), then the queues it fed are drained through their workers, and the state must be exactly one of
* A: a clean run at the next run's minute alone (the faulted run counts as never having happened), or
* B: the clean run, then the next run (the faulted run counts as done), or
* C: the clean run alone (the next run finished the faulted run's work and had none of its own);
never a double-applied effect (two notifications for one deadline, two job runs, a reminder sent twice,
an audit run recorded twice, a checkpoint left archived that the table never serves) nor a lost one.
What each fault left right after the failed run (before, after, or work in progress) is reported too.

What the scheduler sees: every fault fails the invocation (the AWS error itself, or Powertools'
GetParameterError for the programme's settings), so Lambda retries it and, once its retries are spent,
keeps the event in ScheduleDLQ; no job reports success over work it left undone.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from auditor import handler as auditor_handler
from core.clock import SettableClock
from core.notices import Contact, NoticePolicy
from core.store import work_queue
from core.store.roll import RollStore
from infra.local.events import LocalLambdaContext
from infra.local.template import LocalContext, load_template
from register import handler as register_handler
from register import settings as register_settings
from reminders import planner
from tests.factories import PKL_UNIT, employee
from tests.integration.conftest import call
from tests.integration.fault_injection import Answer as Seen
from tests.integration.fault_injection import (
    AwsCall,
    Fault,
    FaultCycle,
    Lab,
    _confirmed,
    differences,
    state,
)
from tests.integration.moto_snapshot import MotoSnapshot
from tests.integration.test_deadline_jobs import AFTER_REGISTRATION, AFTER_VERIFICATION, HISAR, drain
from tests.integration.test_grievances import DUE_L1, filed
from tests.integration.test_registration_journey import complete_draft, submit
from tests.integration.test_reminder_jobs import at, official, put_programme, retiring_entry
from tests.integration.test_transparency_audit import alter_text, build_world
from transparency import log as transparency_log

NEXT_RUN = timedelta(minutes=1)  # Lambda's own retry of a failed asynchronous invocation comes within minutes
CLEAN, LATER, SETTLE = 1, 2, 3  # the random draws of the run, of the next run, of the workers


def scheduled(handler: Any, function_id: str, job: str) -> Callable[[], Seen]:
    """The job, invoked as EventBridge Scheduler invokes it: what it returned, or what it raised."""

    def invoke() -> Seen:
        try:
            return Seen(body=handler.lambda_handler({"job": job}, LocalLambdaContext(function_id)))
        except Exception as error:  # noqa: BLE001 - Lambda records it and the schedule invokes again
            return Seen(raised=type(error).__name__)

    return invoke


def settled(stack: LocalContext) -> Seen:
    """The queues the jobs feed, drained through their workers (a worker may ask for a checkpoint)."""
    while drain(stack) + drain(stack, "TransparencyLogFunction"):
        pass
    return Seen()


@dataclass
class Faulted:
    index: int
    call: AwsCall
    fault: Fault
    seen: Seen  # what the scheduler saw
    left: str  # right after the failed run: "before", "after" or "in progress"
    ended: str  # after the next run and the workers: "A", "B", "C" or "neither"
    off: list[str] = field(default_factory=list)


INSTANT = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?)"')
EPOCH = re.compile(r'("\w*_epoch": )\d+')


def timeless(found: dict[str, Any]) -> dict[str, Any]:
    """The state with the instants of the items' fields left out: a run's leftovers finished by the next
    run bear both runs' minutes (a request made by the first, the run recorded by the next). What is
    hashed or signed with an instant (events, checkpoints) still differs, and is compared."""

    def blind(item: str) -> str:
        return EPOCH.sub(r"\1 0", INSTANT.sub('"<instant>"', item))

    return {**found, "dynamodb": {t: sorted(map(blind, items)) for t, items in found["dynamodb"].items()}}


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Alike, a notification that went out but whose ledger entry was not confirmed read as confirmed
    (see fault_injection.UNCONFIRMED), and the instants of the records' fields left out."""
    return a == b or _confirmed(a) == _confirmed(b) or timeless(_confirmed(a)) == timeless(_confirmed(b))


def sweep_job(
    lab: Lab,
    clock: SettableClock,
    stack: LocalContext,
    job: str,
    invoke: Callable[[], Seen],
    record: Callable[[str, object], None],
) -> list[str]:
    """The job clean, then with a fault at each of its calls in turn, each followed by the next run and the
    workers. Returns the faults whose outcome breaks the rule (and records the figures)."""
    now, later = clock.now(), clock.now() + NEXT_RUN

    def settle() -> Seen:
        return settled(stack)

    def run(at_: datetime, seed: int, fail_at: int | None = None, fault: Fault | None = None) -> Seen:
        clock.set(at_, frozen=True)
        return lab.run(invoke, fail_at, fault, seed=seed)[0]

    before = state()
    snapshot = MotoSnapshot.take()
    clock.set(now, frozen=True)
    clean, calls = lab.run(invoke, seed=CLEAN)
    assert clean.succeeded, f"{job}: the clean run failed: {clean}"
    after = state()
    ends: dict[str, dict[str, Any]] = {}

    def end(name: str) -> dict[str, Any]:
        """A: the next run alone; B: the clean run, then the next run; C: the clean run, whose work the
        next run finds done (or finishes), with nothing of its own to do. Each made when first needed."""
        if name not in ends:
            snapshot.restore()
            if name in "BC":
                run(now, CLEAN)
            if name in "AB":
                run(later, LATER)
            lab.run(settle, seed=SETTLE)
            ends[name] = state()
        return ends[name]

    outcomes, cycle = [], FaultCycle()
    for index, aws_call in enumerate(calls):
        snapshot.restore()
        fault = cycle.next_for(aws_call)
        seen = run(now, CLEAN, index, fault)
        found = state()
        if found == before:  # then the next run and the workers do exactly what they do in A
            outcomes.append(Faulted(index, aws_call, fault, seen, "before", "A"))
            continue
        left = "after" if same(found, after) else "in progress"
        run(later, LATER)
        lab.run(settle, seed=SETTLE)
        final = state()
        ended = next((name for name in "ABC" if same(final, end(name))), "neither")
        off = [] if ended != "neither" else differences(end("A"), final)
        outcomes.append(Faulted(index, aws_call, fault, seen, left, ended, off))
    snapshot.restore()

    caller = Counter("raised " + o.seen.raised if o.seen.raised else "returned its plan" for o in outcomes)
    record(f"faults {job}", len(outcomes))  # the run's summary counts these (tests/conftest.py)
    record(f"calls {job}", " ".join(sorted({str(c) for c in calls})))
    record(f"caller {job}", dict(caller))
    record(f"left {job}", dict(Counter(o.left for o in outcomes)))
    record(f"ended {job}", dict(Counter(o.ended for o in outcomes)))
    assert outcomes, f"{job}: made no AWS call"
    return [
        f"{job}: {o.fault} at call {o.index} ({o.call}) -> {o.seen}, left {o.left}, then none of A, B, C: {o.off[:4]}"
        for o in outcomes
        if o.ended == "neither"
    ] + [
        f"{job}: {o.fault} at call {o.index} ({o.call}) -> reported success but left the state {o.left}"
        for o in outcomes
        if o.seen.succeeded and o.left != "after"
    ]


# ---------------------------------------------------------------- the worlds each job finds
def one_record_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work messages of one record (or recipient) each, and one message a SendMessageBatch: a fault can
    fall between two sends with a handful of records (as it can between two batches of ten)."""
    monkeypatch.setenv("WORK_BATCH_SIZE", "1")
    monkeypatch.setattr(work_queue, "SQS_BATCH", 1)
    planner.wiring.reset()


def drafts(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drafts never submitted, of two DDOs, a message each; registration has closed."""
    one_record_a_message(monkeypatch)
    for who in (employee(), HISAR):
        assert call("POST", "/v1/registrations", as_=who, body={}).status == 201
    clock.set(AFTER_REGISTRATION, frozen=True)


def two_undecided(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Submissions nobody decided, of two DDOs (and departments), a message each; verification has closed."""
    one_record_a_message(monkeypatch)
    for who in (employee(), HISAR):
        reg, version = complete_draft(as_=who)
        assert submit(reg, version, as_=who).status == 200
    clock.set(AFTER_VERIFICATION, frozen=True)


def reminder_day(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """T-7 before registration closes: the roll's three employees unregistered (one with a draft), a message each."""
    one_record_a_message(monkeypatch)
    put_programme()
    call("POST", "/v1/registrations", as_=employee(), body={})
    clock.set(at(24, 1), frozen=True)


def verification_reminder_day(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """T-7 before verification closes, with a submission waiting on its DDO."""
    put_programme()
    reg, version = complete_draft()
    assert submit(reg, version).status == 200
    clock.set(at(21, 2), frozen=True)


def retiring(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two employees (of one DDO) reaching superannuation within 90 days; the monthly notice runs."""
    put_programme()
    roll = RollStore(register_handler.wiring.aws.dynamodb, register_settings.get_settings().roll_table)
    roll.put(retiring_entry("EMP-0042", "9876500042", date(1968, 3, 10)))
    roll.put(retiring_entry("EMP-0043", "9876500043", date(1968, 3, 20)))
    clock.set(at(1, 2, hour=9), frozen=True)


def digest_day(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two units' officers (one never signed in), a HoD, a grievance open; the digest runs at 09:00."""
    contacts = {
        "unit:GRV-PKL-L1": Contact(mobile="9876500201"),
        "unit:GRV-HSR-L1": Contact(mobile="9876500202"),
        "hod:Health": Contact(mobile="9876500203"),
    }
    put_programme(notices=NoticePolicy(contacts=contacts))
    official("officer-pkl", "officer", unit=PKL_UNIT)
    official("officer-hsr", "officer", unit="GRV-HSR-L1")
    official("hod-health", "hod", department="Health")
    filed()
    clock.set(at(21, 1, hour=9), frozen=True)


def overdue_grievance(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grievance whose L1 SLA has passed."""
    filed()
    clock.set(DUE_L1 + timedelta(minutes=5), frozen=True)


def outbox(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grievance filed: its outbox requests (to the unit, to the employee) wait for delivery."""
    put_programme(notices=NoticePolicy(contacts={f"unit:{PKL_UNIT}": Contact(mobile="9876500201")}))
    filed()
    clock.set(clock.now() + timedelta(minutes=5), frozen=True)


def some_records(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations and a grievance: counters, and events not yet in the log."""
    call("POST", "/v1/registrations", as_=employee(), body={})
    reg, version = complete_draft(as_=HISAR)
    assert submit(reg, version, as_=HISAR).status == 200
    filed()


def tampered(clock: SettableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin, a checkpointed log, and an event's text changed since: the audit finds it and tells the admin."""
    world = build_world(clock, every_kind=False)
    alter_text(world)


PLANNER = (planner, "RemindersPlannerFunction")
LOG = (transparency_log, "TransparencyLogFunction")
AUDITOR = (auditor_handler, "TransparencyAuditFunction")
JOBS: dict[str, tuple[tuple[Any, str], Callable[[SettableClock, pytest.MonkeyPatch], None]]] = {
    "close-registration": (PLANNER, drafts),
    "close-verification": (PLANNER, two_undecided),
    "registration-reminders": (PLANNER, reminder_day),
    "verification-reminders": (PLANNER, verification_reminder_day),
    "superannuation-notice": (PLANNER, retiring),
    "officer-digest": (PLANNER, digest_day),
    "grievance-sla": (PLANNER, overdue_grievance),
    "deliver-notifications": (PLANNER, outbox),
    "state-metrics": (PLANNER, some_records),
    "transparency-sequence": (LOG, some_records),
    "transparency-checkpoint": (LOG, some_records),
    "transparency-audit": (AUDITOR, tampered),
}


def test_every_scheduled_job_of_the_template_is_swept() -> None:
    schedules = [
        source["Properties"]["Input"]
        for resource in load_template()["Resources"].values()
        for source in resource.get("Properties", {}).get("Events", {}).values()
        if source.get("Type") == "ScheduleV2"
    ]
    assert sorted(json.loads(i)["job"] for i in schedules) == sorted(JOBS)


@pytest.mark.parametrize("job", list(JOBS))
def test_a_fault_leaves_the_next_run_to_finish_once(
    job: str,
    lab: Lab,
    clock: SettableClock,
    seeded: LocalContext,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Callable[[str, object], None],
) -> None:
    (handler, function_id), world = JOBS[job]
    # Given the world the job acts on
    world(clock, monkeypatch)
    # When the job runs with a fault at each of its calls in turn, and then runs again a minute later
    found = sweep_job(lab, clock, seeded, job, scheduled(handler, function_id, job), record_property)
    # Then the state is the clean run's, or the next run's alone: nothing lost, nothing done twice
    assert not found, f"{len(found)} faults broke the rule:\n" + "\n".join(found)
