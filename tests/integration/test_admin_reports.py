"""The admin reports after a seeded scenario: every figure equals the truth counted from the items."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest
import requests

from core.store.roll import RollStore
from grievance import settings as grievance_settings
from infra.local.template import LocalContext
from register import handler as register_handler
from register import settings as register_settings
from tests import factories
from tests.factories import employee
from tests.integration.conftest import Reply, call
from tests.integration.test_deadline_jobs import run_job
from tests.integration.test_grievances import DUE_L1, OFFICER, RESOLUTION, act, filed, ok, sweeper
from tests.integration.test_registration_journey import complete_draft, submit

pytestmark = pytest.mark.usefixtures("seeded")

ADMIN = factories.claims("admin1", "admin")
HEALTH_HOD = factories.hod("Health")
REMARKS = "The pay proof does not match the treasury record for 2021."


def decide(reg_id: str, version: int, ddo: str, decision: str, **body: Any) -> None:
    reply = call(
        "POST",
        f"/v1/verifications/{reg_id}/decision",
        as_=factories.ddo(ddo),
        body={"decision": decision, "remarks": REMARKS, "version": version, **body},
    )
    assert reply.status == 200, reply.body


def submitted(code: str) -> tuple[str, int]:
    reg_id, version = complete_draft(as_=employee(code))
    reply = submit(reg_id, version, as_=employee(code))
    assert reply.status == 200, reply.body
    return reg_id, reply.body["registration"]["version"]


@pytest.fixture
def scenario(seeded: LocalContext) -> None:
    """Two departments, three districts' worth of DDOs, every kind of state and an overdue grievance.

    Health:    EMP-0001 VERIFIED, EMP-0002 SENT_BACK (DDO-PKL-001, Panchkula); EMP-0003 SUBMITTED (DDO-HSR-001, Hisar)
    Education: EMP-0004 REJECTED (DDO-PKL-002, Panchkula); EMP-0005 DRAFT (DDO-HSR-002, Hisar)
    Grievances: EMP-0001's RESOLVED at L1; EMP-0004's overdue at L2; EMP-0003's at L2, awaiting the employee.
    """
    settings = register_settings.get_settings()
    roll = RollStore(register_handler.wiring.aws.dynamodb, settings.roll_table)
    roll.put(factories.roll_entry("EMP-0004", ddo_code="DDO-PKL-002", department="Education", mobile="9876500004"))
    roll.put(
        factories.roll_entry(
            "EMP-0005", ddo_code="DDO-HSR-002", department="Education", district="Hisar", mobile="9876500005"
        )
    )
    decide(*submitted("EMP-0001"), "DDO-PKL-001", "verify", remarks="")
    decide(*submitted("EMP-0002"), "DDO-PKL-001", "send_back")
    submitted("EMP-0003")
    decide(*submitted("EMP-0004"), "DDO-PKL-002", "reject", reason_code="insufficient_service")
    complete_draft(as_=employee("EMP-0005"))

    resolved, version = filed(employee("EMP-0001"))
    ok(act(resolved, version, "resolve", as_=OFFICER, remarks=RESOLUTION))
    filed(employee("EMP-0004"))
    waiting = filed(employee("EMP-0003"))[0]
    assert sweeper().escalate_overdue(DUE_L1 + timedelta(seconds=1)).changed == 2  # both go to L2
    assert sweeper().escalate_overdue(DUE_L1 + timedelta(days=30)).changed == 2  # and both breach it
    version = call("GET", f"/v1/grievances/{waiting}", as_=HEALTH_HOD).body["version"]
    ok(act(waiting, version, "request_info", as_=HEALTH_HOD, remarks="Which months are unpaid?"))


def summary(by: str, as_: dict[str, str] = ADMIN) -> Reply:
    return call("GET", "/v1/admin/reports/summary", as_=as_, query=f"by={by}")


def scanned(table: str, record_sk: str) -> list[dict[str, Any]]:
    items = boto3.resource("dynamodb").Table(table).scan()["Items"]
    return [item for item in items if item["sk"] == record_sk]


def truth(by: str) -> dict[str, dict[str, Counter[str]]]:
    """What the report must say, counted from the records themselves."""
    group_of = {"department": "department", "district": "district", "ddo": "ddo_code"}[by]
    registrations: dict[str, Counter[str]] = {}
    for item in scanned(register_settings.get_settings().registrations_table, "REGISTRATION"):
        registrations.setdefault(item[group_of], Counter())[item["status"]] += 1
    grievances: dict[str, Counter[str]] = {}
    for item in scanned(grievance_settings.get_settings().grievances_table, "GRIEVANCE"):
        counted = grievances.setdefault(item[group_of], Counter())
        counted[item["status"]] += 1
        if item.get("overdue_since") and item["status"] in ("OPEN", "IN_PROGRESS"):
            counted["overdue"] += 1
    return {"registrations": registrations, "grievances": grievances}


@pytest.mark.usefixtures("scenario")
def test_the_summary_equals_the_truth_counted_from_the_records() -> None:
    # Given the seeded scenario (built once: it is the slow part); When the admin asks by each grouping
    for by in ("department", "district", "ddo"):
        reply = summary(by)
        # Then every row equals the count from the items, zeros included
        assert reply.status == 200, reply.body
        expected = truth(by)
        rows = {row["group"]: row for row in reply.body["rows"]}
        assert set(rows) == set(expected["registrations"]) | set(expected["grievances"]), by
        for group, row in rows.items():
            states = expected["registrations"].get(group, Counter())
            assert {s: n for s, n in row["registrations"].items() if n} == dict(states), (by, group)
            assert row["registrations_total"] == sum(states.values())
            assert row["verification_pending"] == states["SUBMITTED"]
            grievances = expected["grievances"].get(group, Counter())
            assert row["grievances_overdue"] == grievances["overdue"], (by, group)
            assert row["grievances_open"] == sum(grievances[s] for s in ("OPEN", "IN_PROGRESS", "AWAITING_EMPLOYEE"))
    totals = reply.body["totals"]
    assert totals["registrations_total"] == 5 and totals["grievances_overdue"] == 1
    assert totals["registrations"] == {
        "DRAFT": 1,
        "SUBMITTED": 1,
        "SENT_BACK": 1,
        "VERIFIED": 1,
        "REJECTED": 1,
        "LAPSED": 0,
        "ESCALATED": 0,
    }


@pytest.mark.usefixtures("scenario")
def test_the_backlog_is_set_against_the_verification_deadline() -> None:
    # Given 20 January 11:00 IST and verification closing 28 February 23:59:59 IST
    body = summary("ddo").body
    # Then 40 days are left (the last, partial one counts) and DDO-HSR-001 must clear 1 a day
    assert body["days_left"] == 40 and body["verification_closes_at"] == "2026-02-28T23:59:59+05:30"
    hisar = next(row for row in body["rows"] if row["group"] == "DDO-HSR-001")
    assert (hisar["department"], hisar["verification_pending"], hisar["needed_per_day"]) == ("Health", 1, 1)
    idle = next(row for row in body["rows"] if row["group"] == "DDO-HSR-002")
    assert idle["needed_per_day"] == 0


@pytest.mark.usefixtures("scenario")
def test_a_hod_sees_only_their_department_in_every_grouping() -> None:
    # When the Health HoD asks by DDO and by district
    by_ddo = summary("ddo", as_=HEALTH_HOD).body
    by_district = summary("district", as_=HEALTH_HOD).body
    by_department = summary("department", as_=HEALTH_HOD).body
    # Then only Health's DDOs and Health's share of each district appear
    assert {row["group"] for row in by_ddo["rows"]} == {"DDO-PKL-001", "DDO-HSR-001"}
    assert {row["department"] for row in by_ddo["rows"]} == {"Health"}
    panchkula = next(row for row in by_district["rows"] if row["group"] == "Panchkula")
    assert panchkula["registrations_total"] == 2  # the Education employee in Panchkula is not counted
    assert [row["group"] for row in by_department["rows"]] == ["Health"]
    assert by_department["department"] == "Health" and by_department["totals"]["registrations_total"] == 3


REPORTS = ("/v1/admin/reports/summary", "/v1/admin/reports/export", "/v1/admin/reports/fairness")


@pytest.mark.parametrize(
    ("who", "caller", "status"),
    [
        ("employee", employee(), 403),
        ("ddo", factories.ddo(), 403),
        ("officer", OFFICER, 403),
        ("hod with no department", factories.claims("hod-x", "hod"), 403),
        ("hod", HEALTH_HOD, 200),
        ("admin", ADMIN, 200),
    ],
)
def test_one_rule_for_every_report_admins_read_all_a_hod_their_own_department(
    who: str, caller: dict[str, str], status: int
) -> None:
    for path in REPORTS:
        reply = call("GET", path, as_=caller)
        assert reply.status == status, (who, path, reply.body)
        if status == 403:
            assert reply.code == "forbidden"


@pytest.mark.usefixtures("scenario")
def test_a_hod_s_export_holds_their_own_department_only() -> None:
    reply = call("GET", "/v1/admin/reports/export", as_=HEALTH_HOD, query="by=ddo")
    assert reply.status == 200, reply.body
    lines = list(csv.DictReader(io.StringIO(requests.get(reply.body["url"], timeout=10).content.decode("utf-8"))))
    assert {line["group"] for line in lines} == {"DDO-PKL-001", "DDO-HSR-001", "total"}  # Health's DDOs only
    assert next(line for line in lines if line["group"] == "total")["registrations_total"] == "3"


def test_reports_are_for_admins_and_hods_only() -> None:
    for who in (employee(), factories.ddo(), OFFICER):
        reply = summary("department", as_=who)
        assert (reply.status, reply.code) == (403, "forbidden")
    assert call("GET", "/v1/admin/reports/fairness", as_=factories.ddo()).status == 403
    assert call("GET", "/v1/admin/reports/export", as_=employee()).status == 403
    nameless_hod = factories.claims("hod-x", "hod")
    assert summary("department", as_=nameless_hod).status == 403


def test_a_bad_grouping_or_threshold_is_a_clear_422() -> None:
    bad = summary("village")
    assert bad.status == 422 and bad.headers["Content-Type"] == "application/problem+json"
    assert call("GET", "/v1/admin/reports/fairness", as_=ADMIN, query="min_decisions=0").status == 422


def test_an_empty_programme_reports_zeros_not_errors() -> None:
    body = summary("district").body
    assert body["rows"] == [] and body["totals"]["registrations_total"] == 0


@pytest.mark.usefixtures("scenario")
def test_the_export_is_the_summary_as_csv_behind_a_short_lived_url() -> None:
    # When the admin exports the summary by DDO
    reply = call("GET", "/v1/admin/reports/export", as_=ADMIN, query="by=ddo")
    assert reply.status == 200, reply.body
    # Then the URL serves the CSV: one line per DDO and a totals line, equal to the summary
    assert reply.body["rows"] == 4 and "X-Amz-Signature" in reply.body["url"]
    assert "/exports/summary/ddo/20260120T053000Z-" in reply.body["url"]  # 11:00 IST, named in UTC
    downloaded = requests.get(reply.body["url"], timeout=10)
    assert downloaded.status_code == 200
    lines = list(csv.DictReader(io.StringIO(downloaded.content.decode("utf-8"))))
    by_group = {line["group"]: line for line in lines}
    assert set(by_group) == {"DDO-PKL-001", "DDO-PKL-002", "DDO-HSR-001", "DDO-HSR-002", "total"}
    assert by_group["DDO-PKL-001"]["registrations_verified"] == "1"
    assert by_group["DDO-PKL-001"]["registrations_sent_back"] == "1"
    assert by_group["total"]["registrations_total"] == "5"


@pytest.mark.usefixtures("scenario")
def test_fairness_counts_each_ddos_decisions_and_their_timing() -> None:
    # When the admin asks with a minimum of one decision
    reply = call("GET", "/v1/admin/reports/fairness", as_=ADMIN, query="min_decisions=1")
    assert reply.status == 200, reply.body
    # Then each department lists its DDOs' decisions as the receipts recorded them
    departments = {d["department"]: d for d in reply.body["departments"]}
    assert set(departments) == {"Health", "Education"}
    pkl = departments["Health"]["ddos"][0]
    assert (pkl["ddo_code"], pkl["decisions"], pkl["verified"], pkl["sent_back"]) == ("DDO-PKL-001", 2, 1, 1)
    assert (pkl["approval_rate"], pkl["send_back_rate"], pkl["median_days"]) == (0.5, 0.5, 0.0)
    assert pkl["rejection_z"] is None  # no other DDO of Health has decided: nothing to compare with
    education = departments["Education"]["ddos"]
    assert [(d["ddo_code"], d["rejected"], d["rejection_rate"]) for d in education] == [("DDO-PKL-002", 1, 1.0)]
    # And a HoD sees their own department only
    mine = call("GET", "/v1/admin/reports/fairness", as_=HEALTH_HOD, query="min_decisions=1").body
    assert [d["department"] for d in mine["departments"]] == ["Health"]


@pytest.mark.usefixtures("scenario")
def test_the_dashboard_gauges_publish_the_same_totals(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    # Given metrics on (EMF lines on stdout, as CloudWatch reads them from the logs)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    # When the state-metrics schedule fires
    plan = run_job("state-metrics")
    # Then the totals are the summary's, and each gauge is published under its dashboard name
    totals = summary("department").body["totals"]
    assert plan["actions"]["registrations.DRAFT"] == totals["registrations"]["DRAFT"] == 1
    assert plan["actions"]["grievances.overdue"] == totals["grievances_overdue"] == 1
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"CloudWatchMetrics"' in line]
    published = {name: values for line in emitted for name, values in line.items() if not name.startswith("_")}
    assert published["RegistrationsVerified"] == [1.0] and published["VerificationBacklog"] == [1.0]
    assert published["GrievancesOverdue"] == [1.0] and published["GrievancesOpen"] == [2.0]
    assert published["CorrectionsPending"] == [0.0]  # no mobile-correction request in this scenario
