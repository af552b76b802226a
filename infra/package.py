"""`make package`: the deployable artifact in build/, ready for `sam deploy` without `sam build`.

* build/layer.zip — the run-time dependencies (infra/layer/requirements.txt) as one Lambda layer,
  installed by pip from manylinux2014 aarch64 wheels for the template's runtime (python3.12): what
  Lambda runs (arm64), whatever machine packages it. Only wheels, so no C is compiled for the host.
* build/functions.zip — the functions/ tree (every function folder and the shared `core` package
  with its data files, such as core/openapi.json): the one code root every function imports from.
* Both hold their byte code, compiled by an interpreter of the runtime's version (found on this
  machine, or --python) with `--invalidation-mode unchecked-hash`. Lambda's code and layers are
  read-only, so without it every cold start compiles every module it imports (about 1.3 s for
  register, bench/RESULTS.md); with timestamps, the zips' fixed ones would not match the source's.
  A .pyc of another version has another magic number, which the runtime silently ignores: the
  compiler's version is checked against the template's Runtime, and every .pyc's magic against it.
* build/template.yaml — infra/template.yaml with Globals.Function.CodeUri at functions.zip and the
  layer's ContentUri at layer.zip, without the layer's build metadata.

The template is edited as text, so its comments, short-form tags (!Ref, !Sub...) and layout stay
as written; the edit is then checked by loading both templates and comparing them as data.

Lambda limits (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
* 262,144,000 bytes unzipped for a function's code plus all its layers. Every function here gets
  functions.zip plus layer.zip, so their unzipped sum must stay under it: exceeding it fails.
* 50 MB zipped applies only to a direct upload through the Lambda API. `sam deploy` uploads both
  zips to S3 first, where that limit does not apply, so exceeding it only warns.
"""

from __future__ import annotations

import argparse
import copy
import glob
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.template import TEMPLATE_PATH, load_template

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = ROOT / "functions"
LAYER_REQUIREMENTS = ROOT / "infra" / "layer" / "requirements.txt"
DEFAULT_OUTPUT_DIR = ROOT / "build"

LAMBDA_PLATFORM = "manylinux2014_aarch64"
UNZIPPED_LIMIT_BYTES = 262_144_000
DIRECT_UPLOAD_ZIPPED_LIMIT_BYTES = 50 * 1024 * 1024

LAYER_ZIP = "layer.zip"
FUNCTIONS_ZIP = "functions.zip"
PACKAGED_TEMPLATE = "template.yaml"

# The functions' source tree as it is checked out: its byte code (if any) is this machine's, and
# its test and tool caches are not code. The dependencies' own folders are kept whole (a package
# may import its "tests" module).
_NEVER_PACKAGED_CODE_DIRS = frozenset({"__pycache__", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_BYTE_CODE_SUFFIXES = frozenset({".pyc", ".pyo"})
# What the runtime's importer checks first in a .pyc (importlib.util.MAGIC_NUMBER): a mismatch makes
# it ignore the file and compile the source again, silently. Fixed for a release from its first rc.
MAGIC_NUMBERS = {"3.11": 3495, "3.12": 3531, "3.13": 3571}
# The .pyc header's flags: bit 0 = hash-based, bit 1 = check the source. unchecked-hash is 0b01.
_UNCHECKED_HASH_FLAGS = 0b01
_UNCHECKED = ("--invalidation-mode", "unchecked-hash")
# Where Lambda unpacks each zip: compiled into the code objects, so that a traceback names the file
# where it is and the byte code does not depend on the directory it was built in.
_FUNCTIONS_ROOT = "/var/task"
_LAYER_ROOT = "/opt"
# Every entry gets this timestamp, so unchanged code zips to identical bytes: `sam deploy` names
# uploads by content hash and then finds nothing to update.
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class PackagingError(Exception):
    """The artifact could not be built, or would not deploy (too large, template not as expected)."""


@dataclass(frozen=True)
class Target:
    """What the artifact is built for: Lambda's Python and platform, and the interpreter (of that
    Python's version) that compiles its byte code; None ships source only."""

    python_version: str
    platform: str = LAMBDA_PLATFORM
    compiler: Path | None = None

    @property
    def cache_tag(self) -> str:
        """The name part of its .pyc files (sys.implementation.cache_tag): cpython-312."""
        return "cpython-" + self.python_version.replace(".", "")

    @property
    def magic_number(self) -> bytes:
        return MAGIC_NUMBERS[self.python_version].to_bytes(2, "little") + b"\r\n"


@dataclass(frozen=True)
class Artifact:
    path: Path
    zipped_bytes: int
    unzipped_bytes: int


@dataclass(frozen=True)
class Package:
    layer: Artifact
    functions: Artifact
    template: Path

    @property
    def unzipped_bytes(self) -> int:
        return self.layer.unzipped_bytes + self.functions.unzipped_bytes

    @property
    def zipped_bytes(self) -> int:
        return self.layer.zipped_bytes + self.functions.zipped_bytes


# ---------------------------------------------------------------------------- the target


def runtime_python_version(template_path: Path = TEMPLATE_PATH) -> str:
    """ "3.12" for the template's `Runtime: python3.12`: the one runtime of every function."""
    template = load_template(template_path)
    runtimes = {template.get("Globals", {}).get("Function", {}).get("Runtime")} | {
        resource["Properties"]["Runtime"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function" and "Runtime" in resource.get("Properties", {})
    }
    runtimes.discard(None)
    if len(runtimes) != 1 or not re.fullmatch(r"python3\.\d+", str(next(iter(runtimes)))):
        raise PackagingError(
            f"{template_path.name}: expected one pythonX.Y Runtime for every function, found {runtimes}"
        )
    version = str(runtimes.pop()).removeprefix("python")
    if version not in MAGIC_NUMBERS:
        raise PackagingError(f"no known .pyc magic number for Python {version}: add it to MAGIC_NUMBERS")
    return version


def _version_of(python: Path) -> str | None:
    """ "3.12" for an interpreter that runs and reports itself, else None."""
    try:
        completed = subprocess.run(
            [str(python), "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def _candidates(version: str) -> list[Path]:
    """Where an interpreter of `version` usually is: this one, PATH, pyenv, uv."""
    found = [Path(sys.executable)]
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(Path(on_path))
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    found += [Path(p) for p in sorted(glob.glob(f"{pyenv_root}/versions/{version}*/bin/python{version}"), reverse=True)]
    uv = shutil.which("uv")
    if uv:
        completed = subprocess.run(
            [uv, "python", "find", "--no-project", version], check=False, capture_output=True, text=True, timeout=60
        )
        if completed.returncode == 0 and completed.stdout.strip():
            found.append(Path(completed.stdout.strip()))
    return found


def find_compiler(version: str) -> Path | None:
    """An interpreter of exactly `version` on this machine, to compile the runtime's byte code."""
    return next((python for python in _candidates(version) if _version_of(python) == version), None)


def lambda_target(python: Path | None = None, *, bytecode: bool = True, platform: str = LAMBDA_PLATFORM) -> Target:
    """The template's runtime, with `python` (or one found here) to compile for it."""
    version = runtime_python_version()
    if not bytecode:
        return Target(version, platform)
    compiler = python or find_compiler(version)
    if compiler is None:
        raise PackagingError(
            f"the functions run on Python {version} (the template's Runtime) and their byte code must be "
            f"compiled by Python {version}, which is not on this machine: install it (pyenv install {version}, "
            f"uv python install {version}, or the system's python{version}) or name it with --python; "
            "--no-bytecode ships source only, which every cold start then compiles (about 1.3 s)"
        )
    found = _version_of(compiler)
    if found != version:
        raise PackagingError(f"{compiler} is Python {found}, not {version}: its byte code would be ignored")
    return Target(version, platform, compiler)


# ---------------------------------------------------------------------------- files and zips


def _packaged_files(root: Path, excluded_dirs: frozenset[str], cache_tag: str | None) -> list[Path]:
    """Every file under `root` that belongs in a zip, sorted so the zip's order is stable: byte code
    only in __pycache__ and of `cache_tag` (none if None)."""
    files: list[Path] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in excluded_dirs)
        for name in names:
            path = Path(directory) / name
            ours = bool(cache_tag) and path.parent.name == "__pycache__" and name.endswith(f".{cache_tag}.pyc")
            if path.suffix not in _BYTE_CODE_SUFFIXES or ours:
                files.append(path)
    return sorted(files)


def _zip_tree(
    source: Path, archive: Path, cache_tag: str | None, excluded_dirs: frozenset[str] = frozenset()
) -> Artifact:
    """Zip the packaged files under `source`, with paths relative to it."""
    archive.unlink(missing_ok=True)
    unzipped = 0
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for path in _packaged_files(source, excluded_dirs, cache_tag):
            entry = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=_ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            # Lambda runs the code as another user than the one who unpacks it: world-readable,
            # executable only where it was.
            executable = path.stat().st_mode & stat.S_IXUSR
            entry.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            data = path.read_bytes()
            bundle.writestr(entry, data)
            unzipped += len(data)
    return Artifact(path=archive, zipped_bytes=archive.stat().st_size, unzipped_bytes=unzipped)


def compile_tree(tree: Path, target: Target, shown_as: str) -> None:
    """Compile every .py under `tree` with the target's interpreter into __pycache__, as unchecked-hash
    .pyc files whose code objects name the file under `shown_as` (where Lambda unpacks it)."""
    if target.compiler is None:
        return
    completed = subprocess.run(
        [str(target.compiler), "-I", "-m", "compileall", "-q", "-j", "0", "-d", shown_as, *_UNCHECKED, str(tree)],
        check=False,
        capture_output=True,
        text=True,
        # A frozenset constant's order follows the string hash: one seed, the same bytes every build.
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if completed.returncode != 0:
        raise PackagingError(
            f"Python {target.python_version} could not compile {tree.name}/ (exit {completed.returncode}):\n"
            f"{(completed.stdout + completed.stderr).strip()}"
        )
    check_byte_code(tree, target)


def check_byte_code(tree: Path, target: Target) -> None:
    """Every .py under `tree` has its .pyc, of the target's magic number and unchecked."""
    for source in tree.rglob("*.py"):
        compiled = source.parent / "__pycache__" / f"{source.stem}.{target.cache_tag}.pyc"
        header = compiled.read_bytes()[:8] if compiled.is_file() else b""
        if header[:4] != target.magic_number or int.from_bytes(header[4:8], "little") != _UNCHECKED_HASH_FLAGS:
            raise PackagingError(f"{compiled}: not unchecked-hash byte code of Python {target.python_version}")


# ---------------------------------------------------------------------------- layer


def build_layer(output_dir: Path, target: Target) -> Artifact:
    """pip-install the layer's requirements for the target into output_dir/layer/python, compile, zip."""
    layer_root = output_dir / "layer"
    shutil.rmtree(layer_root, ignore_errors=True)
    # Lambda puts a layer's python/ directory on the import path.
    site_packages = layer_root / "python"
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(site_packages),
        "--platform",
        target.platform,
        "--implementation",
        "cp",
        "--python-version",
        target.python_version,
        "--only-binary=:all:",
        "-r",
        str(LAYER_REQUIREMENTS),
    ]
    completed = subprocess.run(command, check=False, capture_output=True, text=True)
    if completed.returncode != 0:
        raise PackagingError(
            f"pip could not install {LAYER_REQUIREMENTS.relative_to(ROOT)} for {target.platform}, "
            f"CPython {target.python_version} (exit {completed.returncode}):\n{completed.stderr.strip()}"
        )
    # Console scripts carry this machine's interpreter in their shebang; Lambda never runs them.
    shutil.rmtree(site_packages / "bin", ignore_errors=True)
    compile_tree(layer_root, target, _LAYER_ROOT)
    return _zip_tree(layer_root, output_dir / LAYER_ZIP, target.cache_tag if target.compiler else None)


# ---------------------------------------------------------------------------- functions


def build_functions(output_dir: Path, target: Target) -> Artifact:
    """Zip functions/ as the code root (handlers import `core` and their own folder from it), with
    the target's byte code: a copy without this machine's caches is compiled, then zipped."""
    staged = output_dir / "functions"
    shutil.rmtree(staged, ignore_errors=True)
    for path in _packaged_files(FUNCTIONS_DIR, _NEVER_PACKAGED_CODE_DIRS, None):
        copy_to = staged / path.relative_to(FUNCTIONS_DIR)
        copy_to.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy_to)
    compile_tree(staged, target, _FUNCTIONS_ROOT)
    return _zip_tree(staged, output_dir / FUNCTIONS_ZIP, target.cache_tag if target.compiler else None)


# ---------------------------------------------------------------------------- template


def _block_end(lines: list[str], start: int) -> int:
    """The index after the last line of the YAML block whose key is on line `start`: its lines are
    indented deeper than the key. Blank lines and comments inside it do not end it; those after its
    last line belong to what follows (a section comment, for one)."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    for index in range(start + 1, len(lines)):
        text = lines[index].strip()
        if not text or text.startswith("#"):
            continue
        if len(lines[index]) - len(lines[index].lstrip()) <= indent:
            break
        end = index + 1
    return end


def _find_key(lines: list[str], key: str, indent: int, start: int = 0, end: int | None = None) -> int:
    """The one line in lines[start:end] that holds `key:` at exactly `indent` spaces."""
    pattern = re.compile(rf"^ {{{indent}}}{re.escape(key)}:(\s|$)")
    found = [i for i in range(start, len(lines) if end is None else end) if pattern.match(lines[i])]
    if len(found) != 1:
        raise PackagingError(f"{TEMPLATE_PATH.name}: expected one '{key}:' at indent {indent}, found {len(found)}")
    return found[0]


def _set_scalar(lines: list[str], index: int, value: str) -> None:
    key, _, _ = lines[index].partition(":")
    lines[index] = f"{key}: {value}\n"


def _the_layer(template: dict[str, Any]) -> str:
    layers = [
        name for name, resource in template["Resources"].items() if resource["Type"] == "AWS::Serverless::LayerVersion"
    ]
    if len(layers) != 1:
        raise PackagingError(f"{TEMPLATE_PATH.name}: expected one AWS::Serverless::LayerVersion, found {layers}")
    return layers[0]


def _expected(template: dict[str, Any], layer: str) -> dict[str, Any]:
    """What the packaged template must load as: the source with exactly the packaging changes."""
    expected = copy.deepcopy(template)
    expected["Globals"]["Function"]["CodeUri"] = FUNCTIONS_ZIP
    expected["Resources"][layer]["Properties"]["ContentUri"] = LAYER_ZIP
    expected["Resources"][layer].pop("Metadata", None)
    return expected


def write_packaged_template(output_dir: Path, source: Path = TEMPLATE_PATH) -> Path:
    """Write the template that deploys functions.zip and layer.zip (paths relative to it)."""
    template = load_template(source)
    layer = _the_layer(template)
    # One code root for all: a function with a CodeUri of its own would deploy something else.
    own_code = [
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource.get("Properties", {})
    ]
    if own_code:
        raise PackagingError(
            f"{source.name}: {own_code} set their own CodeUri; only Globals.Function.CodeUri is packaged"
        )

    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    globals_at = _find_key(lines, "Globals", 0)
    function_at = _find_key(lines, "Function", 2, globals_at, _block_end(lines, globals_at))
    _set_scalar(lines, _find_key(lines, "CodeUri", 4, function_at, _block_end(lines, function_at)), FUNCTIONS_ZIP)

    resources_at = _find_key(lines, "Resources", 0)
    layer_at = _find_key(lines, layer, 2, resources_at, _block_end(lines, resources_at))
    layer_end = _block_end(lines, layer_at)
    properties_at = _find_key(lines, "Properties", 4, layer_at, layer_end)
    _set_scalar(lines, _find_key(lines, "ContentUri", 6, properties_at, _block_end(lines, properties_at)), LAYER_ZIP)
    if "Metadata" in template["Resources"][layer]:
        # The build method would make `sam build` rebuild the layer from a zip; the zip is built.
        metadata_at = _find_key(lines, "Metadata", 4, layer_at, layer_end)
        del lines[metadata_at : _block_end(lines, metadata_at)]

    packaged = output_dir / PACKAGED_TEMPLATE
    packaged.write_text("".join(lines), encoding="utf-8")
    if load_template(packaged) != _expected(template, layer):
        raise PackagingError(f"{packaged}: the text edit changed more than CodeUri, ContentUri and the layer Metadata")
    return packaged


# ---------------------------------------------------------------------------- all of it


def build(output_dir: Path = DEFAULT_OUTPUT_DIR, target: Target | None = None) -> Package:
    """Build the three outputs into `output_dir` for `target` (Lambda's, with byte code, by default).
    Other files there (samconfig.toml, which `sam deploy --guided` saves next to the template) are
    left alone."""
    target = target or lambda_target()
    output_dir.mkdir(parents=True, exist_ok=True)
    return Package(
        layer=build_layer(output_dir, target),
        functions=build_functions(output_dir, target),
        template=write_packaged_template(output_dir),
    )


def limit_problems(package: Package) -> tuple[list[str], list[str]]:
    """(errors that stop a deploy, warnings) for Lambda's size limits."""
    errors: list[str] = []
    warnings: list[str] = []
    if package.unzipped_bytes > UNZIPPED_LIMIT_BYTES:
        errors.append(
            f"layer + functions unzip to {package.unzipped_bytes:,} bytes; "
            f"Lambda allows {UNZIPPED_LIMIT_BYTES:,} for a function and its layers"
        )
    for artifact in (package.layer, package.functions):
        if artifact.zipped_bytes > DIRECT_UPLOAD_ZIPPED_LIMIT_BYTES:
            warnings.append(
                f"{artifact.path.name} is {artifact.zipped_bytes:,} bytes zipped, over the "
                f"{DIRECT_UPLOAD_ZIPPED_LIMIT_BYTES:,} of a direct upload: deploy through S3 (sam deploy does)"
            )
    return errors, warnings


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:8.2f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description="Build the artifact sam deploys.")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT_DIR, help="directory for the artifact")
    parser.add_argument("--python", type=Path, help="an interpreter of the runtime's version, to compile with")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="ship source only: every cold start then compiles it (slower)"
    )
    arguments = parser.parse_args(argv)
    started = time.monotonic()
    try:
        target = lambda_target(arguments.python, bytecode=not arguments.no_bytecode)
        package = build(arguments.output, target)
    except PackagingError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1

    print(f"{'artifact':<24} {'zipped':>11} {'unzipped':>11}")
    for artifact in (package.layer, package.functions):
        print(f"{artifact.path.name:<24} {_megabytes(artifact.zipped_bytes)} {_megabytes(artifact.unzipped_bytes)}")
    print(f"{'layer + functions':<24} {_megabytes(package.zipped_bytes)} {_megabytes(package.unzipped_bytes)}")
    print(f"unzipped limit: {package.unzipped_bytes:,} of {UNZIPPED_LIMIT_BYTES:,} bytes")
    compiled = f"byte code of {target.compiler}" if target.compiler else "no byte code"
    print(f"for python{target.python_version} on {target.platform}, {compiled}")
    print(f"template: {package.template}  ({time.monotonic() - started:.1f} s)")

    errors, warnings = limit_problems(package)
    for warning in warnings:
        print(f"package: warning: {warning}", file=sys.stderr)
    for problem in errors:
        print(f"package: error: {problem}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
