"""Small factories for the tests: a programme, roll entries, claims and HTTP API events."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from core.auth import Role
from core.clock import IST
from core.identity import IdentityLink
from core.programme import GrievancePolicy, GrievanceUnit, Programme, Window
from core.service_record import Engagement, EngagementType, Gender, PaidDays, Personal, ServiceRecord, ServiceSpell
from core.store.roll import RollEntry
from infra.local.events import http_api_event

PROGRAMME_ID = "HR-2026"
OPENS = datetime(2025, 12, 25, 0, 0, tzinfo=IST)
REGISTRATION_CLOSES = datetime(2026, 1, 31, 23, 59, 59, tzinfo=IST)
VERIFICATION_CLOSES = datetime(2026, 2, 28, 23, 59, 59, tzinfo=IST)
DURING_REGISTRATION = datetime(2026, 1, 20, 11, 0, tzinfo=IST)


PKL_UNIT = "GRV-PKL-L1"
HSR_UNIT = "GRV-HSR-L1"
STATE_UNIT = "GRV-STATE-L1"


def grievance_policy(**overrides: Any) -> GrievancePolicy:
    """Panchkula and Hisar cells by DDO code; everyone else to the state cell."""
    fields: dict[str, Any] = {
        "units": (
            GrievanceUnit(unit_id=PKL_UNIT, name="Grievance cell, Panchkula"),
            GrievanceUnit(unit_id=HSR_UNIT, name="Grievance cell, Hisar"),
            GrievanceUnit(unit_id=STATE_UNIT, name="State grievance cell"),
        ),
        "route_by_ddo": {"DDO-PKL-001": PKL_UNIT, "DDO-PKL-002": PKL_UNIT, "DDO-HSR-001": HSR_UNIT},
        "default_unit": STATE_UNIT,
    }
    return GrievancePolicy(**{**fields, **overrides})


def programme(**overrides: Any) -> Programme:
    fields: dict[str, Any] = {
        "programme_id": PROGRAMME_ID,
        "name": "Haryana Contractual Employees (Security of Service) 2026",
        "acknowledgement_prefix": "HR26",
        "registration": Window(opens_at=OPENS, closes_at=REGISTRATION_CLOSES),
        "verification_closes_at": VERIFICATION_CLOSES,
        "grievances": grievance_policy(),
        "ddo_codes": frozenset({"DDO-PKL-001", "DDO-PKL-002", "DDO-HSR-001", "DDO-HSR-002"}),
    }
    return Programme(**{**fields, **overrides})


def spell(
    department: str = "Health", post: str = "Staff Nurse", first_year: int = 2017, years: int = 7, days: int = 300
) -> ServiceSpell:
    return ServiceSpell(
        department=department,
        post=post,
        from_date=date(first_year, 8, 16),
        to_date=date(first_year + years, 8, 15),
        paid_days=[PaidDays(service_year=y, days=days) for y in range(first_year, first_year + years)],
    )


def service_record(
    *,
    ddo_code: str = "DDO-PKL-001",
    department: str = "Health",
    district: str = "Panchkula",
    monthly_pay: int = 32_000,
    mobile: str = "9812345678",
    spells: list[ServiceSpell] | None = None,
    family_id: str | None = "FAM12345",
    bank_account_last4: str | None = "4321",
) -> ServiceRecord:
    return ServiceRecord(
        personal=Personal(
            name="Sunita Devi",
            father_name="Ram Kumar",
            date_of_birth=date(1988, 4, 12),
            gender=Gender.FEMALE,
            mobile=mobile,
        ),
        family_id=family_id,
        engagement=Engagement(
            type=EngagementType.DIRECT_CONTRACT,
            department=department,
            office="Civil Hospital",
            district=district,
            ddo_code=ddo_code,
            designation="Staff Nurse",
            monthly_pay=monthly_pay,
            full_time=True,
        ),
        service_spells=[spell(department=department)] if spells is None else spells,
        bank_account_last4=bank_account_last4,
    )


def roll_entry(employee_code: str = "EMP-0001", **record: Any) -> RollEntry:
    return RollEntry(employee_code=employee_code, programme_id=PROGRAMME_ID, record=service_record(**record))


DIRECTORY_PREFIX = "directory:"


def claims(
    username: str,
    *groups: str,
    sub: str | None = None,
    employee_code: str | None = None,
    ddo_code: str | None = None,
    department: str | None = None,
    unit: str | None = None,
) -> dict[str, str]:
    """A caller: the claims API Gateway hands the Lambda (strings; groups as "[a b]"), plus what the
    directory should say of them (`directory:*`, never sent: see `token_claims` and `directory_link`)."""
    found = {
        "sub": sub or f"sub-{username}",
        "cognito:username": username,
        "cognito:groups": "[" + " ".join(groups) + "]",
        "token_use": "id",
        "iat": "1767225600",  # 2026-01-01: after any sign-out a test makes
    }
    for key, value in (
        ("employee_code", employee_code),
        ("ddo_code", ddo_code),
        ("department", department),
        ("unit", unit),
    ):
        if value is not None:
            found[f"{DIRECTORY_PREFIX}{key}"] = value
    return found


def token_claims(caller: dict[str, str]) -> dict[str, str]:
    """What the token says: the server trusts only its sub (and iat)."""
    return {k: v for k, v in caller.items() if not k.startswith(DIRECTORY_PREFIX)}


def directory_link(caller: dict[str, str]) -> IdentityLink | None:
    """What the directory says of the caller: the first group is the role (None: nobody it knows)."""
    roles = [g for g in caller.get("cognito:groups", "").strip("[]").split() if g in {r.value for r in Role}]
    if not roles:
        return None
    scope = {k[len(DIRECTORY_PREFIX) :]: v for k, v in caller.items() if k.startswith(DIRECTORY_PREFIX)}
    username = caller.get("cognito:username") or caller["username"]
    return IdentityLink(sub=caller["sub"], username=username, role=Role(roles[0]), **scope)


def employee(code: str = "EMP-0001") -> dict[str, str]:
    return claims(code.lower(), "employee", employee_code=code)


def ddo(code: str = "DDO-PKL-001") -> dict[str, str]:
    return claims(f"ddo-{code.lower()}", "ddo", ddo_code=code)


def officer(unit: str = PKL_UNIT) -> dict[str, str]:
    return claims(f"officer-{unit.lower()}", "officer", unit=unit)


def hod(department: str = "Health") -> dict[str, str]:
    return claims(f"hod-{department.lower().replace(' ', '-')}", "hod", department=department)


def event(
    method: str,
    path: str,
    *,
    route: str,
    as_: dict[str, str] | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> dict[str, Any]:
    """An HTTP API v2 event for `path`, matched against the route template `route`."""
    names = [s[1:-1] for s in route.split("/") if s.startswith("{")]
    values = [p for p, r in zip(path.split("/"), route.split("/"), strict=True) if r.startswith("{")]
    raw = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    return http_api_event(
        method=method,
        route=route,
        path=path,
        path_parameters=dict(zip(names, values, strict=True)) or None,
        query=query,
        headers={"content-type": "application/json", **(headers or {})},
        body=raw,
        claims=None if as_ is None else token_claims(as_),
    )
