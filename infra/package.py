"""`make package`: the deployable artifact in build/, ready for `sam deploy` without `sam build`.

* build/layer.zip — the run-time dependencies (infra/layer/requirements.txt) as one Lambda layer,
  installed by pip from manylinux2014 aarch64 wheels for CPython 3.12: what Lambda runs (arm64,
  python3.12), whatever machine packages it. Only wheels, so nothing is compiled for the host.
* build/functions.zip — the functions/ tree (every function folder and the shared `core` package
  with its data files, such as core/openapi.json): the one code root every function imports from.
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
LAMBDA_PYTHON_VERSION = "3.12"
UNZIPPED_LIMIT_BYTES = 262_144_000
DIRECT_UPLOAD_ZIPPED_LIMIT_BYTES = 50 * 1024 * 1024

LAYER_ZIP = "layer.zip"
FUNCTIONS_ZIP = "functions.zip"
PACKAGED_TEMPLATE = "template.yaml"

# Byte code is written for the packaging interpreter's version, not Lambda's: dead weight. The
# dependencies' own folders are otherwise kept whole (a package may import its "tests" module).
_BYTE_CODE_DIRS = frozenset({"__pycache__"})
_NEVER_PACKAGED_CODE_DIRS = _BYTE_CODE_DIRS | {"tests", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_NEVER_PACKAGED_SUFFIXES = frozenset({".pyc", ".pyo"})
# Every entry gets this timestamp, so unchanged code zips to identical bytes: `sam deploy` names
# uploads by content hash and then finds nothing to update.
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class PackagingError(Exception):
    """The artifact could not be built, or would not deploy (too large, template not as expected)."""


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


# ---------------------------------------------------------------------------- files and zips


def _packaged_files(root: Path, excluded_dirs: frozenset[str]) -> list[Path]:
    """Every file under `root` that belongs in a zip, sorted so the zip's order is stable."""
    files: list[Path] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in excluded_dirs)
        files.extend(Path(directory) / name for name in names if Path(name).suffix not in _NEVER_PACKAGED_SUFFIXES)
    return sorted(files)


def _zip_tree(source: Path, archive: Path, excluded_dirs: frozenset[str]) -> Artifact:
    """Zip the packaged files under `source`, with paths relative to it."""
    archive.unlink(missing_ok=True)
    unzipped = 0
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for path in _packaged_files(source, excluded_dirs):
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


# ---------------------------------------------------------------------------- layer


def build_layer(output_dir: Path) -> Artifact:
    """pip-install the layer's requirements for Lambda into output_dir/layer/python and zip it."""
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
        LAMBDA_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        LAMBDA_PYTHON_VERSION,
        "--only-binary=:all:",
        "-r",
        str(LAYER_REQUIREMENTS),
    ]
    completed = subprocess.run(command, check=False, capture_output=True, text=True)
    if completed.returncode != 0:
        raise PackagingError(
            f"pip could not install {LAYER_REQUIREMENTS.relative_to(ROOT)} for {LAMBDA_PLATFORM}, "
            f"CPython {LAMBDA_PYTHON_VERSION} (exit {completed.returncode}):\n{completed.stderr.strip()}"
        )
    # Console scripts carry this machine's interpreter in their shebang; Lambda never runs them.
    shutil.rmtree(site_packages / "bin", ignore_errors=True)
    return _zip_tree(layer_root, output_dir / LAYER_ZIP, _BYTE_CODE_DIRS)


# ---------------------------------------------------------------------------- functions


def build_functions(output_dir: Path) -> Artifact:
    """Zip functions/ as the code root: handlers import `core` and their own folder from it."""
    return _zip_tree(FUNCTIONS_DIR, output_dir / FUNCTIONS_ZIP, _NEVER_PACKAGED_CODE_DIRS)


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


def build(output_dir: Path = DEFAULT_OUTPUT_DIR) -> Package:
    """Build the three outputs into `output_dir`. Other files there (samconfig.toml, which
    `sam deploy --guided` saves next to the template) are left alone."""
    output_dir.mkdir(parents=True, exist_ok=True)
    return Package(
        layer=build_layer(output_dir),
        functions=build_functions(output_dir),
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
    arguments = parser.parse_args(argv)
    started = time.monotonic()
    try:
        package = build(arguments.output)
    except PackagingError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1

    print(f"{'artifact':<24} {'zipped':>11} {'unzipped':>11}")
    for artifact in (package.layer, package.functions):
        print(f"{artifact.path.name:<24} {_megabytes(artifact.zipped_bytes)} {_megabytes(artifact.unzipped_bytes)}")
    print(f"{'layer + functions':<24} {_megabytes(package.zipped_bytes)} {_megabytes(package.unzipped_bytes)}")
    print(f"unzipped limit: {package.unzipped_bytes:,} of {UNZIPPED_LIMIT_BYTES:,} bytes")
    print(f"template: {package.template}  ({time.monotonic() - started:.1f} s)")

    errors, warnings = limit_problems(package)
    for warning in warnings:
        print(f"package: warning: {warning}", file=sys.stderr)
    for problem in errors:
        print(f"package: error: {problem}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
