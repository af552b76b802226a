"""botocore's retry configuration: standard mode, bounded attempts, timeouts whose worst case fits the
functions' timeouts (docs/capacity.md, "Retries and timeouts")."""

from __future__ import annotations

import boto3
import pytest

from core.aws import DEFAULT_BUDGET, LOCAL_BUDGET, SERVICE_BUDGETS, TRIGGER_BUDGET, AwsClients, RetryBudget
from core.settings import FunctionSettings


def test_the_default_budget_is_pinned() -> None:
    # 3 attempts of 1 s + 3 s, waits of at most 1 s and 2 s between them (botocore's throttling backoff)
    assert RetryBudget(attempts=3, connect_timeout=1.0, read_timeout=3.0) == DEFAULT_BUDGET
    assert DEFAULT_BUDGET.worst_case_seconds == 3 * (1 + 3) + 1 + 2 == 15


def test_cognitos_calls_have_room_for_its_triggers_and_the_trigger_for_its_own_timeout() -> None:
    assert SERVICE_BUDGETS["cognito-idp"] == RetryBudget(attempts=2, connect_timeout=1.0, read_timeout=10.0)
    assert SERVICE_BUDGETS["cognito-idp"].worst_case_seconds == 2 * (1 + 10) + 1 == 23
    assert TRIGGER_BUDGET.worst_case_seconds == 2 * (0.5 + 1) + 1 == 4


@pytest.mark.parametrize(("attempts", "waits"), [(1, 0), (2, 1), (4, 1 + 2 + 4), (7, 1 + 2 + 4 + 8 + 16 + 20)])
def test_the_waits_grow_as_botocore_backs_off_and_stop_at_its_cap(attempts: int, waits: float) -> None:
    budget = RetryBudget(attempts=attempts, connect_timeout=0, read_timeout=0)
    assert budget.worst_case_seconds == waits


def test_a_client_is_built_with_standard_retries_bounded_attempts_and_the_timeouts() -> None:
    clients = AwsClients(boto3.session.Session(region_name="ap-south-1"))
    dynamodb = clients.client("dynamodb").meta.config
    assert dynamodb.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (dynamodb.connect_timeout, dynamodb.read_timeout) == (1.0, 3.0)
    cognito = clients.client("cognito-idp").meta.config
    assert cognito.retries == {"mode": "standard", "total_max_attempts": 2}
    assert cognito.read_timeout == 10.0


def test_a_function_with_its_own_budget_uses_it_for_every_service() -> None:
    clients = AwsClients(boto3.session.Session(region_name="ap-south-1"), budget=TRIGGER_BUDGET)
    assert clients.budget("dynamodb") == clients.budget("cognito-idp") == TRIGGER_BUDGET
    assert clients.client("dynamodb").meta.config.read_timeout == 1.0


def test_the_clients_of_a_function_share_one_session(monkeypatch: pytest.MonkeyPatch) -> None:
    # One session reads botocore's endpoint and service data once for all the function's clients
    made: list[object] = []

    class Counted(boto3.session.Session):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(boto3.session, "Session", Counted)
    clients = AwsClients()
    assert made == []  # nothing is built until a client is asked for
    clients.client("dynamodb"), clients.client("sqs"), clients.resource("dynamodb")
    assert len(made) == 1


def test_the_local_stack_waits_longer_for_moto_and_only_it_does() -> None:
    # A moto server on a busy laptop is slow, not down; the cloud's clients keep their budgets
    local = FunctionSettings(programme_id="HR-2026", settings_table="s", aws_endpoint_url="http://127.0.0.1:5000")
    cloud = FunctionSettings(programme_id="HR-2026", settings_table="s")
    assert AwsClients.for_function(local, budget=TRIGGER_BUDGET).budget("dynamodb") == LOCAL_BUDGET
    assert AwsClients.for_function(cloud).budget("dynamodb") == DEFAULT_BUDGET
    assert AwsClients.for_function(cloud, budget=TRIGGER_BUDGET).budget("dynamodb") == TRIGGER_BUDGET


def test_a_lazy_client_is_built_on_first_use_once_and_shared_with_client() -> None:
    class Session:
        built: list[str] = []

        def client(self, service: str, config: object) -> object:
            self.built.append(service)
            return type("Client", (), {"service": service})()

    aws = AwsClients(Session())  # type: ignore[arg-type]
    s3 = aws.s3  # what a store holds from the cold start
    assert Session.built == []
    assert s3.service == "s3" and aws.client("s3").service == "s3"
    assert Session.built == ["s3"]
