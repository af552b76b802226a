"""GET /v1/transparency/stats on moto: public, read from the counters (the outcome counters written by
decisions and grievance steps), small groups withheld, cached for five minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from admin import settings as admin_settings
from core.clock import IST, SettableClock
from core.grievance import OVERDUE, Grievance, GrievanceStatus, Level
from core.outcomes import (
    GRIEVANCE_OUTCOMES,
    REGISTRATION_OUTCOMES,
    decision_outcome,
    grievance_outcome_labels,
    stats_scopes,
)
from core.registration import Decision
from core.store.counters import CounterStore
from tests import factories
from tests.integration.conftest import call
from tests.integration.test_grievances import OFFICER, RESOLUTION, act, filed, ok
from tests.integration.test_verification import decide, submitted

pytestmark = pytest.mark.usefixtures("seeded")

PROGRAMME = factories.PROGRAMME_ID
T0 = datetime(2026, 1, 10, 10, 0, tzinfo=IST)


def counters() -> CounterStore:
    return CounterStore(boto3.client("dynamodb"), admin_settings.get_settings().counters_table)


def scopes(department: str, ddo: str, district: str) -> dict[str, str]:
    return {
        "programme": PROGRAMME,
        "department": department,
        "ddo": ddo,
        "district": district,
        "department_ddo": f"{department}/{ddo}",
        "department_district": f"{department}/{district}",
    }


def count_registrations(office: tuple[str, str, str], status: str, n: int, decisions: tuple[Any, ...] = ()) -> None:
    """What n registrations in `status` (and the decisions taken on them) leave in the counters."""
    store, client = counters(), boto3.client("dynamodb")
    where = scopes(*office)
    items = []
    for i in range(n):
        shard = f"{office}{status}{i}"
        items += store.transition(
            kind="registrations", programme_id=PROGRAMME, shard_key=shard, before=None, after=(where, (status,))
        )
    for i, (decision, days) in enumerate(decisions):
        amounts = decision_outcome(decision, submitted_at=T0, decided_at=T0 + timedelta(days=days, hours=3))
        items += [
            store.add(
                kind=REGISTRATION_OUTCOMES, programme_id=PROGRAMME, shard_key=f"d{i}", scope=s, value=v, amounts=amounts
            )
            for s, v in stats_scopes(where).items()
        ]
    for item in items:
        assert item is not None
        client.update_item(**item.request)


def count_grievance(
    office: tuple[str, str, str],
    status: GrievanceStatus,
    *,
    resolved_in: int | None = None,
    escalated: bool = False,
    overdue: bool = False,
) -> None:
    store, client = counters(), boto3.client("dynamodb")
    department, ddo, district = office
    grievance = Grievance(
        grievance_id=f"GRV-{status}-{resolved_in}-{escalated}-{overdue}",
        number="N",
        programme_id=PROGRAMME,
        owner_sub="s",
        employee_code="EMP-X",
        ddo_code=ddo,
        department=department,
        district=district,
        category="salary_not_paid",
        subject="s",
        description="d",
        level=Level.L2 if escalated else Level.L1,
        status=status,
        version=1,
        event_head="",
        filed_at=T0,
        updated_at=T0,
        due_at=T0,
        resolved_at=None if resolved_in is None else T0 + timedelta(days=resolved_in),
        overdue_since=T0 if overdue else None,
    )
    where = scopes(*office)
    labels = (status.value, OVERDUE) if overdue else (status.value,)
    items = [
        *store.transition(
            kind="grievances",
            programme_id=PROGRAMME,
            shard_key=grievance.grievance_id,
            before=None,
            after=(where, labels),
        ),
        *store.transition(
            kind=GRIEVANCE_OUTCOMES,
            programme_id=PROGRAMME,
            shard_key=grievance.grievance_id,
            before=None,
            after=(stats_scopes(where), grievance_outcome_labels(grievance)),
        ),
    ]
    for item in items:
        client.update_item(**item.request)


HEALTH_PKL1 = ("Health", "DDO-PKL-001", "Panchkula")
HEALTH_PKL2 = ("Health", "DDO-PKL-002", "Panchkula")
EDUCATION_HSR = ("School Education", "DDO-HSR-001", "Hisar")
WORKS_HSR = ("Public Works", "DDO-HSR-001", "Hisar")


@pytest.fixture
def programme_figures(seeded: Any) -> None:
    """18 registrations in four offices, 5 decisions, 5 grievances (all in one office)."""
    count_registrations(HEALTH_PKL1, "VERIFIED", 3, ((Decision.VERIFY, 2), (Decision.VERIFY, 4), (Decision.VERIFY, 10)))
    count_registrations(HEALTH_PKL1, "SENT_BACK", 1, ((Decision.SEND_BACK, 1),))
    count_registrations(HEALTH_PKL1, "REJECTED", 1, ((Decision.REJECT, 30),))
    count_registrations(HEALTH_PKL1, "SUBMITTED", 2)
    count_registrations(HEALTH_PKL2, "SUBMITTED", 2)
    count_registrations(EDUCATION_HSR, "DRAFT", 6)
    count_registrations(WORKS_HSR, "DRAFT", 3)
    count_grievance(HEALTH_PKL1, GrievanceStatus.RESOLVED, resolved_in=3)
    count_grievance(HEALTH_PKL1, GrievanceStatus.RESOLVED, resolved_in=5)
    count_grievance(HEALTH_PKL1, GrievanceStatus.CLOSED, resolved_in=8)
    count_grievance(HEALTH_PKL1, GrievanceStatus.OPEN, escalated=True)
    count_grievance(HEALTH_PKL1, GrievanceStatus.IN_PROGRESS, escalated=True, overdue=True)


def stats(by: str) -> Any:
    reply = call("GET", "/v1/transparency/stats", as_=None, query=f"by={by}")
    assert reply.status == 200, reply.body
    assert reply.headers["Cache-Control"] == "public, max-age=300"
    assert "EMP-" not in str(reply.body)  # aggregates only
    return reply.body


def rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["group"]: row for row in body["groups"]}


@pytest.mark.usefixtures("programme_figures")
def test_by_department_small_groups_are_withheld_with_the_next_smallest() -> None:
    body = stats("department")
    # Public Works (3 registrations) is under 5; withheld alone, the state's 18 minus Health's 9 and
    # Education's 6 would give it away, so Education (6) is withheld with it
    assert list(rows(body)) == ["Health"]
    health = rows(body)["Health"]
    assert health["registrations"]["total"] == 9
    assert health["registrations"]["by_state"]["VERIFIED"] == 3
    assert health["grievances"]["filed"] == 5
    assert body["suppression"] | {"reason": ""} == {
        "min_records": 5,
        "groups_withheld": 2,
        "registration_figures_withheld": 2,
        "grievance_figures_withheld": 2,  # no grievance at all in those two
        "reason": "",
    }
    assert "fewer than 5" in body["suppression"]["reason"]


@pytest.mark.usefixtures("programme_figures")
def test_by_district_and_the_state_figures_read_from_the_counters() -> None:
    body = stats("district")
    assert body["by"] == "district"
    panchkula, hisar = rows(body)["Panchkula"], rows(body)["Hisar"]
    assert (panchkula["registrations"]["total"], hisar["registrations"]["total"]) == (9, 9)
    assert panchkula["department"] is None
    assert hisar["grievances"] is None  # none filed there: fewer than 5
    assert body["suppression"]["grievance_figures_withheld"] == 1
    assert body["suppression"]["groups_withheld"] == 0
    state = body["state"]
    assert state["registrations"] | {"by_state": None} == {
        "total": 18,
        "by_state": None,
        "decisions": 5,
        "verified_rate": 0.6,
        "sent_back_rate": 0.2,
        "rejected_rate": 0.2,
        "median_days_to_decision": 4.0,  # of 1, 2, 4, 10 and 30 days
    }
    assert state["grievances"] == {
        "filed": 5,
        "resolved": 3,
        "escalated": 2,
        "overdue": 1,
        "median_days_to_resolve": 5.0,  # of 3, 5 and 8 days
    }


@pytest.mark.usefixtures("programme_figures")
def test_by_ddo_names_each_ddos_department() -> None:
    body = stats("ddo")
    assert {(r["department"], r["group"]) for r in body["groups"]} == {
        ("Health", "DDO-PKL-001"),
        ("School Education", "DDO-HSR-001"),
    }
    pkl1 = rows(body)["DDO-PKL-001"]
    assert pkl1["registrations"]["median_days_to_decision"] == 4.0
    assert pkl1["grievances"]["median_days_to_resolve"] == 5.0
    education = next(r for r in body["groups"] if r["department"] == "School Education")
    assert (education["registrations"]["total"], education["grievances"]) == (6, None)
    # DDO-PKL-002 (2) and Public Works' DDO-HSR-001 (3) add up to 5: no more need be withheld
    assert body["suppression"]["registration_figures_withheld"] == 2
    assert body["suppression"]["groups_withheld"] == 2


@pytest.mark.usefixtures("programme_figures")
def test_figures_are_cached_for_five_minutes(clock: SettableClock) -> None:
    first = stats("department")
    count_registrations(WORKS_HSR, "DRAFT", 5)  # Public Works now has 8
    # Within five minutes the same figures come back, from memory
    clock.set(clock.now() + timedelta(minutes=4), frozen=True)
    cached = call("GET", "/v1/transparency/stats", as_=None, query="by=department")
    assert cached.body == first
    assert cached.headers["Cache-Control"] == "public, max-age=60"
    # ...after them, the counters are read again
    clock.set(clock.now() + timedelta(minutes=1), frozen=True)
    fresh = stats("department")
    assert rows(fresh)["Public Works"]["registrations"]["total"] == 8
    assert fresh["state"]["registrations"]["total"] == 23


def test_the_route_needs_no_token_and_refuses_an_unknown_grouping() -> None:
    reply = call("GET", "/v1/transparency/stats", as_=None, query="by=employee")
    assert (reply.status, reply.code) == (422, "validation_error")
    # With nothing counted yet, everything is withheld and the answer says so
    empty = stats("department")
    assert (empty["groups"], empty["state"]["registrations"], empty["state"]["grievances"]) == ([], None, None)


def test_decisions_and_grievance_steps_write_the_outcome_counters() -> None:
    # Given a registration verified and one grievance resolved, another escalated
    reg_id, version = submitted()
    assert decide(reg_id, decision="verify", remarks="", version=version).status == 200
    resolved_id, v = filed()
    v = ok(act(resolved_id, v, "accept"))
    ok(act(resolved_id, v, "resolve", remarks=RESOLUTION))
    escalated_id, v = filed()
    ok(act(escalated_id, v, "escalate", as_=OFFICER, remarks="Needs the department's sanction."))
    # Then the outcome counters hold them, in each of the public report's scopes
    store = counters()
    for scope, group in (
        ("department", "Health"),
        ("department_ddo", "Health/DDO-PKL-001"),
        ("department_district", "Health/Panchkula"),
    ):
        decided = store.groups(kind=REGISTRATION_OUTCOMES, programme_id=PROGRAMME, scope=scope)
        assert decided == {group: {"decisions": 1, "verify": 1, "day00": 1}}
        grievances = store.groups(kind=GRIEVANCE_OUTCOMES, programme_id=PROGRAMME, scope=scope)
        assert grievances == {group: {"day00": 1, "escalated": 1}}
