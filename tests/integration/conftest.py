"""Handlers in-process on moto's mock_aws, with the tables provisioned from infra/template.yaml."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from admin import handler as admin_handler
from admin import importer as admin_importer
from auditor import handler as auditor_handler
from auth import challenge as auth_challenge
from auth import handler as auth_handler
from certificates import handler as certificates_handler
from core.clock import SettableClock, SystemClock, install_clock
from core.observability import metrics
from core.store.directory import DirectoryStore
from core.store.dynamo import transact_write
from core.store.programmes import ProgrammeStore
from core.store.roll import RollStore
from core.wiring import Wiring
from grievance import handler as grievance_handler
from infra.local.events import LocalLambdaContext
from infra.local.functions import FunctionRunner
from infra.local.moto_fidelity import (
    cheap_transaction_rollback,
    enforce_compliance_retention,
    enforce_post_policy,
    import_pool_key_once,
    install_cognito_fidelity,
    serialize_dynamodb,
)
from infra.local.provision import provision
from infra.local.routing import RouteTable
from infra.local.template import LocalContext, function_environment, function_handlers, http_routes, load_template
from register import handler as register_handler
from register import settings as register_settings
from reminders import planner as reminders_planner
from reminders import worker as reminders_worker
from roll import handler as roll_handler
from tests import factories
from tests.integration.fault_injection import Draws, Edge, Lab, fresh_environments
from tests.integration.moto_snapshot import MotoSnapshot
from transparency import handler as transparency_handler
from transparency import log as transparency_log
from verify import handler as verify_handler


@pytest.fixture
def clock() -> Iterator[SettableClock]:
    settable = SettableClock()
    settable.set(factories.DURING_REGISTRATION, frozen=True)
    install_clock(settable)
    yield settable
    install_clock(SystemClock())


HANDLERS = {
    "RegisterFunction": register_handler,
    "VerifyFunction": verify_handler,
    "GrievanceFunction": grievance_handler,
    "AdminFunction": admin_handler,
    "AuthFunction": auth_handler,
    "RollFunction": roll_handler,
    "CertificatesFunction": certificates_handler,
    "TransparencyFunction": transparency_handler,
}
# Functions with no HTTP route: the deadline jobs' planner (scheduled) and worker (SQS).
JOB_FUNCTIONS = {
    "RemindersPlannerFunction": reminders_planner,
    "RemindersWorkerFunction": reminders_worker,
    "RollImportFunction": admin_importer,
    "AuthChallengeFunction": auth_challenge,  # the user pool's custom-auth triggers
    "TransparencyLogFunction": transparency_log,
    "TransparencyAuditFunction": auditor_handler,
}


def _reset_functions() -> None:
    """A fresh cold start for every test: settings, clients and services are built again."""
    Wiring.reset_all()


_PROVISIONED: list[tuple[LocalContext, MotoSnapshot]] = []  # per test process


def _provisioned(template: dict[str, Any]) -> LocalContext:
    """The template's resources in the active mock_aws: provisioned by the process's first test,
    restored from its snapshot for the others (the same state, without 120 calls)."""
    if not _PROVISIONED:
        context = provision(template, endpoint_url=None, region="ap-south-1", stack_name="test")
        _PROVISIONED.append((context, MotoSnapshot.take()))
        return context
    context, snapshot = _PROVISIONED[0]
    snapshot.restore()
    return context


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch, clock: SettableClock) -> Iterator[LocalContext]:
    serialize_dynamodb()
    cheap_transaction_rollback()
    enforce_compliance_retention()
    enforce_post_policy()
    import_pool_key_once()
    with mock_aws():
        template = load_template()
        context = _provisioned(template)
        for function_id in (*HANDLERS, *JOB_FUNCTIONS):
            for name, value in function_environment(template, function_id, context).items():
                monkeypatch.setenv(name, value)
        _reset_functions()
        # moto's Cognito calls the pool's triggers in-process, as Cognito would call the Lambdas.
        runner = FunctionRunner()
        functions = {context.physical[f]["Arn"]: (f, h) for f, h in function_handlers(template).items()}
        install_cognito_fidelity(lambda arn, event: runner.invoke(*functions[arn], event))
        yield context
        _reset_functions()


@pytest.fixture
def seeded(stack: LocalContext) -> LocalContext:
    """The programme HR-2026 and three employees on the roll (two of DDO-PKL-001, one of DDO-HSR-001)."""
    settings = register_settings.get_settings()
    aws = register_handler.wiring.aws
    ProgrammeStore(aws.dynamodb, aws.resource("dynamodb"), settings.settings_table, 0).put(factories.programme())
    roll = RollStore(aws.dynamodb, settings.roll_table)
    roll.put(factories.roll_entry("EMP-0001"))
    roll.put(factories.roll_entry("EMP-0002", mobile="9876501234"))
    roll.put(factories.roll_entry("EMP-0003", ddo_code="DDO-HSR-001", district="Hisar"))
    return stack


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


def directory_store() -> DirectoryStore:
    """The directory through a client of the test's own, so the handlers' counted calls stay theirs."""
    return DirectoryStore(boto3.client("dynamodb"), register_settings.get_settings().directory_table)


def _ensure_in_directory(caller: dict[str, str]) -> None:
    """The directory entry the test's caller stands for, unless the test has already put (or changed) one."""
    store = directory_store()
    if store.link(caller["sub"]) is not None:
        return  # signed in for real, or put (or changed) by the test
    link = factories.directory_link(caller)
    if link is not None:
        transact_write(boto3.client("dynamodb"), [store.put_link(link)])


_ENVIRONMENTS = {function_id: threading.Lock() for function_id in HANDLERS}
ROUTE_TABLE = RouteTable(http_routes(load_template()))


def _route_of(method: str, path: str) -> tuple[str, str]:
    match = ROUTE_TABLE.match(method, path)
    assert match is not None, f"no route in the template for {method} {path}"
    return match.route.path, match.route.function_id


def call(
    method: str,
    path: str,
    *,
    as_: dict[str, str] | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> Reply:
    route, function_id = _route_of(method, path)
    if as_ is not None:
        _ensure_in_directory(as_)
    event = factories.event(method, path, route=route, as_=as_, body=body, headers=headers, query=query)
    # One execution environment per function, as Lambda runs one event per environment at a time: the
    # handler's module state (Powertools' current event and route) is never shared by two requests.
    with _ENVIRONMENTS[function_id]:
        response = HANDLERS[function_id].lambda_handler(event, LocalLambdaContext(function_id))
    raw = response.get("body") or ""
    content_type = response.get("headers", {}).get("Content-Type", "")
    parsed = json.loads(raw) if raw and "json" in content_type else raw
    return Reply(status=response["statusCode"], body=parsed, headers=response.get("headers", {}))


@pytest.fixture
def lab(
    seeded: LocalContext, monkeypatch: pytest.MonkeyPatch, record_property: Callable[[str, object], None]
) -> Iterator[Lab]:
    """The fault sweeps' laboratory (tests/integration/fault_injection.py) on the seeded stack."""
    # The programme's settings are read again on every use, not once a minute: a cache may expire between
    # any two calls of a request, so no read of them, before or after the change, goes unfaulted.
    monkeypatch.setenv("SETTINGS_CACHE_SECONDS", "0")
    draws = Draws(monkeypatch)
    yield Lab(Edge(monkeypatch), draws, fresh_environments, record_property)
    draws.close()
    metrics.clear_metrics()  # what the failed runs added and never flushed is no later test's
