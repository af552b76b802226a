"""Grievances through the grievance handler on moto: filing, every transition and every illegal one,
the monthly cap, appeals, reassign limits, the SLA pause, the sweeps at their exact boundaries,
attachments, officer activity and concurrent actions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError

from core.clock import IST, SettableClock
from core.errors import VersionConflict
from core.grievance import escalate_for_breach
from core.grievance_sla import SLA_JOB, GrievanceSweeper
from core.observability import logger
from core.store.dynamo import unmarshal
from core.store.grievances import GrievanceStore
from grievance import handler as grievance_handler
from grievance import settings as grievance_settings
from tests import factories
from tests.factories import HSR_UNIT, PKL_UNIT, STATE_UNIT, employee, hod, officer
from tests.integration.conftest import Reply, call
from tests.integration.fault_injection import Fault
from tests.integration.test_registration_concurrency import RoundTrips
from tests.integration.test_registration_journey import PDF, PNG, put_object

pytestmark = pytest.mark.usefixtures("seeded")

FILED_AT = datetime(2026, 1, 20, 11, 0, tzinfo=IST)  # the integration clock's DURING_REGISTRATION
DUE_L1 = datetime(2026, 1, 27, 23, 59, 59, tzinfo=IST)  # 7 days, to the last second in IST
OFFICER = officer(PKL_UNIT)
HOD = hod("Health")
RESOLUTION = "Your salary for December was released on 22 January by the treasury."
REJECTION = "This is a service matter already before the High Court of Punjab and Haryana."


def file(
    as_: dict[str, str] | None = None, *, category: str = "salary_not_paid", key: str | None = None, **extra: Any
) -> Reply:
    body = {
        "category": category,
        "subject": "Salary not paid since November",
        "description": "My salary for November and December 2025 has not been credited to my account.",
        **extra,
    }
    headers = {"Idempotency-Key": key} if key else None
    return call("POST", "/v1/grievances", as_=as_ or employee(), body=body, headers=headers)


def filed(as_: dict[str, str] | None = None, **extra: Any) -> tuple[str, int]:
    reply = file(as_, **extra)
    assert reply.status == 201, reply.body
    return reply.body["grievance_id"], reply.body["version"]


def act(grievance_id: str, version: int, action: str, as_: dict[str, str] = OFFICER, **body: Any) -> Reply:
    return call(
        "POST", f"/v1/grievances/{grievance_id}/actions", as_=as_, body={"action": action, "version": version, **body}
    )


def ok(reply: Reply) -> int:
    """Asserts success and returns the grievance's new version."""
    assert reply.status == 200, reply.body
    return int(reply.body["version"])


def reply_to(grievance_id: str, version: int, message: str = "Bank statement attached.", **body: Any) -> Reply:
    return call(
        "POST",
        f"/v1/grievances/{grievance_id}/reply",
        as_=employee(),
        body={"message": message, "version": version, **body},
    )


def feedback(grievance_id: str, version: int, *, satisfied: bool, rating: int = 2) -> Reply:
    return call(
        "POST",
        f"/v1/grievances/{grievance_id}/feedback",
        as_=employee(),
        body={"satisfied": satisfied, "rating": rating, "comment": "noted", "version": version},
    )


def detail(grievance_id: str, as_: dict[str, str] | None = None) -> Reply:
    return call("GET", f"/v1/grievances/{grievance_id}", as_=as_ or employee())


def listed(as_: dict[str, str], query: str = "") -> list[str]:
    reply = call("GET", "/v1/grievances", as_=as_, query=query)
    assert reply.status == 200, reply.body
    return [i["grievance_id"] for i in reply.body["items"]]


def sweeper() -> GrievanceSweeper:
    service = grievance_handler.wiring.service
    return GrievanceSweeper(
        programme_id=grievance_settings.get_settings().programme_id,
        programmes=service._programmes,
        grievances=service._grievances,
        recorder=service._recorder,
    )


def notifications_of(grievance_id: str) -> list[dict[str, Any]]:
    table = grievance_settings.get_settings().notifications_table
    items = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"request#grievance#{grievance_id}"}},
    )["Items"]
    return [unmarshal(i) for i in items]


# ---------------------------------------------------------------- filing
def test_filing_assigns_the_l1_unit_of_the_employees_ddo_with_a_due_date_in_ist() -> None:
    reply = file()
    assert reply.status == 201, reply.body
    body = reply.body
    assert body["status"] == "OPEN" and body["level"] == "L1" and body["unit"] == PKL_UNIT
    assert body["number"].startswith("HR26-G-") and len(body["number"]) == len("HR26-G-") + 8
    assert datetime.fromisoformat(body["sla"]["due_at"]) == DUE_L1
    assert body["sla"]["breached"] is False and body["sla"]["paused"] is False
    timeline = detail(body["grievance_id"]).body
    assert [e["type"] for e in timeline["timeline"]] == ["grievance.filed"]
    assert timeline["chain_valid"] is True
    recipients = {n["recipient"]: n["template"] for n in notifications_of(body["grievance_id"])}
    assert recipients == {"employee:EMP-0001": "grievance_filed", f"unit:{PKL_UNIT}": "grievance_assigned"}


def test_routing_follows_the_ddo_code_then_the_default_unit(seeded: Any) -> None:
    _, _ = filed(employee("EMP-0003"))  # DDO-HSR-001
    assert len(listed(officer(HSR_UNIT))) == 1
    assert listed(officer(PKL_UNIT)) == []


def test_bad_filings_are_refused_with_stable_codes() -> None:
    assert file(category="astrology").code == "unknown_category"
    # a code no programme can have is refused by the documented pattern, before the programme is read
    assert [(r.code, r.body["errors"][0]["loc"]) for r in (file(category="__"), file(category="a_"))] == [
        ("validation_error", ["body", "category"])
    ] * 2
    assert file(as_=OFFICER).status == 403
    assert call("POST", "/v1/grievances", as_=employee(), body={"category": "other"}).status == 422
    unknown_field = file(priority="urgent")
    assert unknown_field.status == 422
    assert file(as_=employee("EMP-9999")).code == "not_on_roll"
    # an employee whose sign-in names no code yet: the roll was once read with an empty key (a 500)
    unlinked = file(as_=factories.claims("emp-unlinked", "employee"))
    assert (unlinked.status, unlinked.code) == (403, "not_on_roll") and "not linked" in unlinked.body["detail"]
    assert listed(employee()) == []  # nothing was written by any of them


def test_the_eleventh_grievance_of_a_month_is_refused_until_the_next_month(clock: SettableClock) -> None:
    for _ in range(10):
        filed()
    refused = file()
    assert refused.status == 429 and refused.code == "grievance_limit"
    assert refused.body["opens_at"] == "2026-02-01T00:00:00+05:30"
    assert int(refused.headers["Retry-After"]) == refused.body["retry_after_seconds"] > 0
    assert len(listed(employee(), "limit=100")) == 10
    assert filed(employee("EMP-0002"))  # the cap is per employee
    clock.set(datetime(2026, 2, 1, 0, 0, tzinfo=IST), frozen=True)
    assert file().status == 201


def test_a_retried_filing_with_the_same_idempotency_key_creates_one_grievance() -> None:
    first = file(key="grv-key-1")
    again = file(key="grv-key-1")
    assert first.status == again.status == 201
    assert first.body["grievance_id"] == again.body["grievance_id"]
    assert listed(employee()) == [first.body["grievance_id"]]


# ---------------------------------------------------------------- appeals
def rejected_registration() -> str:
    from tests.integration.test_verification import REASONS, decide, submitted  # noqa: PLC0415

    reg_id, version = submitted()
    reply = decide(reg_id, decision="reject", remarks=REASONS, version=version, reason_code="insufficient_service")
    assert reply.status == 200, reply.body
    return reg_id


def test_a_grievance_about_a_rejected_registration_is_an_appeal_straight_to_the_hod() -> None:
    reg_id = rejected_registration()
    reply = file(category="verification_decision", registration_id=reg_id)
    assert reply.status == 201, reply.body
    assert reply.body["appeal"] is True and reply.body["level"] == "L2" and reply.body["unit"] is None
    # L2 SLA of this category is 30 days.
    assert datetime.fromisoformat(reply.body["sla"]["due_at"]) == datetime(2026, 2, 19, 23, 59, 59, tzinfo=IST)
    assert listed(HOD) == [reply.body["grievance_id"]]
    assert listed(OFFICER) == []
    assert act(reply.body["grievance_id"], 1, "accept", as_=OFFICER).status == 403
    assert ok(act(reply.body["grievance_id"], 1, "accept", as_=HOD)) == 2


def test_a_grievance_about_a_live_registration_stays_at_l1_and_someone_elses_is_refused() -> None:
    from tests.integration.test_verification import submitted  # noqa: PLC0415

    reg_id, _ = submitted()
    reply = file(category="document_problem", registration_id=reg_id)
    assert reply.body["level"] == "L1" and reply.body["appeal"] is False
    assert file(as_=employee("EMP-0002"), registration_id=reg_id).status == 403
    assert file(registration_id="REG-" + "0" * 26).status == 404


# ---------------------------------------------------------------- the whole L1 → L2 life
def test_full_lifecycle_with_an_sla_pause_and_a_reopening_at_l2(clock: SettableClock) -> None:
    gid, v = filed()
    v = ok(act(gid, v, "accept"))
    clock.set(datetime(2026, 1, 21, 11, 0, tzinfo=IST), frozen=True)
    v = ok(act(gid, v, "request_info", remarks="Please attach your bank statement for December."))
    paused = detail(gid).body
    assert paused["status"] == "AWAITING_EMPLOYEE" and paused["sla"]["paused"] is True
    # Three days pass while the employee gathers the statement: the SLA does not run.
    clock.set(datetime(2026, 1, 24, 11, 0, tzinfo=IST), frozen=True)
    v = ok(reply_to(gid, v))
    resumed = detail(gid).body
    assert resumed["status"] == "IN_PROGRESS" and resumed["sla"]["paused"] is False
    assert datetime.fromisoformat(resumed["sla"]["due_at"]) == DUE_L1 + timedelta(days=3)
    v = ok(act(gid, v, "resolve", remarks=RESOLUTION))
    v = ok(feedback(gid, v, satisfied=False))
    reopened = detail(gid).body
    assert (reopened["status"], reopened["level"], reopened["unit"]) == ("OPEN", "L2", None)
    assert gid in listed(HOD) and gid not in listed(OFFICER)
    v = ok(act(gid, v, "resolve", as_=HOD, remarks=RESOLUTION + " Arrears paid."))
    v = ok(feedback(gid, v, satisfied=True))
    closed = detail(gid).body
    assert closed["status"] == "CLOSED"
    assert [f["satisfied"] for f in closed["feedback"]] == [False, True]
    assert [e["type"] for e in closed["timeline"]] == [
        "grievance.filed",
        "grievance.accepted",
        "grievance.info_requested",
        "grievance.replied",
        "grievance.resolved",
        "grievance.reopened",
        "grievance.resolved",
        "grievance.closed",
    ]
    assert [e["actor_role"] for e in closed["timeline"]] == [
        "employee",
        "officer",
        "officer",
        "employee",
        "officer",
        "employee",
        "hod",
        "employee",
    ]
    assert closed["chain_valid"] is True


def test_dissatisfaction_at_l2_closes_the_grievance_with_the_dissent_kept() -> None:
    gid, v = filed()
    v = ok(act(gid, v, "escalate", remarks="The treasury is outside this cell."))
    v = ok(act(gid, v, "resolve", as_=HOD, remarks=RESOLUTION))
    v = ok(feedback(gid, v, satisfied=False, rating=1))
    closed = detail(gid).body
    assert closed["status"] == "CLOSED" and closed["feedback"][0]["satisfied"] is False
    assert closed["timeline"][-1]["data"]["why"] == "dissatisfied_at_l2"


def test_reject_needs_a_programme_reason_code_and_remarks() -> None:
    gid, v = filed()
    assert act(gid, v, "reject", remarks=REJECTION, reason_code="because").code == "invalid_reason_code"
    assert act(gid, v, "reject", remarks="No.", reason_code="sub_judice").code == "remarks_required"
    assert act(gid, v, "resolve", remarks="Done.").code == "remarks_required"
    ok(act(gid, v, "reject", remarks=REJECTION, reason_code="sub_judice"))
    assert detail(gid).body["status"] == "REJECTED"
    assert act(gid, v + 1, "comment", remarks="Anything else?").code == "invalid_transition"


@pytest.mark.parametrize(
    ("setup", "action", "extra"),
    [
        ([], "reassign", {"to_unit": HSR_UNIT}),  # allowed: control case below asserts the illegal ones
        (["accept"], "accept", {}),
        (["request_info"], "resolve", {"remarks": RESOLUTION}),
        (["request_info"], "escalate", {"remarks": "to L2"}),
        (["resolve"], "accept", {}),
        (["resolve"], "request_info", {"remarks": "more?"}),
    ],
)
def test_actions_outside_their_states_are_invalid_transitions(
    setup: list[str], action: str, extra: dict[str, Any]
) -> None:
    gid, v = filed()
    for step in setup:
        v = ok(act(gid, v, step, remarks=RESOLUTION))
    reply = act(gid, v, action, **({"remarks": "x"} | extra))
    if not setup:
        assert reply.status == 200
    else:
        assert reply.status == 409 and reply.code == "invalid_transition", reply.body
        assert detail(gid).body["version"] == v  # nothing was written


def test_the_employee_side_is_refused_outside_its_states() -> None:
    gid, v = filed()
    assert feedback(gid, v, satisfied=True).code == "invalid_transition"
    assert reply_to(gid, v).code == "invalid_transition"
    v = ok(act(gid, v, "resolve", remarks=RESOLUTION))
    assert reply_to(gid, v).code == "invalid_transition"
    assert (
        call(
            "POST",
            f"/v1/grievances/{gid}/feedback",
            as_=employee(),
            body={"satisfied": True, "rating": 6, "version": v},
        ).status
        == 422
    )


def test_who_may_read_and_act() -> None:
    gid, v = filed()
    assert detail(gid, employee("EMP-0002")).status == 403
    assert detail(gid, officer(HSR_UNIT)).status == 403
    assert detail(gid, HOD).status == 200  # the department's HoD reads L1 items too
    assert detail(gid, factories.claims("admin1", "admin")).status == 200
    assert act(gid, v, "accept", as_=officer(HSR_UNIT)).status == 403
    assert act(gid, v, "accept", as_=HOD).status == 403  # not until it reaches L2
    assert act(gid, v, "accept", as_=employee()).status == 403
    assert act(gid, v, "accept", as_=factories.claims("admin1", "admin")).status == 403
    assert call("GET", "/v1/grievances/GRV-NOPE", as_=employee()).status == 404
    assert act(gid, v + 5, "accept").code == "version_conflict"


def test_reassign_hands_over_at_most_three_times_and_keeps_the_sla() -> None:
    gid, v = filed()
    assert act(gid, v, "reassign", remarks="wrong cell", to_unit="GRV-NOWHERE").code == "unknown_unit"
    assert act(gid, v, "reassign", remarks="wrong cell", to_unit=PKL_UNIT).code == "unknown_unit"  # its own
    chain = [(PKL_UNIT, HSR_UNIT), (HSR_UNIT, STATE_UNIT), (STATE_UNIT, PKL_UNIT)]
    for holder, target in chain:
        assert act(gid, v, "accept", as_=officer(target)).status == 403
        v = ok(act(gid, v, "reassign", as_=officer(holder), remarks="belongs elsewhere", to_unit=target))
        assert gid in listed(officer(target)) and gid not in listed(officer(holder))
    limit = act(gid, v, "reassign", as_=officer(PKL_UNIT), remarks="again", to_unit=HSR_UNIT)
    assert limit.status == 409 and limit.code == "reassign_limit"
    assert datetime.fromisoformat(detail(gid).body["sla"]["due_at"]) == DUE_L1


def test_reassign_and_escalate_are_l1_only() -> None:
    gid, v = filed()
    v = ok(act(gid, v, "escalate", remarks="needs the HoD"))
    assert act(gid, v, "reassign", as_=HOD, remarks="x", to_unit=HSR_UNIT).code == "invalid_transition"
    assert act(gid, v, "escalate", as_=HOD, remarks="x").code == "invalid_transition"
    assert ok(act(gid, v, "comment", as_=HOD, remarks="Looking into it.")) == v + 1


def test_twenty_concurrent_actions_record_exactly_one() -> None:
    gid, v = filed()
    assert grievance_handler.wiring.service is not None  # build once, as a warm container would

    def attempt(n: int) -> int:
        return act(gid, v, "accept" if n % 2 else "comment", remarks=f"attempt {n}").status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(attempt, range(20)))
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409, 503}
    timeline = detail(gid).body
    assert len(timeline["timeline"]) == 2 and timeline["chain_valid"] is True


# ---------------------------------------------------------------- lists
def test_lists_filter_by_status_category_and_overdue_with_a_cursor(clock: SettableClock) -> None:
    first, v = filed()
    ok(act(first, v, "accept"))
    clock.set(datetime(2026, 1, 25, 10, 0, tzinfo=IST), frozen=True)
    second, _ = filed(category="roll_data_wrong")
    assert listed(OFFICER) == [first, second]  # the SLA that breaks first comes first
    assert listed(OFFICER, "status=IN_PROGRESS") == [first]
    assert listed(OFFICER, "category=roll_data_wrong") == [second]
    assert listed(employee()) == [second, first]  # an employee sees the newest first
    clock.set(datetime(2026, 1, 28, 0, 0, tzinfo=IST), frozen=True)  # first's SLA broke a second ago
    assert listed(OFFICER, "overdue=true") == [first]
    assert listed(employee(), "overdue=true") == [first]
    page = call("GET", "/v1/grievances", as_=OFFICER, query="limit=1")
    assert [i["grievance_id"] for i in page.body["items"]] == [first]
    rest = call("GET", "/v1/grievances", as_=OFFICER, query=f"limit=1&cursor={page.body['next_cursor']}")
    assert [i["grievance_id"] for i in rest.body["items"]] == [second]
    foreign = call("GET", "/v1/grievances", as_=officer(HSR_UNIT), query=f"cursor={page.body['next_cursor']}")
    assert foreign.code == "invalid_cursor"
    assert call("GET", "/v1/grievances", as_=factories.ddo()).status == 403


# ---------------------------------------------------------------- the SLA sweeps
def test_escalate_overdue_acts_at_the_first_second_after_due_and_only_once(clock: SettableClock) -> None:
    gid, _ = filed()
    assert sweeper().escalate_overdue(DUE_L1).changed == 0
    assert sweeper().escalate_overdue(DUE_L1 + timedelta(microseconds=999_999)).changed == 0
    just_after = DUE_L1 + timedelta(seconds=1)
    dry = sweeper().escalate_overdue(just_after, dry_run=True)
    assert (dry.changed, dry.sample) == (1, [gid])
    assert detail(gid).body["level"] == "L1"  # a dry run changes nothing
    report = sweeper().escalate_overdue(just_after)
    assert (report.due, report.changed, report.sample) == (1, 1, [gid])
    escalated = detail(gid).body
    assert (escalated["level"], escalated["status"]) == ("L2", "OPEN")
    assert escalated["timeline"][-1]["actor"] == "system:grievance-sla"
    assert escalated["timeline"][-1]["data"]["why"] == "sla_breach"
    assert escalated["chain_valid"] is True
    # L2 is the last level: a breach there is marked overdue (counted in the reports) once, not escalated.
    l2_breached = just_after + timedelta(days=30)
    marked = sweeper().escalate_overdue(l2_breached)
    assert (marked.due, marked.changed) == (1, 1)
    clock.set(l2_breached, frozen=True)
    overdue = detail(gid).body
    assert (overdue["level"], overdue["status"], overdue["sla"]["breached"]) == ("L2", "OPEN", True)
    assert overdue["timeline"][-1]["type"] == "grievance.sla_breached" and overdue["chain_valid"] is True
    assert sweeper().escalate_overdue(l2_breached + timedelta(days=1)).due == 0


def test_a_paused_or_resolved_grievance_never_breaches(clock: SettableClock) -> None:
    waiting, v = filed()
    ok(act(waiting, v, "request_info", remarks="Which month?"))
    resolved, v = filed()
    ok(act(resolved, v, "resolve", remarks=RESOLUTION))
    assert sweeper().escalate_overdue(DUE_L1 + timedelta(days=5)).due == 0


def test_an_unanswered_resolution_closes_itself_after_seven_days(clock: SettableClock) -> None:
    gid, v = filed()
    v = ok(act(gid, v, "resolve", remarks=RESOLUTION))
    seven_days = FILED_AT + timedelta(days=7)
    assert sweeper().close_unanswered(seven_days - timedelta(seconds=1)).changed == 0
    report = sweeper().close_unanswered(seven_days)
    assert report.changed == 1
    closed = detail(gid).body
    assert closed["status"] == "CLOSED" and closed["timeline"][-1]["data"]["why"] == "no_feedback"
    assert feedback(gid, v, satisfied=False).status == 409
    assert sweeper().close_unanswered(seven_days).due == 0


def test_a_sweep_skips_what_someone_changed_after_it_was_listed(clock: SettableClock) -> None:
    gid, v = filed()
    store: GrievanceStore = grievance_handler.wiring.service._grievances
    stale = store.get(gid)
    ok(act(gid, v, "request_info", remarks="Which month?"))
    assert stale is not None
    late = DUE_L1 + timedelta(days=1)
    change = escalate_for_breach(stale, category=factories.programme().grievances.sla_of("other"), now=late)
    with pytest.raises(VersionConflict):
        grievance_handler.wiring.service._recorder.record(before=stale, change=change, actor=SLA_JOB, at=late)
    assert detail(gid).body["status"] == "AWAITING_EMPLOYEE"


# ---------------------------------------------------------------- attachments
def attach(gid: str, content: bytes = PDF, declared: str = "application/pdf") -> Reply:
    grant = call(
        "POST",
        f"/v1/grievances/{gid}/attachments",
        as_=employee(),
        body={"filename": "statement.pdf", "content_type": declared, "size_bytes": len(content)},
    )
    assert grant.status == 201, grant.body
    assert grant.body["upload"]["fields"]["key"].startswith(f"grievances/{gid}/")
    put_object(grant.body["upload"]["fields"]["key"], content, declared)
    attachment_id = grant.body["attachment"]["attachment_id"]
    return call("POST", f"/v1/grievances/{gid}/attachments/{attachment_id}/confirm", as_=employee())


def test_a_reply_cites_checked_attachments_and_a_disguised_file_is_refused() -> None:
    gid, v = filed()
    v = ok(act(gid, v, "request_info", remarks="Attach your bank statement."))
    good = attach(gid)
    assert good.status == 200 and good.body["status"] == "UPLOADED" and len(good.body["sha256"]) == 64
    disguised = attach(gid, PNG, "application/pdf")
    assert disguised.body["status"] == "REJECTED" and "image/png" in disguised.body["reject_reason"]
    refused = reply_to(gid, v, attachment_ids=[disguised.body["attachment_id"]])
    assert refused.status == 409 and refused.code == "attachment_not_ready"
    v = ok(reply_to(gid, v, attachment_ids=[good.body["attachment_id"]]))
    timeline = detail(gid, OFFICER).body["timeline"]
    assert timeline[-1]["data"]["attachments"] == [
        {"attachment_id": good.body["attachment_id"], "sha256": good.body["sha256"]}
    ]
    download = call("GET", f"/v1/grievances/{gid}/attachments/{good.body['attachment_id']}", as_=OFFICER)
    assert download.status == 200 and download.body["url"].startswith("http")
    # An admin sees the attachment's name, size and hash in the grievance, but opens the file no more
    # than a registration's documents (one rule: core.access.require_may_open_files)
    admin = factories.claims("admin1", "admin")
    seen = detail(gid, admin).body["attachments"]
    assert [(a["attachment_id"], a["sha256"]) for a in seen if a["status"] == "UPLOADED"] == [
        (good.body["attachment_id"], good.body["sha256"])
    ]
    refused = call("GET", f"/v1/grievances/{gid}/attachments/{good.body['attachment_id']}", as_=admin)
    assert (refused.status, refused.code) == (403, "forbidden") and "url" not in refused.body
    assert (
        call("GET", f"/v1/grievances/{gid}/attachments/{good.body['attachment_id']}", as_=employee("EMP-0002")).status
        == 403
    )


def test_attachment_requests_are_checked_before_anything_is_written() -> None:
    gid, _v = filed()
    too_big = call(
        "POST",
        f"/v1/grievances/{gid}/attachments",
        as_=employee(),
        body={"filename": "big.pdf", "content_type": "application/pdf", "size_bytes": 6 * 1024 * 1024},
    )
    assert too_big.code == "upload_not_accepted"
    someone_else = call(
        "POST",
        f"/v1/grievances/{gid}/attachments",
        as_=employee("EMP-0002"),
        body={"filename": "x.pdf", "content_type": "application/pdf", "size_bytes": 10},
    )
    assert someone_else.status == 403
    grant = call(
        "POST",
        f"/v1/grievances/{gid}/attachments",
        as_=employee(),
        body={"filename": "x.pdf", "content_type": "application/pdf", "size_bytes": 10},
    )
    not_uploaded = call(
        "POST", f"/v1/grievances/{gid}/attachments/{grant.body['attachment']['attachment_id']}/confirm", as_=employee()
    )
    assert not_uploaded.code == "document_not_uploaded"
    assert [a["status"] for a in detail(gid).body["attachments"]] == ["PENDING_UPLOAD"]


# ---------------------------------------------------------------- officer activity
@pytest.fixture
def round_trips() -> Iterator[RoundTrips]:
    counter = RoundTrips()
    grievance_handler.wiring.aws.dynamodb.meta.events.register("before-call.dynamodb", counter)
    yield counter


def test_officer_activity_is_written_at_most_once_an_hour(clock: SettableClock, round_trips: RoundTrips) -> None:
    listed(OFFICER)
    listed(OFFICER)
    assert round_trips.take().count("UpdateItem") == 1
    clock.set(FILED_AT + timedelta(hours=1), frozen=True)
    listed(OFFICER)
    assert round_trips.take().count("UpdateItem") == 1
    listed(employee())
    assert round_trips.take().count("UpdateItem") == 0  # employees are not tracked
    store: GrievanceStore = grievance_handler.wiring.service._grievances
    assert store.last_seen(OFFICER["cognito:username"]) == FILED_AT + timedelta(hours=1)
    # Another warm container (a fresh service) finds this hour already recorded and writes nothing.
    del grievance_handler.wiring.service  # (a cached property: built again on next use)
    listed(OFFICER)
    assert store.last_seen(OFFICER["cognito:username"]) == FILED_AT + timedelta(hours=1)


@pytest.mark.parametrize("code", ["InternalServerError", "ReadTimeoutError"])
def test_a_failed_activity_note_never_fails_the_request(
    code: str, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set(FILED_AT, frozen=True)
    gid, v = filed()
    # Given DynamoDB failing the note of the officer's visit, with an error that outlasted botocore's
    # retries, or not answering it at all
    failed: list[str] = []

    def failing(params: dict[str, Any], **_: Any) -> None:
        if params["Key"]["pk"]["S"].startswith("activity#"):
            failed.append(params["Key"]["pk"]["S"])
            if code == "ReadTimeoutError":
                raise ReadTimeoutError(endpoint_url="https://dynamodb.ap-south-1.amazonaws.com")
            raise Fault(code, 500).error("UpdateItem", params)

    dynamodb = grievance_handler.wiring.aws.dynamodb
    dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", failing)
    # When the officer acts, then the action is done all the same, and the failure is logged with its code
    assert ok(act(gid, v, "accept")) == v + 1
    assert failed == [f"activity#{OFFICER['cognito:username']}"]
    logged = [json.loads(logger.registered_formatter.format(r)) for r in caplog.records]
    [warning] = [line for line in logged if line["message"] == "officer activity not recorded"]
    assert (warning["level"], warning["error_code"]) == ("WARNING", code)
    # And the officer's next request notes the visit, once DynamoDB takes it
    dynamodb.meta.events.unregister("before-parameter-build.dynamodb.UpdateItem", failing)
    listed(OFFICER)
    store: GrievanceStore = grievance_handler.wiring.service._grievances
    assert store.last_seen(OFFICER["cognito:username"]) == FILED_AT


def test_round_trips_per_grievance_request(round_trips: RoundTrips) -> None:
    listed(employee())  # warm: the programme's settings are cached
    round_trips.take()
    gid, v = filed()
    assert round_trips.take() == ["GetItem", "TransactWriteItems"]  # roll entry, then one transaction
    act(gid, v, "accept")
    # the officer's first request: who they are (directory), activity, read, write
    assert round_trips.take() == ["GetItem", "UpdateItem", "Query", "TransactWriteItems"]
    act(gid, v + 1, "comment", remarks="Working on it.")
    assert round_trips.take() == ["Query", "TransactWriteItems"]  # activity already noted this hour
    listed(OFFICER)
    assert round_trips.take() == ["Query"]
    detail(gid)
    assert round_trips.take() == ["Query", "Query"]  # the record, then its events


def test_an_unsigned_request_is_a_401_problem_before_anything_is_read() -> None:
    reply = call("GET", "/v1/grievances", as_=None)
    assert reply.status == 401 and reply.code == "unauthenticated"
