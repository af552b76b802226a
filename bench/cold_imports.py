"""Cold import of every function, measured on the packaged artifact, against `import boto3, pydantic`
+ one client in the same run.

`make package`'s own code builds the two zips twice, with and without byte code, for this machine's
platform (Lambda's is arm64; pydantic_core and cryptography must load here) and the template's
Python, whose interpreter runs the measurements. Each is unzipped as Lambda lays it out: functions.zip
in a task root, layer.zip under /opt. Every sample is a fresh interpreter with only those two on
sys.path (`-I -S`: no site-packages of its own), that writes no byte code (`-B`: Lambda's code is
read-only), in the function's environment from the template with the variables Lambda sets. The
processes run round-robin over the cases, so that a burst of load on the shared machine spreads
over all of them rather than landing on one.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra import package  # noqa: E402
from infra.local.template import load_template, resources_of_type  # noqa: E402

RUNS = int(os.environ.get("BENCH_COLD_RUNS", "9"))
REGION = "ap-south-1"
BASELINE = f"import boto3, pydantic; boto3.client('dynamodb', region_name='{REGION}')"
HOST_PLATFORM = f"manylinux2014_{platform.machine()}"

# The timed statement runs after the interpreter is up, with sys.path as Lambda's runtime sets it
# (the task root, then the layer's python/): what a cold start adds to the runtime's own start.
_TIMER = (
    "import sys, time\n"
    "sys.path[:0] = sys.argv[3].split(':')\n"
    "exec(sys.argv[2])\n"
    "t = time.perf_counter()\n"
    "exec(sys.argv[1])\n"
    "print((time.perf_counter() - t) * 1000)\n"
)


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


def _once(python: Path, layout: Layout, case: Case) -> float:
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
    return float(completed.stdout.strip().splitlines()[-1])


def _medians(python: Path, runs: list[tuple[str, Layout, Case]]) -> dict[tuple[str, str], float]:
    samples: dict[tuple[str, str], list[float]] = {(kind, case.name): [] for kind, _, case in runs}
    for _ in range(RUNS):
        for kind, layout, case in runs:
            samples[(kind, case.name)].append(_once(python, layout, case))
    return {key: statistics.median(values) for key, values in samples.items()}


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
    cases = [Case("baseline", BASELINE)] + [
        Case(name, f"import {module}", "", env) for name, (module, env) in every.items()
    ]
    register_module, register_env = every["register"]
    certificates_module, certificates_env = every["certificates"]
    pieces = [
        # Tracing on (the template's Tracing parameter at Active): what it adds to a cold start.
        Case("register, tracing on", f"import {register_module}", "", {**register_env, "TRACING": "Active"}),
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
        runs = [("bytecode", with_bytecode, case) for case in cases + pieces]
        runs += [("source", without, case) for case in cases]
        medians = _medians(compiled.compiler, runs)
    load_after = _load()

    baseline, baseline_source = medians[("bytecode", "baseline")], medians[("source", "baseline")]
    lines = [
        f"## Cold import of the packaged functions (fresh process each, median of {RUNS})\n",
        f"The zips `make package` builds (for {HOST_PLATFORM} here, Python {version}), unzipped as Lambda "
        "lays them out; each sample a fresh interpreter with only the task root and the layer on its path, "
        "writing no byte code, in the function's environment from the template. The baseline is "
        f"`{BASELINE}` from the same layer. Load average (1, 5, 15 min) before: {load_before}; after: {load_after}.\n",
        "| function (handler module) | byte code, ms | ratio to baseline | source only, ms | ratio (source only) |",
        "|---|---:|---:|---:|---:|",
        f"| baseline: `import boto3, pydantic` + one client | {baseline:.0f} | 1.00 | {baseline_source:.0f} | 1.00 |",
    ]
    for name, (module, _) in every.items():
        ms, source = medians[("bytecode", name)], medians[("source", name)]
        lines.append(
            f"| {name} (`{module}`) | {ms:.0f} | {ms / baseline:.2f} | {source:.0f} | {source / baseline_source:.2f} |"
        )
    traced = medians[("bytecode", "register, tracing on")]
    lines += [
        "",
        "| with byte code | ms | added |",
        "|---|---:|---:|",
        f"| register, tracing on (`TRACING=Active`: the X-Ray SDK, its patches) | {traced:.0f} | "
        f"{traced - medians[('bytecode', 'register')]:+.0f} |",
    ]
    for piece in pieces[1:]:
        lines.append(f"| {piece.name} | | {medians[('bytecode', piece.name)]:+.0f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
