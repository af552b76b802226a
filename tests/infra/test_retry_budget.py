"""Every function's worst-case AWS call, botocore's retries included (core.aws), fits inside the timeout
the template gives that function, with room for the rest of its work."""

from __future__ import annotations

from typing import Any

import pytest

from core.aws import DEFAULT_BUDGET, SERVICE_BUDGETS, TRIGGER_BUDGET, RetryBudget
from infra.local.template import load_template

TEMPLATE = load_template()
FUNCTIONS = {
    name: resource["Properties"]
    for name, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}
# The functions whose clients use their own budget (AwsClients.for_function(..., budget=...)).
OWN_BUDGETS: dict[str, RetryBudget] = {"AuthChallengeFunction": TRIGGER_BUDGET}


def timeout_of(properties: dict[str, Any]) -> int:
    return int(properties.get("Timeout", TEMPLATE["Globals"]["Function"]["Timeout"]))


def test_the_http_functions_timeout_is_the_one_the_arithmetic_assumes() -> None:
    # docs/capacity.md and core.aws reason from 29 s, inside the HTTP API's 30 s integration timeout
    assert TEMPLATE["Globals"]["Function"]["Timeout"] == 29


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_one_calls_worst_case_leaves_a_fifth_of_the_function_timeout(function: str) -> None:
    budgets = [OWN_BUDGETS[function]] if function in OWN_BUDGETS else [DEFAULT_BUDGET, *SERVICE_BUDGETS.values()]
    worst = max(budget.worst_case_seconds for budget in budgets)
    timeout = timeout_of(FUNCTIONS[function])
    assert worst <= 0.8 * timeout, f"{function}: one call may take {worst} s of its {timeout} s"


def test_the_trigger_budget_is_the_user_pools_triggers_own() -> None:
    # The one function with its own budget is the custom-auth trigger, and it is the one timed at 5 s
    assert timeout_of(FUNCTIONS["AuthChallengeFunction"]) == 5
    assert FUNCTIONS["AuthChallengeFunction"]["Handler"] == "auth.challenge.lambda_handler"
