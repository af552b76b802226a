"""DynamoDB stays inside the stores (issue 16): the functions' own modules (everything but functions/core)
import neither boto3 nor botocore outside their entry module; nothing outside the stores writes or
conditions a DynamoDB item itself, takes or holds a DynamoDB client (services and recorders included), or
decides anything by the name of a transaction's item. The stores (functions/core/store) run the
transactions, a recorded change in the events store, and raise typed domain errors."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.api.conftest import ROOT

FUNCTIONS = ROOT / "functions"
CORE = FUNCTIONS / "core"
STORES = CORE / "store"
# What only a store may name: the transaction, the lone conditional put, a failed condition.
STORE_ONLY = {"transact_write", "put_once", "ConditionFailed", "ConditionalCheckFailedException"}
# Besides the stores, the AWS layer builds the clients and Powertools' idempotency layer is handed one.
CLIENT_PLUMBING = {CORE / "aws.py", CORE / "idempotency.py"}
# What a DynamoDB client is called (or typed as) where it is passed around.
CLIENT_NAMES = {"client", "dynamodb"}
ITEM_TYPES = {"TxItem", "ConditionFailed"}


def _function_modules() -> list[Path]:
    return sorted(p for p in FUNCTIONS.glob("*/**/*.py") if p.relative_to(FUNCTIONS).parts[0] != "core")


def _outside_the_stores() -> list[Path]:
    """Every module of functions/ but the stores and the AWS plumbing: handlers, services, recorders, rules."""
    return sorted(p for p in FUNCTIONS.rglob("*.py") if STORES not in p.parents and p not in CLIENT_PLUMBING)


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


def test_the_scans_see_the_recorders_and_the_core_outside_the_stores() -> None:
    scanned = {str(p.relative_to(FUNCTIONS)) for p in _outside_the_stores()}
    assert {"core/recorder.py", "core/grievance_recorder.py", "core/correction_recorder.py"} <= scanned
    assert {"core/mobile_help.py", "grievance/service.py", "register/handler.py"} <= scanned
    assert not any(name.startswith("core/store/") for name in scanned)


def test_nothing_outside_the_stores_writes_or_conditions_a_dynamodb_item_itself() -> None:
    found = {
        str(path.relative_to(ROOT)): sorted(_names(ast.parse(path.read_text())) & STORE_ONLY)
        for path in _outside_the_stores()
    }
    assert {path: names for path, names in found.items() if names} == {}


def _annotated_as(annotation: ast.expr | None, types: set[str]) -> bool:
    if annotation is None:
        return False
    named = {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}
    named |= {n.attr for n in ast.walk(annotation) if isinstance(n, ast.Attribute)}
    named |= {n.value for n in ast.walk(annotation) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return any(t in name for name in named for t in types)


def client_holders(tree: ast.AST) -> list[str]:
    """Where a module takes a DynamoDB client (a parameter or a dataclass field named or typed as one) or
    reaches for a store's (`store.client`, read rather than called as `aws.client("sqs")`)."""
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    found = []
    for node in ast.walk(tree):
        named, annotation = _declared(node)
        if named and (named in CLIENT_NAMES or _annotated_as(annotation, {"DynamoDB"})):
            found.append(f"{getattr(node, 'lineno', '?')}: takes or holds {named}")
        elif isinstance(node, ast.Attribute) and node.attr == "client" and id(node) not in called:
            found.append(f"{node.lineno}: reaches for {ast.unparse(node)}")
    return found


def test_no_service_or_recorder_takes_or_holds_a_dynamodb_client() -> None:
    found = {str(p.relative_to(ROOT)): client_holders(ast.parse(p.read_text())) for p in _outside_the_stores()}
    assert {path: where for path, where in found.items() if where} == {}


def test_the_client_scan_finds_a_recorder_with_a_client_and_a_reach_into_a_store() -> None:
    recorder = (
        "class R:\n    def __init__(self, client: Any, events: EventStore) -> None:\n        self._client = client\n"
    )
    reach = "recorder = CorrectionRecorder(corrections.client, corrections, events, counters)\n"
    typed = "@dataclass\nclass S:\n    table: DynamoDBClient\n"
    wiring = 'queue = WorkQueue(self.aws.client("sqs"), url)\nstore = EventStore(self.aws.dynamodb, table)\n'
    assert [len(client_holders(ast.parse(code))) for code in (recorder, reach, typed, wiring)] == [1, 1, 1, 0]


def _declared(node: ast.AST) -> tuple[str | None, ast.expr | None]:
    """A parameter's or an annotated variable's name and annotation."""
    if isinstance(node, ast.arg):
        return node.arg, node.annotation
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.annotation
    return None, None


def item_name_reads(tree: ast.AST) -> list[str]:
    """Where code reads the `name` of a transaction's item or of a failed condition: of a variable caught
    as a ConditionFailed, typed as a TxItem, or drawn from a collection typed as holding them."""
    items: set[str] = set()
    collections: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.name and _annotated_as(node.type, {"ConditionFailed"}):
            items.add(node.name)
        named, annotation = _declared(node)
        if named and _annotated_as(annotation, ITEM_TYPES):
            (items if isinstance(annotation, ast.Name | ast.Constant) else collections).add(named)
    items |= {
        node.target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.For | ast.comprehension)
        and isinstance(node.target, ast.Name)
        and isinstance(node.iter, ast.Name)
        and node.iter.id in collections
    }
    return [
        f"{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "name"
        and isinstance(node.value, ast.Name)
        and node.value.id in items
    ]


def test_nothing_outside_the_stores_decides_by_a_transaction_items_name() -> None:
    modules = [*_outside_the_stores(), *(ROOT / "infra").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]
    found = {str(p.relative_to(ROOT)): item_name_reads(ast.parse(p.read_text())) for p in modules}
    assert {path: where for path, where in found.items() if where} == {}


def test_the_name_scan_finds_a_decision_by_an_items_name() -> None:
    by_failure = (
        "try:\n    transact_write(client, items)\nexcept ConditionFailed as failed:\n"
        "    if failed.name in ('registration', 'event', *also):\n        raise VersionConflict() from failed\n"
    )
    by_item = "def check(item: TxItem) -> bool:\n    return item.name != 'monthly_limit'\n"
    relabelled = (
        "def direct(writes: Sequence[TxItem]) -> list[TxItem]:\n"
        "    return [w.refused_as(moved) if w.name in ('roll', 'event') else w for w in writes]\n"
    )
    not_an_item = "def f(path: Path, job: JobRequest) -> bool:\n    return path.name == 'x' or job.name != 'y'\n"
    found = [len(item_name_reads(ast.parse(code))) for code in (by_failure, by_item, relabelled, not_an_item)]
    assert found == [1, 1, 1, 0]
