"""`make package`: the layer for Lambda arm64 / Python 3.12, the functions' code and the packaged
template, within Lambda's size limits, both zips with the runtime's byte code.

Building the layer runs pip against the package index and compiles it (about 15 s), so it is built
once per module (per xdist worker) into a temporary directory.
"""

from __future__ import annotations

import copy
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra import package
from infra.local.template import TEMPLATE_PATH, load_template

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
LAMBDA_UNZIPPED_LIMIT = 262_144_000
# importlib.util.MAGIC_NUMBER of each runtime: what Lambda's interpreter accepts in a .pyc.
MAGIC_NUMBERS = {"python3.12": b"\xcb\r\r\n"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> package.Package:
    return package.build(tmp_path_factory.mktemp("package"))


def _names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as bundle:
        return bundle.namelist()


def _unzipped_bytes(archive: Path) -> int:
    with zipfile.ZipFile(archive) as bundle:
        return sum(entry.file_size for entry in bundle.infolist())


def _handler_modules() -> set[str]:
    """`register/handler.py` for `register.handler.lambda_handler`: every function the template declares."""
    return {
        resource["Properties"]["Handler"].rpartition(".")[0].replace(".", "/") + ".py"
        for resource in load_template()["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    }


# ---------------------------------------------------------------------------- layer


def test_the_layer_holds_the_run_time_dependencies_under_python(built: package.Package) -> None:
    names = set(_names(built.layer.path))
    for module in ("aws_lambda_powertools", "boto3", "cryptography", "pydantic", "pydantic_core"):
        assert f"python/{module}/__init__.py" in names, module
    assert all(name.startswith("python/") for name in names)
    assert not any(name.startswith("python/bin/") for name in names)


def test_pydantic_core_is_compiled_for_lambdas_aarch64(built: package.Package) -> None:
    compiled = [name for name in _names(built.layer.path) if name.startswith("python/pydantic_core/") and ".so" in name]
    assert compiled
    assert all("aarch64" in name and "cpython-312" in name for name in compiled), compiled


def test_every_wheel_in_the_layer_is_pure_python_or_for_aarch64(built: package.Package) -> None:
    with zipfile.ZipFile(built.layer.path) as bundle:
        wheels = {name: bundle.read(name).decode() for name in bundle.namelist() if name.endswith(".dist-info/WHEEL")}
    tags = {
        name.split("/")[1]: [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Tag: ")]
        for name, text in wheels.items()
    }
    assert any(distribution.startswith("cryptography-") for distribution in tags)
    for distribution, wheel_tags in tags.items():
        assert wheel_tags, distribution
        for tag in wheel_tags:
            assert tag.endswith("-any") or tag.endswith("aarch64"), (distribution, tag)


# ---------------------------------------------------------------------------- functions


def test_the_functions_zip_holds_every_handler_core_and_its_data_files(built: package.Package) -> None:
    names = {name for name in _names(built.functions.path) if "/__pycache__/" not in name}
    assert _handler_modules() <= names
    assert {"core/__init__.py", "core/openapi.json", "core/store/__init__.py"} <= names
    source_files = {
        path.relative_to(FUNCTIONS_DIR).as_posix()
        for path in FUNCTIONS_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert names == source_files


def test_both_zips_hold_unchecked_byte_code_of_the_templates_runtime_for_every_module(built: package.Package) -> None:
    # Given the runtime every function runs on (one, in Globals)
    runtime = load_template()["Globals"]["Function"]["Runtime"]
    tag = "cpython-" + runtime.removeprefix("python").replace(".", "")
    for artifact in (built.layer, built.functions):
        with zipfile.ZipFile(artifact.path) as bundle:
            names = set(bundle.namelist())
            compiled = {name for name in names if name.endswith((".pyc", ".pyo"))}
            # Then every module has its .pyc where the importer looks, and no other byte code is there
            expected = {
                f"{folder}/__pycache__/{module.removesuffix('.py')}.{tag}.pyc"
                for folder, _, module in (name.rpartition("/") for name in names if name.endswith(".py"))
            }
            assert compiled == {name.removeprefix("/") for name in expected}, artifact
            for name in sorted(compiled):
                header = bundle.read(name)[:8]
                # of the runtime's magic number (another would be ignored, silently), hash-based and unchecked
                assert header[:4] == MAGIC_NUMBERS[runtime], name
                assert int.from_bytes(header[4:8], "little") == 0b01, name


def test_the_byte_code_names_the_files_where_lambda_unpacks_them(built: package.Package) -> None:
    with zipfile.ZipFile(built.functions.path) as bundle:
        byte_code = bundle.read(f"register/__pycache__/handler.{package.lambda_target().cache_tag}.pyc")
    assert b"/var/task/register/handler.py" in byte_code
    assert str(FUNCTIONS_DIR).encode() not in byte_code


def test_zips_are_reproducible_so_an_unchanged_deploy_uploads_nothing(built: package.Package, tmp_path: Path) -> None:
    again = package.build_functions(tmp_path, package.lambda_target())
    assert again.path.read_bytes() == built.functions.path.read_bytes()


def test_a_compiler_of_another_python_is_refused(tmp_path: Path) -> None:
    # Given an interpreter that is not the runtime's version
    other = tmp_path / "python"
    other.write_text("#!/bin/sh\necho 3.11\n")
    other.chmod(other.stat().st_mode | stat.S_IXUSR)
    # Then its byte code is not built at all
    with pytest.raises(package.PackagingError, match=r"is Python 3\.11, not 3\.12"):
        package.lambda_target(other)


def test_without_a_compiler_packaging_stops_unless_told_to_ship_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package, "find_compiler", lambda version: None)

    with pytest.raises(package.PackagingError, match=r"Python 3\.12, which is not on this machine"):
        package.lambda_target()
    assert package.lambda_target(bytecode=False) == package.Target("3.12", package.LAMBDA_PLATFORM, None)


# ---------------------------------------------------------------------------- limits


def test_layer_and_functions_unzip_under_lambdas_limit(built: package.Package) -> None:
    unzipped = _unzipped_bytes(built.layer.path) + _unzipped_bytes(built.functions.path)
    assert unzipped == built.unzipped_bytes
    assert unzipped < LAMBDA_UNZIPPED_LIMIT
    assert package.limit_problems(built) == ([], [])


def test_over_the_unzipped_limit_fails_and_over_the_direct_upload_limit_only_warns(tmp_path: Path) -> None:
    huge = package.Artifact(tmp_path / "layer.zip", zipped_bytes=60_000_000, unzipped_bytes=262_000_000)
    small = package.Artifact(tmp_path / "functions.zip", zipped_bytes=100_000, unzipped_bytes=200_000)

    errors, warnings = package.limit_problems(package.Package(huge, small, tmp_path / "template.yaml"))

    assert len(errors) == 1 and "262,144,000" in errors[0]
    assert len(warnings) == 1 and "layer.zip" in warnings[0]
    errors, warnings = package.limit_problems(
        package.Package(package.Artifact(huge.path, 60_000_000, 1_000), small, tmp_path / "template.yaml")
    )
    assert errors == [] and len(warnings) == 1


def test_the_command_exits_non_zero_when_over_the_limit(
    built: package.Package, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(package, "build", lambda output_dir, target: built)
    assert package.main([]) == 0
    monkeypatch.setattr(package, "UNZIPPED_LIMIT_BYTES", built.unzipped_bytes - 1)

    assert package.main([]) == 1
    output = capsys.readouterr()
    assert "layer + functions" in output.out
    assert "error: layer + functions unzip to" in output.err


# ---------------------------------------------------------------------------- template


def test_the_packaged_template_deploys_the_two_zips_and_nothing_else_changed(built: package.Package) -> None:
    packaged = load_template(built.template)
    source = load_template()
    layer = packaged["Resources"]["DependenciesLayer"]

    assert (built.template.parent / packaged["Globals"]["Function"]["CodeUri"]) == built.functions.path
    assert (built.template.parent / layer["Properties"]["ContentUri"]) == built.layer.path
    assert built.functions.path.is_file() and built.layer.path.is_file()
    assert "Metadata" not in layer
    expected: dict[str, Any] = copy.deepcopy(source)
    expected["Globals"]["Function"]["CodeUri"] = "functions.zip"
    expected["Resources"]["DependenciesLayer"]["Properties"]["ContentUri"] = "layer.zip"
    del expected["Resources"]["DependenciesLayer"]["Metadata"]
    assert packaged == expected
    # The edit is made on the text, so the source's comments survive.
    assert "# ---------------------------------------------------------------- HTTP API" in built.template.read_text()


def test_a_function_with_its_own_code_uri_is_refused(tmp_path: Path) -> None:
    text = TEMPLATE_PATH.read_text(encoding="utf-8").replace(
        "      Handler: verify.handler.lambda_handler\n",
        "      Handler: verify.handler.lambda_handler\n      CodeUri: ../elsewhere\n",
    )
    source = tmp_path / "source.yaml"
    source.write_text(text, encoding="utf-8")

    with pytest.raises(package.PackagingError, match="VerifyFunction"):
        package.write_packaged_template(tmp_path, source)
