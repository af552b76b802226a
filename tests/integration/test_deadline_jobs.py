"""The deadline jobs on moto: the scheduled planner queues the work, the SQS worker makes each
transition (close-registration: DRAFT → LAPSED; close-verification: SUBMITTED → ESCALATED)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
import pytest

from core.audit import Actor
from core.clock import IST, SettableClock
from core.errors import Busy
from core.programme import Window
from core.store.job_runs import JobRunStore
from core.store.programmes import ProgrammeStore
from core.store.registrations import SWEEP_SHARDS
from infra.local.events import LocalLambdaContext
from infra.local.functions import FunctionRunner
from infra.local.poller import QueuePoller, sqs_event
from infra.local.template import LocalContext, load_template, sqs_sources
from register import handler as register_handler
from register import settings as register_settings
from reminders import planner, worker
from reminders import settings as reminders_settings
from reminders.appliers import records as record_appliers
from reminders.models import JobName
from tests import factories
from tests.factories import employee
from tests.integration.conftest import call
from tests.integration.test_registration_journey import complete_draft, create, submit

pytestmark = pytest.mark.usefixtures("seeded")

JUST_BEFORE_REGISTRATION_CLOSES = datetime(2026, 1, 31, 23, 59, 59, tzinfo=IST)
AFTER_REGISTRATION = datetime(2026, 2, 1, 0, 0, tzinfo=IST)
JUST_BEFORE_VERIFICATION_CLOSES = datetime(2026, 2, 28, 23, 59, 59, tzinfo=IST)
AFTER_VERIFICATION = datetime(2026, 3, 1, 0, 0, tzinfo=IST)
OTHER = employee("EMP-0002")
HISAR = employee("EMP-0003")
DDO = factories.ddo("DDO-PKL-001")


# ---------------------------------------------------------------- helpers
def run_job(job: str, **options: Any) -> dict[str, Any]:
    """The planner, invoked as EventBridge Scheduler invokes it."""
    return planner.lambda_handler({"job": job, **options}, LocalLambdaContext("RemindersPlannerFunction"))


def drain(stack: LocalContext, function_id: str = "RemindersWorkerFunction") -> int:
    """Feeds the function's queue to it as Lambda's poller does; returns the messages handled."""
    (source,) = [s for s in sqs_sources(load_template()) if s.function_id == function_id]
    poller = QueuePoller(
        sqs=boto3.client("sqs"),
        source=source,
        queue_url=stack.physical[source.queue_id]["Ref"],
        queue_arn=stack.physical[source.queue_id]["Arn"],
        region="ap-south-1",
        runner=FunctionRunner(),
    )
    handled = 0
    for _ in range(100):  # bounded: each round deletes what it handled
        done = poller.poll_once(wait_seconds=0)
        if not done:
            return handled
        handled += done
    raise AssertionError("the work queue did not drain")


def work_message(*registration_ids: str, ddo_code: str = "DDO-PKL-001") -> dict[str, Any]:
    """A close-registration work message as the planner sends it."""
    return {
        "job": "close-registration",
        "programme_id": "HR-2026",
        "deadline": "2026-01-31T23:59:59+05:30",
        "ddo_code": ddo_code,
        "registration_ids": list(registration_ids),
    }


def deliver(*messages: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """The worker, invoked by SQS with these (message id, body) records; returns its batch response."""
    records = [{"MessageId": m_id, "ReceiptHandle": m_id, "Body": json.dumps(body)} for m_id, body in messages]
    event = sqs_event(records, "arn:aws:sqs:ap-south-1:123456789012:work", "ap-south-1")
    return worker.lambda_handler(event, LocalLambdaContext("RemindersWorkerFunction"))


def status_of(reg_id: str, as_: dict[str, str] | None = None) -> str:
    return str(call("GET", f"/v1/registrations/{reg_id}", as_=as_ or employee()).body["status"])


def events_of(reg_id: str, as_: dict[str, str] | None = None) -> list[dict[str, Any]]:
    reply = call("GET", f"/v1/registrations/{reg_id}/history", as_=as_ or employee())
    assert reply.body["chain"]["valid"] is True
    return list(reply.body["events"])


def report(key: str) -> list[list[str]]:
    bucket = reminders_settings.get_planner_settings().reports_bucket
    text = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return [line.split(",") for line in text.splitlines()]


def report_keys() -> list[str]:
    bucket = reminders_settings.get_planner_settings().reports_bucket
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def job_notifications() -> list[dict[str, Any]]:
    table = reminders_settings.get_planner_settings().notifications_table
    items = boto3.resource("dynamodb").Table(table).scan()["Items"]  # a test may look at everything
    return [i for i in items if str(i["pk"]).startswith("request#job#")]


def extend(**windows: Any) -> None:
    settings = register_settings.get_settings()
    aws = register_handler.wiring.aws
    ProgrammeStore(aws.dynamodb, aws.resource("dynamodb"), settings.settings_table, 0).put(
        factories.programme(**windows)
    )


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No settings cache: an extension made in a test reaches the next invocation at once."""
    monkeypatch.setenv("SETTINGS_CACHE_SECONDS", "0")
    planner.wiring.reset()
    worker.wiring.reset()


def a_draft(as_: dict[str, str] | None = None) -> str:
    reply = create(as_=as_)
    assert reply.status == 201, reply.body
    return str(reply.body["registration_id"])


def a_submission(as_: dict[str, str] | None = None) -> str:
    reg_id, version = complete_draft(as_=as_)
    reply = submit(reg_id, version, as_=as_)
    assert reply.status == 200, reply.body
    return reg_id


# ---------------------------------------------------------------- close-registration
@pytest.mark.parametrize("now", [datetime(2026, 1, 20, 11, 0, tzinfo=IST), JUST_BEFORE_REGISTRATION_CLOSES])
def test_close_registration_does_nothing_until_the_deadline_has_passed(
    stack: LocalContext, clock: SettableClock, now: datetime
) -> None:
    # Given a draft
    draft = a_draft()
    # When the job runs before the deadline, or at its last second
    clock.set(now, frozen=True)
    plan = run_job("close-registration")
    # Then it says it is not due and changes nothing
    assert plan["outcome"] == "not_due"
    assert plan["deadline"] == "2026-01-31T23:59:59+05:30"
    assert plan["actions"] == {}
    assert drain(stack) == 0
    assert status_of(draft) == "DRAFT"
    assert report_keys() == []


def test_close_registration_lapses_drafts_once_with_an_audit_event_and_a_final_report(
    stack: LocalContext, clock: SettableClock
) -> None:
    # Given a draft and a submitted registration of DDO-PKL-001, and a draft of DDO-HSR-001
    draft = a_draft()
    submitted = a_submission(as_=OTHER)
    hisar_draft = a_draft(as_=HISAR)
    # When the job runs just after the deadline and the worker drains the queue
    clock.set(AFTER_REGISTRATION, frozen=True)
    plan = run_job("close-registration")
    assert drain(stack) == 2
    # Then the plan counts the drafts by DDO, and the drafts (only they) have lapsed
    assert plan["outcome"] == "planned"
    assert plan["actions"] == {"lapse": 2}
    assert plan["by_ddo"] == {"DDO-HSR-001": 1, "DDO-PKL-001": 1}
    assert sorted(plan["sample_ids"]) == sorted([draft, hisar_draft])
    assert plan["messages_sent"] == 2  # one per DDO
    assert plan["first_run"] is True
    assert status_of(draft) == "LAPSED"
    assert status_of(hisar_draft, as_=HISAR) == "LAPSED"
    assert status_of(submitted, as_=OTHER) == "SUBMITTED"
    # And the change is an audited transition made by the job
    last = events_of(draft)[-1]
    assert (last["type"], last["actor"], last["actor_role"]) == (
        "registration.lapsed",
        "system:close-registration",
        "system",
    )
    assert last["data"]["status"] == "LAPSED"
    # And the final report lists the lapsed drafts by DDO and department
    assert report(plan["report_key"]) == [
        ["ddo_code", "department", "district", "lapsed_drafts"],
        ["DDO-HSR-001", "Health", "Hisar", "1"],
        ["DDO-PKL-001", "Health", "Panchkula", "1"],
        ["TOTAL", "", "", "2"],
    ]

    # When the hourly schedule fires again
    clock.set(datetime(2026, 2, 1, 1, 0, tzinfo=IST), frozen=True)
    again = run_job("close-registration")
    # Then there is nothing left to do, no work is queued and nothing changes twice
    assert again["outcome"] == "nothing_to_do"
    assert again["first_run"] is False
    assert again["messages_sent"] == 0
    assert again["report_key"] is None
    assert drain(stack) == 0
    assert [e["type"] for e in events_of(draft)].count("registration.lapsed") == 1
    assert report_keys() == [plan["report_key"]]


def test_a_lapsed_draft_cannot_be_submitted_or_edited(stack: LocalContext, clock: SettableClock) -> None:
    # Given a complete draft that was not submitted by the deadline and has lapsed
    reg_id, version = complete_draft()
    clock.set(AFTER_REGISTRATION, frozen=True)
    run_job("close-registration")
    drain(stack)
    lapsed_version = call("GET", f"/v1/registrations/{reg_id}", as_=employee()).body["version"]
    assert lapsed_version == version + 1
    # When the employee submits it
    reply = submit(reg_id, lapsed_version)
    # Then the window is closed: 403, saying when and who can help, the time for people and for machines
    assert (reply.status, reply.code) == (403, "registration_closed")
    assert reply.body["detail"].startswith("Registration closed on 31 January 2026 at 11:59 pm IST; this draft has")
    assert reply.body["closed_at"] == "2026-01-31T23:59:59+05:30"
    # And asked in Hindi, the same code and machine fields, in Hindi words
    hindi = call(
        "POST",
        f"/v1/registrations/{reg_id}/submit",
        as_=employee(),
        body={"version": lapsed_version},
        headers={"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.8"},
    )
    assert (hindi.status, hindi.code, hindi.body["closed_at"]) == (403, "registration_closed", reply.body["closed_at"])
    assert hindi.body["title"] == "पंजीकरण की अवधि समाप्त हो गई है"
    assert "31 जनवरी 2026, रात 11:59 बजे (IST)" in hindi.body["detail"] and "DDO" in hindi.body["detail"]
    assert hindi.headers["Content-Language"] == "hi" and reply.headers["Content-Language"] == "en"


def test_a_dry_run_reports_what_it_would_do_and_changes_nothing(stack: LocalContext, clock: SettableClock) -> None:
    # Given a draft after the deadline
    draft = a_draft()
    clock.set(AFTER_REGISTRATION, frozen=True)
    # When the job is dry-run
    plan = run_job("close-registration", dry_run=True)
    # Then it says what it would do
    assert plan["dry_run"] is True
    assert (plan["outcome"], plan["actions"], plan["sample_ids"]) == ("planned", {"lapse": 1}, [draft])
    assert "Would lapse 1" in plan["detail"]
    # And nothing was queued, written or changed
    assert plan["messages_sent"] == 0
    assert drain(stack) == 0
    assert status_of(draft) == "DRAFT"
    assert report_keys() == []
    # And the real run afterwards is still the first one
    assert run_job("close-registration")["first_run"] is True


def test_an_extension_of_the_window_moves_the_close(stack: LocalContext, clock: SettableClock) -> None:
    # Given a draft, and the window extended to 7 February by an order
    draft = a_draft()
    extended = datetime(2026, 2, 7, 23, 59, 59, tzinfo=IST)
    extend(registration=Window(opens_at=factories.OPENS, closes_at=extended))
    # When the job runs on 1 February
    clock.set(AFTER_REGISTRATION, frozen=True)
    plan = run_job("close-registration")
    # Then it is not due yet
    assert (plan["outcome"], plan["deadline"]) == ("not_due", "2026-02-07T23:59:59+05:30")
    assert status_of(draft) == "DRAFT"
    # When it runs after the new deadline, the draft lapses
    clock.set(datetime(2026, 2, 8, 0, 0, tzinfo=IST), frozen=True)
    assert run_job("close-registration")["actions"] == {"lapse": 1}
    drain(stack)
    assert status_of(draft) == "LAPSED"


def test_work_planned_before_an_extension_is_not_done(stack: LocalContext, clock: SettableClock) -> None:
    # Given the job queued a draft just after the deadline
    draft = a_draft()
    clock.set(AFTER_REGISTRATION, frozen=True)
    assert run_job("close-registration")["actions"] == {"lapse": 1}
    # When the window is extended before the worker runs
    extend(registration=Window(opens_at=factories.OPENS, closes_at=datetime(2026, 2, 7, 23, 59, 59, tzinfo=IST)))
    drain(stack)
    # Then the worker reads the new deadline and leaves the draft alone
    assert status_of(draft) == "DRAFT"


def test_two_runs_and_a_duplicate_message_make_one_transition(stack: LocalContext, clock: SettableClock) -> None:
    # Given a draft after the deadline, and the job run twice before any worker ran (both queue it)
    draft = a_draft()
    clock.set(AFTER_REGISTRATION, frozen=True)
    first, second = run_job("close-registration"), run_job("close-registration")
    assert (first["first_run"], second["first_run"]) == (True, False)
    assert first["messages_sent"] == second["messages_sent"] == 1
    # When the worker gets both messages, and one of them once more
    assert first["deadline"] == work_message(draft)["deadline"]
    duplicate = deliver(("dup-1", work_message(draft)))
    assert drain(stack) == 2
    # Then the draft lapsed exactly once and nothing failed
    assert duplicate == {"batchItemFailures": []}
    assert [e["type"] for e in events_of(draft)].count("registration.lapsed") == 1
    assert status_of(draft) == "LAPSED"


def test_the_worker_reports_only_the_failed_message_of_a_batch(stack: LocalContext, clock: SettableClock) -> None:
    # Given a batch with one good message and one that is not a work message
    draft = a_draft()
    clock.set(AFTER_REGISTRATION, frozen=True)
    good = work_message(draft)
    bad = {**good, "job": "no-such-job"}
    # When the worker handles the batch
    result = deliver(("good-1", good), ("bad-1", bad))
    # Then only the bad message is reported failed (to be retried, then dead-lettered); the good one is done
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}
    assert status_of(draft) == "LAPSED"


def test_an_unknown_job_is_refused_by_the_planner(stack: LocalContext) -> None:
    with pytest.raises(ValueError, match="job"):
        run_job("no-such-job")


# ---------------------------------------------------------------- close-verification
def test_close_verification_does_nothing_at_the_last_second(stack: LocalContext, clock: SettableClock) -> None:
    # Given a submitted registration at 28 February 23:59:59 IST
    reg_id = a_submission()
    clock.set(JUST_BEFORE_VERIFICATION_CLOSES, frozen=True)
    # When the job runs
    plan = run_job("close-verification")
    # Then it is not due and the DDO may still decide
    assert plan["outcome"] == "not_due"
    assert drain(stack) == 0
    assert status_of(reg_id) == "SUBMITTED"


def test_close_verification_escalates_pending_records_lists_defaulters_and_tells_each_hod(
    stack: LocalContext, clock: SettableClock
) -> None:
    # Given records pending with two DDOs of Health, and one the DDO has decided
    pending_pkl = a_submission()
    pending_hsr = a_submission(as_=HISAR)
    decided = a_submission(as_=OTHER)
    clock.set(datetime(2026, 2, 20, 10, 0, tzinfo=IST), frozen=True)
    version = call("GET", f"/v1/verifications/{decided}", as_=DDO).body["version"]
    verified = call(
        "POST",
        f"/v1/verifications/{decided}/decision",
        as_=DDO,
        body={"decision": "verify", "remarks": "", "version": version},
    )
    assert verified.status == 200, verified.body
    # When the job runs after 28 February and the worker drains the queue
    clock.set(AFTER_VERIFICATION, frozen=True)
    plan = run_job("close-verification")
    assert drain(stack) == 2
    # Then the pending records (only they) are escalated to the HoD by the job
    assert (plan["outcome"], plan["actions"]) == ("planned", {"escalate": 2})
    assert status_of(pending_pkl) == status_of(pending_hsr, as_=HISAR) == "ESCALATED"
    assert status_of(decided, as_=OTHER) == "VERIFIED"
    last = events_of(pending_pkl)[-1]
    assert (last["type"], last["actor"]) == ("verification.escalated", "system:close-verification")
    # And the defaulter list names each DDO with the records they left undecided
    assert report(plan["report_key"])[1:] == [
        ["DDO-HSR-001", "Health", "Hisar", "1"],
        ["DDO-PKL-001", "Health", "Panchkula", "1"],
        ["TOTAL", "", "", "2"],
    ]
    # And the HoD of Health gets one notification request listing them
    (request,) = job_notifications()
    assert request["recipient"] == "hod:Health"
    assert request["template"] == "verification_defaulters"
    assert [(d["ddo_code"], int(d["escalated"])) for d in request["data"]["defaulters"]] == [
        ("DDO-HSR-001", 1),
        ("DDO-PKL-001", 1),
    ]
    assert plan["notified"] == ["hod:Health"]

    # When the schedule fires again an hour later
    clock.set(datetime(2026, 3, 1, 1, 0, tzinfo=IST), frozen=True)
    again = run_job("close-verification")
    # Then nothing is escalated, listed or notified twice
    assert (again["outcome"], again["messages_sent"], again["notified"]) == ("nothing_to_do", 0, [])
    assert len(job_notifications()) == 1
    assert [e["type"] for e in events_of(pending_pkl)].count("verification.escalated") == 1


def test_after_escalation_the_hod_decides_and_the_ddo_cannot(stack: LocalContext, clock: SettableClock) -> None:
    # Given a record escalated by the job
    reg_id = a_submission()
    clock.set(AFTER_VERIFICATION, frozen=True)
    run_job("close-verification")
    drain(stack)
    hod = factories.claims("hod1", "hod", department="Health")
    # When the HoD opens their queue
    queue = call("GET", "/v1/verifications", as_=hod).body["items"]
    item = next(i for i in queue if i["registration_id"] == reg_id)
    # Then the DDO is refused, and the HoD's decision is recorded
    late = call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        as_=DDO,
        body={"decision": "verify", "remarks": "", "version": item["version"]},
    )
    assert (late.status, late.code) == (403, "verification_closed")
    decided = call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        as_=hod,
        body={"decision": "verify", "remarks": "Verified by the HoD.", "version": item["version"]},
    )
    assert decided.status == 200, decided.body
    assert decided.body["status"] == "VERIFIED"


# ---------------------------------------------------------------- failures and races
def test_a_worker_that_fails_halfway_resumes_on_the_next_run(
    stack: LocalContext, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given drafts of two DDOs after the deadline, and a worker that fails on DDO-HSR-001's records
    draft = a_draft()
    hisar_draft = a_draft(as_=HISAR)
    clock.set(AFTER_REGISTRATION, frozen=True)
    real = record_appliers.TRANSITIONS[JobName.CLOSE_REGISTRATION]

    def failing_for_hisar(recorder: Any, registration: Any, now: datetime, **told: Any) -> Any:
        if registration.ddo_code == "DDO-HSR-001":
            raise Busy(simulated="outage")
        return real(recorder, registration, now, **told)

    monkeypatch.setitem(record_appliers.TRANSITIONS, JobName.CLOSE_REGISTRATION, failing_for_hisar)
    assert run_job("close-registration")["messages_sent"] == 2
    # When the worker runs: one message succeeds, the other fails and stays on the queue
    assert drain(stack) == 1
    assert (status_of(draft), status_of(hisar_draft, as_=HISAR)) == ("LAPSED", "DRAFT")
    # And, the outage over, the hourly schedule fires again
    monkeypatch.setitem(record_appliers.TRANSITIONS, JobName.CLOSE_REGISTRATION, real)
    clock.set(datetime(2026, 2, 1, 1, 0, tzinfo=IST), frozen=True)
    again = run_job("close-registration")
    # Then it queues only what is left, and every draft has lapsed exactly once
    assert (again["first_run"], again["actions"], again["messages_sent"]) == (False, {"lapse": 1}, 1)
    assert drain(stack) == 1
    assert status_of(hisar_draft, as_=HISAR) == "LAPSED"
    for reg_id, who in ((draft, employee()), (hisar_draft, HISAR)):
        assert [e["type"] for e in events_of(reg_id, as_=who)].count("registration.lapsed") == 1


def touched_first(monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    """Makes someone else change the record (an audited change) just before the job's first `times` writes."""
    real = record_appliers.TRANSITIONS[JobName.CLOSE_REGISTRATION]
    touched: list[str] = []

    def racing(recorder: Any, registration: Any, now: datetime, **told: Any) -> Any:
        if len(touched) < times:
            fresh = worker.wiring.registrations.get(registration.registration_id)
            recorder.record(before=fresh, after=fresh, event_type="test.touched", actor=Actor(id="u", role="x"), at=now)
            touched.append(registration.registration_id)
        return real(recorder, registration, now, **told)

    monkeypatch.setitem(record_appliers.TRANSITIONS, JobName.CLOSE_REGISTRATION, racing)
    return touched


def test_a_record_changed_while_the_job_works_is_read_again_and_then_lapsed(
    stack: LocalContext, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a draft that someone changes between the worker's read and its write
    draft = a_draft()
    clock.set(AFTER_REGISTRATION, frozen=True)
    touched = touched_first(monkeypatch, times=1)
    # When the job runs
    run_job("close-registration")
    assert drain(stack) == 1
    # Then the worker's conditional write failed, it read the record again, and lapsed it after the change
    assert touched == [draft]
    assert [e["type"] for e in events_of(draft)][-2:] == ["test.touched", "registration.lapsed"]


def test_a_record_that_keeps_changing_fails_its_message_for_a_retry(
    stack: LocalContext, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a draft that changes before every write the worker attempts
    draft = a_draft()
    clock.set(AFTER_REGISTRATION, frozen=True)
    touched_first(monkeypatch, times=record_appliers.RECORD_ATTEMPTS)
    # When the worker handles its message
    result = deliver(("m-1", work_message(draft)))
    # Then the message is reported failed (SQS retries it) and the draft is untouched by the job
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert status_of(draft) == "DRAFT"


def test_only_one_of_two_racing_planners_records_the_run(stack: LocalContext) -> None:
    # Given the job-run store, and a run recorded for a deadline
    settings = reminders_settings.get_planner_settings()
    runs = JobRunStore(boto3.client("dynamodb"), settings.job_runs_table)
    deadline = factories.REGISTRATION_CLOSES
    assert runs.claim("close-registration", "HR-2026", deadline, {"planned_at": "a"}) is True
    # When a second planner tries to record the same run
    # Then it is told it is not the first, and the first record stands
    assert runs.claim("close-registration", "HR-2026", deadline, {"planned_at": "b"}) is False
    assert (runs.get("close-registration", "HR-2026", deadline) or {})["planned_at"] == "a"


def test_an_extension_of_verification_moves_the_escalation(stack: LocalContext, clock: SettableClock) -> None:
    # Given a submitted record and verification extended to 7 March
    reg_id = a_submission()
    extend(verification_closes_at=datetime(2026, 3, 7, 23, 59, 59, tzinfo=IST))
    # When the job runs on 1 March
    clock.set(AFTER_VERIFICATION, frozen=True)
    plan = run_job("close-verification")
    # Then it is not due, the record stays with its DDO, and nobody is notified
    assert (plan["outcome"], plan["deadline"]) == ("not_due", "2026-03-07T23:59:59+05:30")
    assert drain(stack) == 0
    assert status_of(reg_id) == "SUBMITTED"
    assert job_notifications() == []


# ---------------------------------------------------------------- cost
class Reads:
    """DynamoDB calls of the planner's clients and the items each Query returned (botocore hooks)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.items_read = 0

    def __call__(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.calls.append(model.name)
        if model.name == "Query":
            self.items_read += int(parsed.get("ScannedCount", 0))


def planner_reads() -> Reads:
    reads = Reads()
    aws = planner.wiring.aws
    for client in (aws.dynamodb, aws.resource("dynamodb").meta.client):
        client.meta.events.register("after-call.dynamodb", reads)
    return reads


def test_planning_reads_only_the_pending_records(stack: LocalContext, clock: SettableClock) -> None:
    # Given one draft and a submitted record (which close-registration does not act on)
    a_draft()
    a_submission(as_=OTHER)
    clock.set(AFTER_REGISTRATION, frozen=True)
    # When the job is planned
    reads = planner_reads()
    run_job("close-registration", dry_run=True)
    # Then it made one Query per shard of the sparse index and read the one draft, nothing else
    assert reads.calls.count("Query") == SWEEP_SHARDS
    assert "Scan" not in reads.calls
    assert reads.items_read == 1


def test_work_is_queued_in_batches_of_one_ddo_and_a_bounded_size(
    stack: LocalContext, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two drafts of DDO-PKL-001 and one of DDO-HSR-001, and batches of at most one record
    drafts = [a_draft(), a_draft(as_=OTHER), a_draft(as_=HISAR)]
    monkeypatch.setenv("WORK_BATCH_SIZE", "1")
    planner.wiring.reset()
    clock.set(AFTER_REGISTRATION, frozen=True)
    # When the job runs
    plan = run_job("close-registration")
    # Then each record travels alone, and all of them lapse
    assert plan["messages_sent"] == 3
    assert drain(stack) == 3
    assert [status_of(d, as_=who) for d, who in zip(drafts, (employee(), OTHER, HISAR), strict=True)] == ["LAPSED"] * 3
