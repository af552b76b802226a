"""What each function loads when it starts, counted in a fresh interpreter: the heavy libraries load only
where they are needed, so a cold start pays for none it does not use (the times are in bench/RESULTS.md,
measured on the packaged zips by bench/cold_imports.py)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from infra.local.template import load_template
from tests.api.conftest import ROOT

HEAVY = ("segno", "fpdf", "PIL", "fontTools", "uharfbuzz", "fontpkg_noto_sans_devanagari")
X_RAY = "aws_xray_sdk"
SWAGGER_UI = "aws_lambda_powertools.event_handler.openapi.swagger_ui"
OPENAPI_MODELS = "aws_lambda_powertools.event_handler.openapi.models"
BATCH = "aws_lambda_powertools.utilities.batch"
GRIEVANCE = "core.grievance"
CORRECTIONS = "core.corrections"
AUDIT = "core.transparency_audit"
PROTOCOLS = "core.store.protocols"
_PROBE = (
    "import importlib, json, sys\n"
    "watched = json.loads(sys.argv[1])\n"
    "for module in sys.argv[3:]: importlib.import_module(module)\n"
    "exec(sys.argv[2])\n"
    "print(json.dumps(sorted(m for m in watched if m in sys.modules)))\n"
)
# As Lambda starts a function: LAMBDA_TASK_ROOT set, so Powertools would trace if a Tracer were made.
_LAMBDA = {"LAMBDA_TASK_ROOT": str(ROOT / "functions"), "AWS_REGION": "ap-south-1", "TRACING": "Disabled"}


def _loaded_after(
    *modules: str, watched: tuple[str, ...] = HEAVY, environment: dict[str, str] | None = None, then: str = ""
) -> list[str]:
    """Which of `watched` are loaded once `modules` are imported (and `then` has run)."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(watched), then, *modules],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}", "PATH": "/usr/bin:/bin", **(environment or {})},
    )
    return list(json.loads(out.stdout))


def _handlers() -> list[str]:
    """Every function's handler module, as the template names them."""
    return sorted(
        {
            resource["Properties"]["Handler"].rpartition(".")[0]
            for resource in load_template()["Resources"].values()
            if resource["Type"] == "AWS::Serverless::Function"
        }
    )


@pytest.fixture(scope="module")
def cold_starts() -> dict[str, set[str]]:
    """Each handler started alone, as Lambda starts it with the stage's tracing off (the default):
    which of the watched modules it loaded."""
    watched = (*HEAVY, X_RAY, SWAGGER_UI, OPENAPI_MODELS, BATCH, GRIEVANCE, CORRECTIONS, AUDIT)
    watched += ("pydantic_settings", "dotenv", PROTOCOLS)
    return {handler: set(_loaded_after(handler, watched=watched, environment=_LAMBDA)) for handler in _handlers()}


def test_no_handler_loads_the_qr_or_pdf_libraries_at_cold_start(cold_starts: dict[str, set[str]]) -> None:
    assert "certificates.handler" in cold_starts
    assert {handler: loaded & set(HEAVY) for handler, loaded in cold_starts.items() if loaded & set(HEAVY)} == {}
    assert _loaded_after("certificates.qr") == ["segno"]  # a PNG needs no Pillow
    assert set(_loaded_after("certificates.pdf")) == set(HEAVY)  # the probe sees them when they do load


def test_tracing_off_loads_no_x_ray_sdk_and_tracing_on_does(cold_starts: dict[str, set[str]]) -> None:
    # Given every function started with the stage's tracing off, Then none loads the X-Ray SDK
    assert [handler for handler, loaded in cold_starts.items() if X_RAY in loaded] == []
    # And a stage that traces (Tracing=Active) does load it: the probe sees it when it is there
    traced = {**_LAMBDA, "TRACING": "Active"}
    assert _loaded_after("register.handler", watched=(X_RAY,), environment=traced) == [X_RAY]


def test_the_swagger_ui_loads_on_the_first_docs_request_only(cold_starts: dict[str, set[str]]) -> None:
    watched = (OPENAPI_MODELS, SWAGGER_UI)
    assert [handler for handler, loaded in cold_starts.items() if loaded & set(watched)] == []
    # The page is built from Powertools' bundle when asked for (the probe sees the package then)
    page = "assert 'swagger-ui' in sys.modules['core.api_document'].swagger_html()"
    assert _loaded_after("register.handler", watched=watched, then=page) == list(watched)


def test_only_the_queue_consumers_load_powertools_batch_at_cold_start(cold_starts: dict[str, set[str]]) -> None:
    # Register and auth also take SQS events; they import the batch utility on such an event only.
    assert [handler for handler, loaded in cold_starts.items() if BATCH in loaded] == [
        "admin.importer",
        "reminders.worker",
    ]


def test_functions_that_record_no_grievance_do_not_load_the_grievance_models(
    cold_starts: dict[str, set[str]],
) -> None:
    no_grievances = ("register.handler", "verify.handler", "auth.handler", "auth.challenge", "roll.handler")
    for handler in (*no_grievances, "certificates.handler", "admin.importer"):
        assert GRIEVANCE not in cold_starts[handler], handler
    assert GRIEVANCE in cold_starts["grievance.handler"]


def test_only_the_functions_that_need_them_load_the_corrections_and_the_auditor(
    cold_starts: dict[str, set[str]],
) -> None:
    # Every function reading the roll holds certified mobiles (core.certified_mobile), but only sign-in help
    # opens corrections, the roll function decides them, the admin's reports and the daily digest count
    # them and the auditor checks their chains; only the auditor and the admin's audits route audit.
    assert sorted(handler for handler, loaded in cold_starts.items() if CORRECTIONS in loaded) == [
        "admin.handler",
        "auditor.handler",
        "auth.handler",
        "reminders.planner",
        "roll.handler",
    ]
    assert sorted(handler for handler, loaded in cold_starts.items() if AUDIT in loaded) == [
        "admin.handler",
        "auditor.handler",
    ]


def test_the_store_protocols_are_for_the_type_checker_only(cold_starts: dict[str, set[str]]) -> None:
    # Some hundred Protocol classes type the services' constructors; no function needs them at run time.
    assert [handler for handler, loaded in cold_starts.items() if PROTOCOLS in loaded] == []


def _imports_outside_the_pause(module: str) -> list[str]:
    """The top-level imports of an entry module not inside `with cold_start.imports():`."""
    tree = ast.parse((ROOT / "functions" / (module.replace(".", "/") + ".py")).read_text())
    return [
        ast.unparse(node)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        and ast.unparse(node) != "from core import cold_start"
    ]


def test_every_entry_module_imports_with_the_collector_paused(cold_starts: dict[str, set[str]]) -> None:
    # Given each function's handler module as the template names it
    handlers = sorted(cold_starts)
    # Then each imports inside core.cold_start's pause, and nothing at top level outside it
    outside = {handler: found for handler in handlers if (found := _imports_outside_the_pause(handler))}
    assert outside == {}
    # And a cold start leaves the collector running with the imports frozen (never scanned again)
    state = "import gc; assert gc.isenabled() and gc.get_freeze_count() > 50_000, gc.get_freeze_count()"
    assert _loaded_after("register.handler", watched=(), environment=_LAMBDA, then=state) == []


def test_no_function_loads_pydantic_settings(cold_starts: dict[str, set[str]]) -> None:
    # Settings are plain pydantic models filled from the environment (core/settings.py).
    assert [handler for handler, loaded in cold_starts.items() if loaded & {"pydantic_settings", "dotenv"}] == []
