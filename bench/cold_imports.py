"""Cold import of every function, measured on the packaged artifact, against `import boto3, pydantic`
+ one client in the same run; then the first request after a cold start, on a moto server.

`make package`'s own code builds the two zips twice, with and without byte code, for this machine's
platform (Lambda's is arm64; pydantic_core and cryptography must load here) and the template's
Python, whose interpreter runs the measurements. Each is unzipped as Lambda lays it out: functions.zip
in a task root, layer.zip under /opt. Every sample is a fresh interpreter with only those two on
sys.path (`-I -S`: no site-packages of its own), that writes no byte code (`-B`: Lambda's code is
read-only), in the function's environment from the template with the variables Lambda sets. The
processes run round-robin over the cases, so that a burst of load on the shared machine spreads
over all of them rather than landing on one. Each sample gives its wall time and its CPU time (user +
system, of the process): another load on the machine stretches the first, much less the second.

The first request: a fresh process imports the handler from the zips with byte code, in the function's
environment resolved against a moto server this bench provisions from the template and seeds with the
demo data, and handles one API Gateway event; its time is the handler call's.

With BENCH_COLD_INSTRUCTIONS=1 (and valgrind), each import with byte code is also counted in
instructions by callgrind, once: a count that stays the same whatever else the machine is doing
(less an empty process's, so only the import is counted).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra import package  # noqa: E402
from infra.local.events import http_api_event  # noqa: E402
from infra.local.template import LocalContext, function_environment, load_template, resources_of_type  # noqa: E402

RUNS = int(os.environ.get("BENCH_COLD_RUNS", "9"))
COUNT_INSTRUCTIONS = os.environ.get("BENCH_COLD_INSTRUCTIONS") == "1"
_CALLGRIND = ("valgrind", "--tool=callgrind")
REGION = "ap-south-1"
BASELINE = f"import boto3, pydantic; boto3.client('dynamodb', region_name='{REGION}')"
# The baseline with the collector paused as our entry modules pause it (core.cold_start): what the
# functions' ratio would be if the baseline did the same.
PAUSED_BASELINE = f"import gc; gc.disable(); {BASELINE}; gc.freeze(); gc.enable()"
HOST_PLATFORM = f"manylinux2014_{platform.machine()}"

# The timed statement runs after the interpreter is up, with sys.path as Lambda's runtime sets it
# (the task root, then the layer's python/): what a cold start adds to the runtime's own start.
_TIMER = (
    "import sys, time\n"
    "sys.path[:0] = sys.argv[3].split(':')\n"
    "exec(sys.argv[2])\n"
    "t, c = time.perf_counter(), time.process_time()\n"
    "exec(sys.argv[1])\n"
    "print((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)\n"
)
# The first request: import the handler (timed as above), then one event through it (timed alone).
_FIRST_REQUEST = (
    "import importlib, json, sys, time\n"
    "sys.path[:0] = sys.argv[3].split(':')\n"
    "class Context:\n"
    "    function_name = function_version = invoked_function_arn = aws_request_id = 'bench'\n"
    "    memory_limit_in_mb = 512\n"
    "    def get_remaining_time_in_millis(self): return 29000\n"
    "t = time.perf_counter()\n"
    "handler = importlib.import_module(sys.argv[1]).lambda_handler\n"
    "imported = time.perf_counter()\n"
    "answer = handler(json.loads(sys.argv[2]), Context())\n"
    "done = time.perf_counter()\n"
    "assert answer['statusCode'] == 200, answer\n"
    "print((imported - t) * 1000, (done - imported) * 1000)\n"
)
# One read per HTTP function of what the demo data holds, by a demo user it answers 200 (None: no
# sign-in): (user, method, route, path). Not here: auth (its routes send an OTP and are rate-limited
# per employee, so nine runs would measure the limit) and certificates (the demo data issues none).
FIRST_REQUESTS = {
    "register": ("employee1", "GET", "/v1/programme", "/v1/programme"),
    "grievance": ("employee1", "GET", "/v1/grievances", "/v1/grievances"),
    "verify": ("ddo1", "GET", "/v1/verifications", "/v1/verifications"),
    "admin": ("admin1", "GET", "/v1/admin/windows", "/v1/admin/windows"),
    "roll": ("ddo1", "GET", "/v1/roll/corrections", "/v1/roll/corrections"),
    "transparency": (None, "GET", "/v1/transparency/keys", "/v1/transparency/keys"),
}


@dataclass(frozen=True)
class Case:
    name: str
    statement: str
    setup: str = ""
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    """One unzipped artifact: Lambda's task root and /opt."""

    task: Path
    opt: Path

    @property
    def path(self) -> str:
        return f"{self.task}:{self.opt / 'python'}"


def _unzip(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(into)
    return into


def _build(work: Path, target: package.Target) -> Layout:
    built = package.build(work, target)
    return Layout(task=_unzip(built.functions.path, work / "task"), opt=_unzip(built.layer.path, work / "opt"))


def _plain(value: Any, parameters: dict[str, Any]) -> str | None:
    """A variable's value where it needs no deployed resource: a literal or a parameter's default."""
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return str(parameters[value["Ref"]].get("Default", ""))
    return None


def functions() -> dict[str, tuple[str, dict[str, str]]]:
    """Each function's service name -> (handler module, its environment as far as an import reads it)."""
    template = load_template()
    parameters = template.get("Parameters") or {}
    shared = template["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for function_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        properties = resource["Properties"]
        variables = {**shared, **properties.get("Environment", {}).get("Variables", {})}
        environment = {k: v for k, v in ((k, _plain(v, parameters)) for k, v in variables.items()) if v is not None}
        service = environment.get("POWERTOOLS_SERVICE_NAME", function_id)
        found[service] = (properties["Handler"].rpartition(".")[0], {**environment, "_HANDLER": properties["Handler"]})
    return found


def _lambda_environment(layout: Layout, own: dict[str, str]) -> dict[str, str]:
    """What Lambda's runtime sets, the template's variables, credentials that reach nothing."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python" + package.runtime_python_version(),
        "AWS_LAMBDA_FUNCTION_NAME": own.get("POWERTOOLS_SERVICE_NAME", "bench"),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "LAMBDA_TASK_ROOT": str(layout.task),
        "LAMBDA_RUNTIME_DIR": str(layout.opt),
        **own,
    }


def _once(python: Path, layout: Layout, case: Case) -> tuple[float, float]:
    """(wall ms, CPU ms) of one sample."""
    completed = subprocess.run(
        [str(python), "-I", "-S", "-B", "-c", _TIMER, case.statement, case.setup, layout.path],
        capture_output=True,
        text=True,
        check=False,
        env=_lambda_environment(layout, case.environment),
        cwd=layout.task,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{case.name}: exit {completed.returncode}\n{completed.stderr.strip()}")
    wall, cpu = completed.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _medians(python: Path, runs: list[tuple[str, Layout, Case]]) -> dict[tuple[str, str], tuple[float, float]]:
    """(median wall ms, median CPU ms) of each case, its samples taken round-robin."""
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {(kind, case.name): [] for kind, _, case in runs}
    for _ in range(RUNS):
        for kind, layout, case in runs:
            samples[(kind, case.name)].append(_once(python, layout, case))
    return {
        key: (statistics.median(wall for wall, _ in values), statistics.median(cpu for _, cpu in values))
        for key, values in samples.items()
    }


# ---------------------------------------------------------------------------- the first request


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _seeded_moto() -> Iterator[tuple[str, LocalContext, dict[str, dict[str, str]]]]:
    """A moto server on loopback with the template's resources and the demo data: (its URL, the
    provisioned stack, each demo user's claims as API Gateway hands them to the function)."""
    import boto3  # noqa: PLC0415 - the local stack's own dependencies, for this part only
    from moto.server import ThreadedMotoServer  # noqa: PLC0415

    from infra.local.provision import provision  # noqa: PLC0415
    from infra.local.seed import Tables, demo_users, seed  # noqa: PLC0415

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the moto server's line per request
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    saved = dict(os.environ)
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": REGION})
    os.environ.pop("AWS_PROFILE", None)
    try:
        template = load_template()
        context = provision(template, endpoint_url=url, region=REGION, stack_name="cold")
        tables = {k: context.physical[k]["Ref"] for k in resources_of_type(template, "AWS::DynamoDB::Table")}
        pool = next(iter(resources_of_type(template, "AWS::Cognito::UserPool")))
        cognito = boto3.client("cognito-idp", endpoint_url=url)
        seed(
            dynamodb=boto3.client("dynamodb", endpoint_url=url),
            dynamodb_resource=boto3.resource("dynamodb", endpoint_url=url),
            cognito=cognito,
            tables=Tables(
                settings=tables["SettingsTable"],
                roll=tables["RollTable"],
                directory=tables["DirectoryTable"],
                corrections=tables["CorrectionsTable"],
                events=tables["EventsTable"],
                counters=tables["CountersTable"],
            ),
            user_pool_id=context.physical[pool]["Ref"],
            now=datetime.now(UTC),
        )
        claims: dict[str, dict[str, str]] = {}
        for user in demo_users():
            if user.username in {request[0] for request in FIRST_REQUESTS.values()}:
                found = cognito.admin_get_user(UserPoolId=context.physical[pool]["Ref"], Username=user.cognito_username)
                sub = next(a["Value"] for a in found["UserAttributes"] if a["Name"] == "sub")
                claims[user.username] = {"sub": sub, "cognito:username": user.cognito_username, "token_use": "id"}
        yield url, context, claims
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


def _first_requests(python: Path, layout: Layout) -> dict[str, tuple[float, float]]:
    """Per function of FIRST_REQUESTS: (median ms of the import, median ms of the first request)."""
    template = load_template()
    ids = {
        v.get("Properties", {}).get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME"): k
        for k, v in resources_of_type(template, "AWS::Serverless::Function").items()
    }
    every = functions()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in FIRST_REQUESTS}
    with _seeded_moto() as (url, context, claims):
        runs = []
        for name, (user, method, route, path) in FIRST_REQUESTS.items():
            environment = {
                **function_environment(template, ids[name], context),
                **every[name][1],
                "AWS_ENDPOINT_URL": url,
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": "WARNING",
            }
            event = http_api_event(method=method, route=route, path=path, claims=claims[user] if user else None)
            runs.append((name, every[name][0], json.dumps(event), _lambda_environment(layout, environment)))
        for _ in range(RUNS):
            for name, module, event_json, environment in runs:
                completed = subprocess.run(
                    [str(python), "-I", "-S", "-B", "-c", _FIRST_REQUEST, module, event_json, layout.path],
                    capture_output=True,
                    text=True,
                    check=False,
                    env=environment,
                    cwd=layout.task,
                )
                if completed.returncode != 0:
                    raise RuntimeError(f"{name}: exit {completed.returncode}\n{completed.stderr.strip()}")
                imported, first = completed.stdout.strip().splitlines()[-1].split()
                samples[name].append((float(imported), float(first)))
    return {
        name: (statistics.median(i for i, _ in values), statistics.median(f for _, f in values))
        for name, values in samples.items()
    }


def _instructions(python: Path, layout: Layout, case: Case) -> float:
    """Millions of instructions of one fresh process, counted by callgrind."""
    with tempfile.TemporaryDirectory(prefix="callgrind-") as out:
        valgrind = [*_CALLGRIND, f"--callgrind-out-file={out}/callgrind.out"]
        completed = subprocess.run(
            [*valgrind, str(python), "-I", "-S", "-B", "-c", _TIMER, case.statement, case.setup, layout.path],
            capture_output=True,
            text=True,
            check=False,
            env=_lambda_environment(layout, case.environment),
            cwd=layout.task,
        )
    collected = re.search(r"Collected : (\d+)", completed.stderr)
    if completed.returncode != 0 or collected is None:
        raise RuntimeError(f"{case.name}: callgrind failed (exit {completed.returncode})\n{completed.stderr[-2000:]}")
    return int(collected[1]) / 1e6


def _instruction_lines(python: Path, layout: Layout, cases: list[Case]) -> list[str]:
    empty = _instructions(python, layout, Case("empty", "pass"))
    counted = {case.name: _instructions(python, layout, case) - empty for case in cases}
    baseline = counted["baseline"]
    lines = ["", "Instructions of the import with byte code (callgrind, once each; the same at any load):", ""]
    lines += ["| function | M instructions | ratio to baseline |", "|---|---:|---:|"]
    lines += [f"| {name} | {count:,.0f} | {count / baseline:.2f} |" for name, count in counted.items()]
    return lines


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def run() -> str:
    version = package.runtime_python_version()
    try:
        compiled = package.lambda_target(platform=HOST_PLATFORM)
    except package.PackagingError as error:
        return f"## Cold import of the packaged functions\n\nNot measured: {error}\n"
    assert compiled.compiler is not None
    source_only = package.Target(version, HOST_PLATFORM, None)
    every = functions()
    cases = [Case("baseline", BASELINE), Case("baseline, collector paused", PAUSED_BASELINE)] + [
        Case(name, f"import {module}", "", env) for name, (module, env) in every.items()
    ]
    register_module, register_env = every["register"]
    certificates_module, certificates_env = every["certificates"]
    # The same register import another way, each against the plain one.
    variants = [
        # Tracing on (the template's Tracing parameter at Active): what it adds to a cold start.
        Case(
            "register, tracing on (`TRACING=Active`: the X-Ray SDK, its patches)",
            f"import {register_module}",
            "",
            {**register_env, "TRACING": "Active"},
        ),
        # What pausing the collector during the imports saves: the same import with the pause undone.
        Case(
            "register, collector running during its imports",
            f"import {register_module}",
            "import contextlib, core.cold_start; core.cold_start.imports = contextlib.nullcontext",
            register_env,
        ),
    ]
    # What a route imports on first use, after the function's own import.
    additions = [
        Case(
            "+ certificates.qr (?format=png only)",
            "import certificates.qr",
            f"import {certificates_module}",
            certificates_env,
        ),
        Case(
            "+ certificates.pdf (?format=pdf only)",
            "import certificates.pdf",
            f"import {certificates_module}",
            certificates_env,
        ),
    ]
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="cold-imports-") as work:
        with_bytecode = _build(Path(work) / "bytecode", compiled)
        without = _build(Path(work) / "source", source_only)
        runs = [("bytecode", with_bytecode, case) for case in cases + variants + additions]
        runs += [("source", without, case) for case in cases]
        medians = _medians(compiled.compiler, runs)
        first = _first_requests(compiled.compiler, with_bytecode)
        counted = (
            _instruction_lines(compiled.compiler, with_bytecode, cases)
            if COUNT_INSTRUCTIONS and shutil.which("valgrind")
            else []
        )
    load_after = _load()

    (baseline, baseline_cpu), (baseline_source, _) = medians[("bytecode", "baseline")], medians[("source", "baseline")]
    paused_cpu = medians[("bytecode", "baseline, collector paused")][1]
    lines = [
        f"## Cold import of the packaged functions (fresh process each, median of {RUNS})\n",
        f"The zips `make package` builds (for {HOST_PLATFORM} here, Python {version}), unzipped as Lambda "
        "lays them out; each sample a fresh interpreter with only the task root and the layer on its path, "
        "writing no byte code, in the function's environment from the template. The baseline is "
        f"`{BASELINE}` from the same layer. Wall and CPU (user + system) time of the import; the ratios are "
        "to the baseline of the same zips and clock. Every function imports with the garbage collector paused "
        "(core.cold_start); the last column is the CPU ratio to a baseline that pauses it too "
        f"({paused_cpu:.0f} ms). Load average (1, 5, 15 min) before: {load_before}; after: {load_after}.\n",
        "| function (handler module) | byte code: wall ms | ratio | CPU ms | ratio | source only: wall ms | ratio "
        "| CPU ratio, baseline paused too |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| baseline: `import boto3, pydantic` + one client | {baseline:.0f} | 1.00 | {baseline_cpu:.0f} | 1.00 "
        f"| {baseline_source:.0f} | 1.00 | {baseline_cpu / paused_cpu:.2f} |",
    ]
    for name, (module, _) in every.items():
        (ms, cpu), (source, _) = medians[("bytecode", name)], medians[("source", name)]
        lines.append(
            f"| {name} (`{module}`) | {ms:.0f} | {ms / baseline:.2f} | {cpu:.0f} | {cpu / baseline_cpu:.2f} "
            f"| {source:.0f} | {source / baseline_source:.2f} | {cpu / paused_cpu:.2f} |"
        )
    plain = medians[("bytecode", "register")][0]
    lines += ["", "| with byte code | wall ms | added |", "|---|---:|---:|"]
    for variant in variants:
        ms = medians[("bytecode", variant.name)][0]
        lines.append(f"| {variant.name} | {ms:.0f} | {ms - plain:+.0f} |")
    for addition in additions:
        lines.append(f"| {addition.name} | | {medians[('bytecode', addition.name)][0]:+.0f} |")
    lines += [
        "",
        f"First request after a cold start (zips with byte code, moto server; median of {RUNS}):",
        "",
        "| function: request | import ms | first request ms |",
        "|---|---:|---:|",
    ]
    for name, (_, method, _, path) in FIRST_REQUESTS.items():
        imported, first_ms = first[name]
        lines.append(f"| {name}: {method} {path} | {imported:.0f} | {first_ms:.0f} |")
    return "\n".join(lines + counted) + "\n"


if __name__ == "__main__":
    print(run())
