"""DynamoDB stays inside the stores (issue 16): the functions' own modules (everything but functions/core)
import neither boto3 nor botocore outside their entry module, never write or condition a DynamoDB item
themselves, and no service takes a DynamoDB client. Stores and recorders (functions/core/store,
core.recorder) run the transactions and raise typed domain errors."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.api.conftest import ROOT

FUNCTIONS = ROOT / "functions"
# What only a store or a recorder may name: the transaction, the lone conditional put, a failed condition.
STORE_ONLY = {"transact_write", "put_once", "ConditionFailed", "ConditionalCheckFailedException"}


def _function_modules() -> list[Path]:
    return sorted(p for p in FUNCTIONS.glob("*/**/*.py") if p.relative_to(FUNCTIONS).parts[0] != "core")


def _imported(tree: ast.AST) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def _names(tree: ast.AST) -> set[str]:
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for a in node.names}
    return names


def test_the_scan_sees_every_function_and_its_services() -> None:
    modules = _function_modules()
    assert {p.relative_to(FUNCTIONS).parts[0] for p in modules} >= {"register", "grievance", "transparency", "roll"}
    assert len([p for p in modules if p.name == "service.py"]) >= 8


def test_only_an_entry_module_imports_boto3_or_botocore() -> None:
    found = [
        str(path.relative_to(ROOT))
        for path in _function_modules()
        if path.name != "handler.py" and _imported(ast.parse(path.read_text())) & {"boto3", "botocore"}
    ]
    assert found == []


def test_no_function_module_writes_or_conditions_a_dynamodb_item_itself() -> None:
    found = {
        str(path.relative_to(ROOT)): sorted(_names(ast.parse(path.read_text())) & STORE_ONLY)
        for path in _function_modules()
    }
    assert {path: names for path, names in found.items() if names} == {}


def test_no_service_takes_a_dynamodb_client() -> None:
    taking = []
    for path in _function_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == "__init__":
                arguments = [*node.args.args, *node.args.kwonlyargs]
                taking += [f"{path.relative_to(ROOT)}:{node.lineno}" for a in arguments if a.arg == "dynamodb"]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "dynamodb":
                taking.append(f"{path.relative_to(ROOT)}:{node.lineno}")  # a dataclass's field
    assert taking == []
