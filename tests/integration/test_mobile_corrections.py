"""Mobile corrections on moto: the help entry point opens one request, the DDO or HoD approves or
rejects it (or corrects directly), the roll entry's chain records it, both numbers hear of it, and
the reports and reminders see the backlog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import boto3
import pytest

from core.audit import verify_chain
from core.clock import SettableClock
from core.corrections import HelpRequest
from core.mobile_help import HelpOutcome, open_mobile_correction
from core.store.corrections import CorrectionStore
from core.store.counters import CounterStore
from core.store.events import EventStore
from core.store.roll import RollStore, UpsertOutcome
from roll import settings as roll_settings
from tests import factories
from tests.integration.conftest import Reply, call
from tests.integration.test_deadline_jobs import _fresh_settings, drain, run_job
from tests.integration.test_notification_delivery import Sends
from tests.integration.test_reminder_jobs import put_programme
from tests.integration.test_roll_import import imported, report_lines, roll_file, roll_line

pytestmark = pytest.mark.usefixtures("seeded", _fresh_settings.__name__)

# The seeded roll: EMP-0001 (9812345678) and EMP-0002 of DDO-PKL-001 (Health), EMP-0003 of DDO-HSR-001.
OLD, NEW = "9812345678", "9700012345"
DDO = factories.ddo("DDO-PKL-001")
OTHER_DDO = factories.ddo("DDO-HSR-001")
HOD = factories.hod("Health")
REMARKS = "Spoke to the employee on the new number and checked the appointment letter."


def roll_store() -> RollStore:
    return RollStore(boto3.client("dynamodb"), roll_settings.get_settings().roll_table)


def corrections_table() -> str:
    return roll_settings.get_settings().corrections_table


def ask(code: str = "EMP-0001", now: datetime = factories.DURING_REGISTRATION, **overrides: Any) -> HelpOutcome:
    """The public help route's entry point, called as its handler calls it."""
    settings = roll_settings.get_settings()
    dynamodb = boto3.client("dynamodb")
    fields = {
        "employee_code": code,
        "family_id": "FAM12345",
        "date_of_birth": date(1988, 4, 12),
        "new_mobile": NEW,
        **overrides,
    }
    return open_mobile_correction(
        HelpRequest.model_validate(fields),
        now=now,
        programme_id=settings.programme_id,
        roll=RollStore(dynamodb, settings.roll_table),
        corrections=CorrectionStore(dynamodb, settings.corrections_table),
        events=EventStore(dynamodb, settings.events_table),
        counters=CounterStore(dynamodb, settings.counters_table),
    )


def stored_items() -> list[dict[str, Any]]:
    return list(boto3.resource("dynamodb").Table(corrections_table()).scan()["Items"])


def queue(as_: dict[str, str] = DDO, query: str = "") -> Reply:
    return call("GET", "/v1/roll/corrections", as_=as_, query=query)


def only_item(as_: dict[str, str] = DDO) -> dict[str, Any]:
    reply = queue(as_)
    assert reply.status == 200, reply.body
    [item] = reply.body["items"]
    return dict(item)


def decide(item: dict[str, Any], decision: str = "approve", as_: dict[str, str] = DDO, **body: Any) -> Reply:
    return call(
        "POST",
        f"/v1/roll/corrections/{item['correction_id']}/decision",
        as_=as_,
        body={"decision": decision, "remarks": REMARKS, "version": item["version"], **body},
    )


def entry(code: str = "EMP-0001", as_: dict[str, str] = DDO) -> Reply:
    return call("GET", f"/v1/roll/{code}", as_=as_)


def correct(code: str = "EMP-0001", as_: dict[str, str] = DDO, **body: Any) -> Reply:
    fields = {"mobile": NEW, "remarks": REMARKS, "version": 0, **body}
    return call("PATCH", f"/v1/roll/{code}/mobile", as_=as_, body=fields)


def outbox(pk: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(roll_settings.get_settings().notifications_table)
    return list(table.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": pk})["Items"])


def pending_counts(scope: str, value: str) -> dict[str, int]:
    settings = roll_settings.get_settings()
    counters = CounterStore(boto3.client("dynamodb"), settings.counters_table)
    return counters.totals(kind="corrections", programme_id=settings.programme_id, scope=scope, value=value)


@pytest.fixture
def sends(seeded: Any) -> Iterator[Sends]:
    from reminders import worker  # noqa: PLC0415

    put_programme()
    recorded = Sends()
    aws = worker.wiring.aws
    aws.client("sns").meta.events.register("before-parameter-build.sns.Publish", recorded.on_sms)
    yield recorded


# ---------------------------------------------------------------- the help entry point
def test_a_matching_help_request_opens_exactly_one_request_in_the_ddos_queue() -> None:
    # When the employee asks twice with the same details, then once with another number
    assert ask() == HelpOutcome.OPENED
    assert ask() == HelpOutcome.UNCHANGED
    assert ask(new_mobile="+919700054321", message="The old SIM was lost.") == HelpOutcome.UPDATED
    # Then one request exists (and the employee's pending marker), with the latest claim
    items = stored_items()
    assert sorted(i["pk"][:4] for i in items) == ["COR-", "pend"]
    item = only_item()
    assert item["status"] == "PENDING" and item["version"] == 2 and item["requests"] == 2
    assert item["claimed"] == {
        "date_of_birth": "1988-04-12",
        "family_id": "FAM12345",
        "mobile": "9700054321",
        "message": "The old SIM was lost.",
    }
    assert item["roll"] == {
        "name": "Sunita Devi",
        "date_of_birth": "1988-04-12",
        "family_id": "FAM12345",
        "mobile": OLD,
    }
    assert item["checks"] == {"date_of_birth_matches": True, "family_id_matches": True, "mobile_differs": True}
    assert item["flags"] == []
    # And the HoD of Health sees it too; the Hisar DDO does not
    assert only_item(HOD)["correction_id"] == item["correction_id"]
    assert queue(OTHER_DDO).body["items"] == []
    assert queue().body["pending"] == 1
    # And the request's own chain verifies, the claimed numbers masked
    events = EventStore(boto3.client("dynamodb"), roll_settings.get_settings().events_table).history(
        f"correction#{item['correction_id']}"
    )
    assert verify_chain(events).valid
    assert [e.type for e in events] == ["correction.opened", "correction.claim_updated"]
    assert events[1].data["claimed_mobile"] == "97******21"


@pytest.mark.parametrize(
    "mismatch",
    [
        {"family_id": "FAM99999"},
        {"date_of_birth": date(1988, 4, 13)},
        {"code": "EMP-9999"},
        {"new_mobile": OLD},  # the roll has this number already
    ],
)
def test_a_mismatch_creates_nothing(mismatch: dict[str, Any]) -> None:
    assert ask(**mismatch) == HelpOutcome.IGNORED
    assert stored_items() == []
    assert pending_counts("programme", "HR-2026") == {}


def test_a_roll_entry_without_a_family_id_opens_a_request_flagged_for_the_ddo() -> None:
    roll_store().put(factories.roll_entry("EMP-0004", mobile="9876500004", family_id=None))
    assert ask("EMP-0004", family_id="ABCD1234") == HelpOutcome.OPENED
    item = only_item()
    assert item["flags"] == ["family_id_not_on_roll"]
    assert item["checks"]["family_id_matches"] is None


# ---------------------------------------------------------------- decisions
def test_an_approval_changes_the_roll_mobile_in_its_chain_and_tells_both_numbers(
    stack: Any, sends: Sends, clock: SettableClock
) -> None:
    # Given a pending request in the DDO's queue
    ask()
    item = only_item()
    # When the DDO approves it
    reply = decide(item)
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "APPROVED" and reply.body["version"] == 2 and reply.body["roll_version"] == 1
    # Then the roll has the new mobile, certified, and its own chain records the change, masked
    roll = entry().body
    assert roll["mobile"] == NEW and roll["version"] == 1 and roll["chain_valid"] is True
    assert roll["certified_mobile"]["correction_id"] == item["correction_id"]
    assert roll["pending_correction_id"] is None
    [event] = roll["history"]
    assert event["type"] == "roll.mobile_corrected" and event["reason"] == REMARKS
    assert event["actor"] == "user:ddo-ddo-pkl-001" and event["actor_role"] == "ddo"
    assert event["data"]["old_mobile"] == "98******78" and event["data"]["new_mobile"] == "97******45"
    assert OLD not in str(roll["history"]) and NEW not in str(roll["history"])
    # And the outbox holds one SMS request for each number, written in the same transaction
    requests = outbox("request#roll#EMP-0001")
    assert sorted((r["template"], r["contact"]["mobile"]) for r in requests) == [
        ("mobile_changed_new", NEW),
        ("mobile_changed_old", OLD),
    ]
    # And delivery sends to both numbers, bilingual, and forgets the explicit addresses
    run_job("deliver-notifications")
    drain(stack)
    by_number = {p["PhoneNumber"]: p["Message"] for p in sends.sms}
    assert set(by_number) == {f"+91{OLD}", f"+91{NEW}"}
    assert "97******45" in by_number[f"+91{OLD}"] and "मोबाइल" in by_number[f"+91{OLD}"]
    assert "Sign in with the OTP" in by_number[f"+91{NEW}"]
    assert all("contact" not in r for r in outbox("request#roll#EMP-0001"))
    # And the queue is empty; the counters moved from PENDING to APPROVED
    assert queue().body["items"] == []
    assert pending_counts("ddo", "DDO-PKL-001") == {"PENDING": 0, "APPROVED": 1}
    # And the employee's next help request opens a new one (the marker was freed)
    assert ask(new_mobile="9700099999") == HelpOutcome.OPENED


@pytest.mark.parametrize(
    "caller",
    [
        OTHER_DDO,
        factories.hod("Education"),
        factories.employee("EMP-0001"),
        factories.claims("admin1", "admin"),
        factories.officer(),
    ],
)
def test_only_the_employees_ddo_or_hod_may_decide_or_see(caller: dict[str, str]) -> None:
    ask()
    item = only_item()
    assert decide(item, as_=caller).code == "forbidden"
    assert entry(as_=caller).code == "forbidden"
    assert correct(as_=caller).code == "forbidden"
    if caller is not OTHER_DDO and caller["cognito:groups"] != "[hod]":
        assert queue(caller).code == "forbidden"
    assert only_item()["status"] == "PENDING"


def test_a_stale_version_or_a_second_decision_is_a_conflict() -> None:
    ask()
    item = only_item()
    stale = decide(item, version=1 + item["version"])
    assert (stale.status, stale.code) == (409, "version_conflict")
    assert decide(item, as_=HOD).status == 200
    again = decide(item, "reject")
    assert (again.status, again.code) == (409, "already_decided")
    assert "read the queue again" in again.body["detail"]
    unknown = call(
        "POST",
        "/v1/roll/corrections/COR-00000000000000000000000000/decision",
        as_=DDO,
        body={"decision": "approve", "remarks": REMARKS, "version": 1},
    )
    assert unknown.status == 404


def test_a_decision_needs_remarks_and_exactly_its_fields() -> None:
    ask()
    item = only_item()
    short = decide(item, remarks="ok")
    assert (short.status, short.code) == (422, "remarks_required")
    extra = decide(item, mobile=NEW)
    assert (extra.status, extra.code) == (422, "validation_error")
    wrong = decide(item, "maybe")
    assert (wrong.status, wrong.code) == (422, "validation_error")


def test_a_rejection_is_audited_on_the_request_and_tells_the_roll_number() -> None:
    ask()
    item = only_item()
    reply = decide(item, "reject", remarks="The employee at the roll number says it is still theirs.")
    assert reply.status == 200 and reply.body["status"] == "REJECTED" and reply.body["roll_version"] is None
    # The roll is unchanged (its chain records changes of the entry only)
    roll = entry().body
    assert (roll["mobile"], roll["version"], roll["history"]) == (OLD, 0, [])
    events = EventStore(boto3.client("dynamodb"), roll_settings.get_settings().events_table).history(
        f"correction#{item['correction_id']}"
    )
    assert [e.type for e in events] == ["correction.opened", "correction.rejected"] and verify_chain(events).valid
    [notice] = outbox(f"request#correction#{item['correction_id']}")
    assert notice["template"] == "mobile_correction_rejected" and notice["recipient"] == "employee:EMP-0001"
    assert "contact" not in notice  # the roll's number, as it stands when it is delivered
    assert pending_counts("department", "Health") == {"PENDING": 0, "REJECTED": 1}


# ---------------------------------------------------------------- direct corrections
def test_a_ddo_corrects_a_mobile_directly() -> None:
    reply = correct()
    assert reply.status == 200, reply.body
    assert (reply.body["mobile"], reply.body["version"], reply.body["chain_valid"]) == (NEW, 1, True)
    assert reply.body["history"][0]["data"]["via"] == "direct"
    assert len(outbox("request#roll#EMP-0001")) == 2
    assert pending_counts("ddo", "DDO-PKL-001") == {"DIRECT": 1}
    # A stale version, the same number again, or a HoD of the department with the read version
    assert correct(mobile="9700011111").code == "version_conflict"
    assert correct(version=1).code == "mobile_unchanged"
    assert correct(as_=HOD, mobile="9700011111", version=1).status == 200


def test_a_direct_correction_waits_for_a_pending_request() -> None:
    ask()
    reply = correct()
    assert (reply.status, reply.code) == (409, "correction_pending")
    assert reply.body["correction_id"] == only_item()["correction_id"]
    assert entry().body["mobile"] == OLD


def test_a_correction_body_rejects_unknown_fields_and_bad_numbers() -> None:
    assert correct(name="Sunita").code == "validation_error"
    assert correct(mobile="12345").code == "validation_error"
    assert correct(remarks="short").code == "remarks_required"
    assert (
        call(
            "PATCH", "/v1/roll/EMP-9999/mobile", as_=DDO, body={"mobile": NEW, "remarks": REMARKS, "version": 0}
        ).status
        == 404
    )


def test_a_reimport_never_undoes_a_certified_mobile() -> None:
    assert correct().status == 200
    # When the department's file still has the old number (and, later, a third one)
    roll = roll_store()
    [same] = roll.upsert_batch([factories.roll_entry("EMP-0001")], superannuation_age=58).values()
    assert same.outcome == UpsertOutcome.UNCHANGED and same.kept is not None and same.kept.mobile == NEW
    [other] = roll.upsert_batch([factories.roll_entry("EMP-0001", mobile="9700077777")], superannuation_age=58).values()
    assert other.outcome == UpsertOutcome.UPDATED and other.kept is not None
    # Then the roll still has the certified number, at the same version, and seeding keeps it too
    roll.put(factories.roll_entry("EMP-0001"))
    after = entry().body
    assert (after["mobile"], after["version"], after["chain_valid"]) == (NEW, 1, True)


def test_a_reimport_reports_the_certified_mobile_it_kept(stack: Any) -> None:
    # Given an imported employee whose mobile the DDO then corrected
    line = roll_line("EMP-0050", mobile="9812399999")
    assert imported(stack, roll_file(line))["counts"]["inserted"] == 1
    assert correct("EMP-0050").status == 200
    # When the admin imports the same file again
    again = imported(stack, roll_file(line))
    # Then nothing changed, and the report says which number was kept and which was not applied
    assert again["counts"]["unchanged"] == 1 and again["counts"]["kept_certified_mobile"] == 1
    [kept] = [row for row in report_lines(again) if row["outcome"] == "kept_certified_mobile"]
    assert kept["employee_code"] == "EMP-0050" and kept["column"] == "mobile"
    assert "Kept 97******45" in kept["message"] and "the file's 98******99 was not applied" in kept["message"]
    assert entry("EMP-0050").body["mobile"] == NEW


# ---------------------------------------------------------------- the queue and the backlog
def test_the_queue_pages_oldest_first_and_a_cursor_stays_in_its_queue() -> None:
    roll_store().put(factories.roll_entry("EMP-0004", mobile="9876500004"))
    for n, code in enumerate(("EMP-0002", "EMP-0004", "EMP-0001")):
        assert ask(code, now=factories.DURING_REGISTRATION + timedelta(minutes=n)) == HelpOutcome.OPENED
    first = queue(query="limit=2")
    assert [i["employee_code"] for i in first.body["items"]] == ["EMP-0002", "EMP-0004"]
    assert first.body["pending"] == 3
    second = queue(query=f"limit=2&cursor={first.body['next_cursor']}")
    assert [i["employee_code"] for i in second.body["items"]] == ["EMP-0001"]
    assert second.body["next_cursor"] is None and second.body["pending"] is None
    assert queue(HOD, query=f"cursor={first.body['next_cursor']}").code == "invalid_cursor"  # another queue's cursor
    assert queue(query="cursor=not-a-cursor").code == "invalid_cursor"
