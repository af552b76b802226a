"""The boto3 stubs type the AWS boundary (issue 16) but are a dev dependency only: no module of functions/
imports one at run time (only under `if TYPE_CHECKING:`, with postponed annotations), so the layer never
needs them; and they are pinned in [dev] and in requirements.lock alike, never among the run-time ones."""

from __future__ import annotations

import ast
import re
import tomllib

from tests.api.conftest import ROOT

FUNCTIONS = ROOT / "functions"
STUB_MODULES = ("types_boto3", "mypy_boto3")  # types_boto3_dynamodb, mypy_boto3_s3, ...
STUB_PACKAGES = re.compile(r"^(types-boto3|mypy-boto3|boto3-stubs|botocore-stubs|types-s3transfer|types-awscrt)")


def _is_stub(module: str) -> bool:
    return module.split(".", maxsplit=1)[0].startswith(STUB_MODULES)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _stub_imports(tree: ast.AST) -> tuple[list[int], list[int]]:
    """(lines importing a stubs module at run time, lines importing one under `if TYPE_CHECKING:` only)."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            guarded |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    at_run_time, for_typing = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        else:
            continue
        if any(_is_stub(module) for module in modules):
            (for_typing if id(node) in guarded else at_run_time).append(node.lineno)
    return at_run_time, for_typing


def _postpones_annotations(tree: ast.Module) -> bool:
    future = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "__future__"]
    return any(alias.name == "annotations" for node in future for alias in node.names)


def _scan() -> dict[str, tuple[list[int], list[int], bool]]:
    found = {}
    for path in sorted(FUNCTIONS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        at_run_time, for_typing = _stub_imports(tree)
        if at_run_time or for_typing:
            found[str(path.relative_to(ROOT))] = (at_run_time, for_typing, _postpones_annotations(tree))
    return found


def test_the_detector_tells_a_run_time_import_from_a_typing_one() -> None:
    # Given a module importing one stub at run time, one under TYPE_CHECKING and one in its else branch
    source = (
        "from typing import TYPE_CHECKING\n"
        "import types_boto3_sqs\n"
        "if TYPE_CHECKING:\n"
        "    from types_boto3_s3.client import S3Client\n"
        "else:\n"
        "    from mypy_boto3_kms import KMSClient\n"
        "import typing\n"
        "if typing.TYPE_CHECKING:\n"
        "    import mypy_boto3_sns.client\n"
    )
    # When it is scanned, Then only the TYPE_CHECKING branches count as typing-only
    assert _stub_imports(ast.parse(source)) == ([2, 6], [4, 9])


def test_no_function_module_imports_the_boto3_stubs_at_run_time() -> None:
    # Given every module under functions/, When each is scanned
    found = _scan()
    # Then the typed boundary is seen (the scan is not blind) ...
    assert {"functions/core/aws.py", "functions/core/store/dynamo.py", "functions/core/uploads.py"} <= set(found)
    # ... and no stubs module is imported outside `if TYPE_CHECKING:`, nor named in an annotation Python evaluates
    assert {path: lines for path, (lines, _, _) in found.items() if lines} == {}
    assert [path for path, (_, _, postponed) in found.items() if not postponed] == []


def test_the_stubs_are_pinned_for_development_only() -> None:
    # Given the project's dependencies and the lock
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev = [d for d in project["optional-dependencies"]["dev"] if STUB_PACKAGES.match(d)]
    locked = set((ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines())
    # Then none is a run-time dependency, each dev one is pinned exactly and locked at the same version
    assert [d for d in project["dependencies"] if STUB_PACKAGES.match(d)] == []
    services = ("cognito-idp", "dynamodb", "kms", "s3", "ses", "sns", "sqs")
    assert {d.split("==")[0] for d in dev} >= {f"types-boto3-{service}" for service in services}
    assert [d for d in dev if "==" not in d or d not in locked] == []
