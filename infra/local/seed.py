"""Demo data for the local stack: programme HR-2026, a roll of 32 employees, the demo users, and one
pending mobile-correction request (EMP-0031's, in ddo1's queue).

Idempotent: rerunning it rewrites the programme and roll entries (keeping any registration
links and certified mobiles), leaves existing users alone, and opens no second request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from botocore.exceptions import ClientError

from core.audit import Actor
from core.auth import Role
from core.clock import IST
from core.corrections import HelpRequest
from core.identity import IdentityLink, Official
from core.mobile_help import open_mobile_correction
from core.notices import Contact, NoticePolicy
from core.officials import plan, record
from core.programme import GrievancePolicy, GrievanceUnit, Programme, Window
from core.service_record import Engagement, EngagementType, Gender, PaidDays, Personal, ServiceRecord, ServiceSpell
from core.store.corrections import CorrectionStore
from core.store.counters import CounterStore
from core.store.directory import DirectoryStore
from core.store.dynamo import transact_write
from core.store.events import EventStore
from core.store.programmes import ProgrammeStore
from core.store.roll import RollEntry, RollStore
from core.user_pool import employee_username

PROGRAMME_ID = "HR-2026"
SEED_ACTOR = Actor(id="system:seed", role="system")
# Local only: every demo user has this password; /_local/login uses it to mint real tokens.
DEMO_PASSWORD = "Anubandh-Local-1!"

PROGRAMME = Programme(
    programme_id=PROGRAMME_ID,
    name="Haryana Contractual Employees (Security of Service) 2026",
    acknowledgement_prefix="HR26",
    registration=Window(
        opens_at=datetime(2025, 12, 25, 0, 0, tzinfo=IST), closes_at=datetime(2026, 1, 31, 23, 59, 59, tzinfo=IST)
    ),
    verification_closes_at=datetime(2026, 2, 28, 23, 59, 59, tzinfo=IST),
    grievances=GrievancePolicy(
        units=(
            GrievanceUnit(unit_id="GRV-PKL-L1", name="District grievance cell, Panchkula", department="Health"),
            GrievanceUnit(unit_id="GRV-HSR-L1", name="District grievance cell, Hisar"),
            GrievanceUnit(unit_id="GRV-STATE-L1", name="State grievance cell, Chandigarh"),
        ),
        route_by_ddo={"DDO-PKL-001": "GRV-PKL-L1", "DDO-PKL-002": "GRV-PKL-L1", "DDO-HSR-001": "GRV-HSR-L1"},
        default_unit="GRV-STATE-L1",
    ),
    # Demo contacts of the officials (employees are reached through their roll entry).
    notices=NoticePolicy(
        contacts={
            address: Contact(mobile=f"98765{n:05d}", email=f"{address.split(':')[1].lower()}@example.gov.in")
            for n, address in enumerate(
                (
                    "unit:GRV-PKL-L1",
                    "unit:GRV-HSR-L1",
                    "unit:GRV-STATE-L1",
                    "hod:Health",
                    "ddo:DDO-PKL-001",
                    "ddo:DDO-PKL-002",
                    "ddo:DDO-HSR-001",
                ),
                start=1,
            )
        }
    ),
    ddo_codes=frozenset({"DDO-PKL-001", "DDO-PKL-002", "DDO-HSR-001"}),
)


@dataclass(frozen=True)
class Office:
    ddo_code: str
    department: str
    office: str
    district: str


HEALTH_PKL = Office("DDO-PKL-001", "Health", "Civil Hospital Sector 6", "Panchkula")
HEALTH_RAIPUR = Office("DDO-PKL-002", "Health", "CHC Raipur Rani", "Panchkula")
EDUCATION_HSR = Office("DDO-HSR-001", "School Education", "DC Office Hisar (composite)", "Hisar")
PWD_HSR = Office("DDO-HSR-001", "Public Works", "DC Office Hisar (composite)", "Hisar")


def _spell(
    department: str, post: str, first_year: int, years: int, days: int | list[int], full_time: bool = True
) -> ServiceSpell:
    per_year = days if isinstance(days, list) else [days] * years
    return ServiceSpell(
        department=department,
        post=post,
        from_date=date(first_year, 8, 16),
        to_date=date(first_year + years, 8, 15),
        full_time=full_time,
        paid_days=[PaidDays(service_year=first_year + i, days=d) for i, d in enumerate(per_year)],
    )


@dataclass(frozen=True)
class Archetype:
    """One kind of case the demo roll should show, eligible or not, and why."""

    label: str
    office: Office
    engagement: EngagementType
    pay: int
    full_time: bool
    spells: tuple[tuple[Any, ...], ...]
    born: date = date(1988, 4, 12)
    scheme: bool = False


ARCHETYPES = [
    Archetype(
        "eligible, 7 years",
        HEALTH_PKL,
        EngagementType.DIRECT_CONTRACT,
        32_000,
        True,
        (("Health", "Staff Nurse", 2016, 8, 300),),
    ),
    Archetype(
        "eligible via HKRN above the pay cap",
        HEALTH_RAIPUR,
        EngagementType.HKRN,
        56_000,
        True,
        (("Health", "Lab Technician", 2017, 7, 280),),
    ),
    Archetype(
        "too little service",
        EDUCATION_HSR,
        EngagementType.DIRECT_CONTRACT,
        25_000,
        True,
        (("School Education", "Computer Teacher", 2021, 3, 300),),
    ),
    Archetype(
        "pay above the cap",
        HEALTH_PKL,
        EngagementType.DIRECT_CONTRACT,
        55_000,
        True,
        (("Health", "Medical Officer", 2015, 9, 330),),
    ),
    Archetype(
        "part-time",
        EDUCATION_HSR,
        EngagementType.DIRECT_CONTRACT,
        12_000,
        False,
        (("School Education", "Part-time Sweeper", 2014, 10, 300, False),),
    ),
    Archetype(
        "exactly 240 days in a year",
        PWD_HSR,
        EngagementType.DIRECT_CONTRACT,
        21_000,
        True,
        (("Public Works", "Junior Engineer", 2019, 5, [240, 250, 260, 240, 300]),),
    ),
    Archetype(
        "239 days: one year short",
        PWD_HSR,
        EngagementType.DIRECT_CONTRACT,
        21_000,
        True,
        (("Public Works", "Work Supervisor", 2019, 5, [239, 250, 260, 240, 300]),),
    ),
    Archetype(
        "spells across departments",
        HEALTH_RAIPUR,
        EngagementType.DIRECT_CONTRACT,
        28_000,
        True,
        (("School Education", "Clerk", 2016, 3, 300), ("Health", "Data Entry Operator", 2019, 5, 300)),
    ),
    Archetype(
        "outsourced through an agency",
        HEALTH_PKL,
        EngagementType.OUTSOURCING,
        18_000,
        True,
        (("Health", "Ward Attendant", 2015, 9, 300),),
    ),
    Archetype(
        "centrally sponsored scheme",
        EDUCATION_HSR,
        EngagementType.DIRECT_CONTRACT,
        30_000,
        True,
        (("School Education", "Samagra Shiksha MIS", 2016, 8, 300),),
        scheme=True,
    ),
    Archetype(
        "superannuates in April 2026",
        HEALTH_PKL,
        EngagementType.DIRECT_CONTRACT,
        26_000,
        True,
        (("Health", "Pharmacist", 2012, 12, 300),),
        born=date(1968, 4, 20),
    ),
]

FIRST_NAMES = [
    "Sunita",
    "Rajesh",
    "Pooja",
    "Amit",
    "Neelam",
    "Sandeep",
    "Kavita",
    "Vikas",
    "Anita",
    "Deepak",
    "Meena",
    "Rohit",
    "Suman",
    "Manoj",
    "Rekha",
    "Sunil",
]
SURNAMES = ["Devi", "Kumar", "Sharma", "Yadav", "Rani", "Singh", "Saini", "Malik"]
ROLL_SIZE = 32


def employee_code(n: int) -> str:
    return f"EMP-{n:04d}"


def demo_roll() -> list[RollEntry]:
    entries = []
    for n in range(1, ROLL_SIZE + 1):
        kind = ARCHETYPES[(n - 1) % len(ARCHETYPES)]
        name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAMES[n % len(SURNAMES)]}"
        record = ServiceRecord(
            personal=Personal(
                name=name,
                father_name=f"{FIRST_NAMES[(n + 5) % len(FIRST_NAMES)]} {SURNAMES[n % len(SURNAMES)]}",
                date_of_birth=kind.born,
                gender=Gender.FEMALE if n % 2 else Gender.MALE,
                mobile=f"98120{n:05d}",
                email=f"employee{n}@example.in",
            ),
            family_id=f"FAM{n:05d}" if n % 3 else None,  # some must add their Family ID themselves
            engagement=Engagement(
                type=kind.engagement,
                department=kind.office.department,
                office=kind.office.office,
                district=kind.office.district,
                ddo_code=kind.office.ddo_code,
                designation=kind.spells[-1][1],
                monthly_pay=kind.pay,
                full_time=kind.full_time,
                centrally_sponsored_scheme=kind.scheme,
            ),
            service_spells=[_spell(*s) for s in kind.spells],
            bank_account_last4=f"{(n * 37) % 10000:04d}",
        )
        entries.append(RollEntry(employee_code=employee_code(n), programme_id=PROGRAMME_ID, record=record))
    return entries


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    note: str
    employee_code: str | None = None
    scope: dict[str, str] = field(default_factory=dict)

    @property
    def cognito_username(self) -> str:
        """An employee's user is the one an OTP sign-in makes (emp:<code>), so both reach the same
        person; "employee1" is only the demo name /_local/login knows it by."""
        return employee_username(self.employee_code) if self.employee_code else self.username

    def official(self, number: int) -> Official:
        return Official(
            username=self.username,
            name=self.note.split(",")[0],
            email=f"{self.username}@example.gov.in",
            mobile=f"98766{number:05d}",
            role=self.role,
            **self.scope,
        )


def demo_users() -> list[DemoUser]:
    users = [
        DemoUser(
            f"employee{n}", Role.EMPLOYEE, ARCHETYPES[(n - 1) % len(ARCHETYPES)].label, employee_code=employee_code(n)
        )
        for n in range(1, 31)
    ]
    users += [
        DemoUser("ddo1", Role.DDO, "DDO, Civil Hospital Panchkula (Health)", scope={"ddo_code": "DDO-PKL-001"}),
        DemoUser("ddo2", Role.DDO, "DDO, CHC Raipur Rani (Health)", scope={"ddo_code": "DDO-PKL-002"}),
        DemoUser("ddo3", Role.DDO, "DDO, DC Office Hisar", scope={"ddo_code": "DDO-HSR-001"}),
        DemoUser("hod1", Role.HOD, "Head of Department, Health (DDO-PKL-001/002)", scope={"department": "Health"}),
        DemoUser("officer1", Role.OFFICER, "Grievance officer, L1 Panchkula", scope={"unit": "GRV-PKL-L1"}),
        DemoUser("officer2", Role.OFFICER, "Grievance officer, L1 Hisar", scope={"unit": "GRV-HSR-L1"}),
        DemoUser("admin1", Role.ADMIN, "State nodal officer (windows, roll, reports)"),
    ]
    return users


# EMP-0031 (no demo user: they cannot sign in) asked for help: the OTP goes to a number they lost.
DEMO_HELP_REQUEST = HelpRequest(
    employee_code="EMP-0031",
    family_id="FAM00031",
    date_of_birth=date(1988, 4, 12),
    new_mobile="9700000031",
    message="My old SIM was lost; please send the OTP to my new number.",
)


@dataclass(frozen=True)
class Tables:
    settings: str
    roll: str
    directory: str
    corrections: str
    events: str
    counters: str


def seed(
    *,
    dynamodb: Any,
    dynamodb_resource: Any,
    cognito: Any,
    tables: Tables,
    user_pool_id: str,
    now: datetime,
) -> None:
    ProgrammeStore(dynamodb, dynamodb_resource, tables.settings, 0).put(PROGRAMME)
    roll = RollStore(dynamodb, tables.roll)
    for entry in demo_roll():
        roll.put(entry)
    directory = DirectoryStore(dynamodb, tables.directory)
    events = EventStore(dynamodb, tables.events)
    for number, user in enumerate(demo_users(), start=1):
        sub = _ensure_user(cognito, user_pool_id, user)
        _ensure_link(dynamodb, directory, events, user, sub, number)
    open_mobile_correction(
        DEMO_HELP_REQUEST,
        now=now,
        programme_id=PROGRAMME_ID,
        roll=roll,
        corrections=CorrectionStore(dynamodb, tables.corrections),
        events=events,
        counters=CounterStore(dynamodb, tables.counters),
    )


def _ensure_user(cognito: Any, pool_id: str, user: DemoUser) -> str:
    """The demo user's sub, creating the user (with the demo password, in its group) if need be."""
    try:
        found = cognito.admin_get_user(UserPoolId=pool_id, Username=user.cognito_username)["UserAttributes"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "UserNotFoundException":
            raise
        found = cognito.admin_create_user(UserPoolId=pool_id, Username=user.cognito_username, MessageAction="SUPPRESS")[
            "User"
        ]["Attributes"]
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=user.cognito_username, Password=DEMO_PASSWORD, Permanent=True
        )
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user.cognito_username, GroupName=user.role.value)
    return next(a["Value"] for a in found if a["Name"] == "sub")


def _ensure_link(
    dynamodb: Any, directory: DirectoryStore, events: EventStore, user: DemoUser, sub: str, number: int
) -> None:
    """The directory entry that makes the demo user somebody: an employee's roll entry, an official's
    scope (recorded as `anubandh officials import` records it, with the first event of their chain)."""
    if directory.link(sub) is not None:
        return
    if user.employee_code is not None:
        link = IdentityLink(
            sub=sub, username=user.cognito_username, role=Role.EMPLOYEE, employee_code=user.employee_code
        )
        directory.bind_employee(link)
        return
    items, _ = record(
        plan(None, user.official(number)),
        sub=sub,
        at=datetime.now(UTC),
        actor=SEED_ACTOR,
        reason="local demo data",
        directory=directory,
        events=events,
    )
    transact_write(dynamodb, items)
