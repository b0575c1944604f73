"""fakepai as users install it: the wheel is built, installed without -e into a fresh virtualenv
outside the checkout, and everything below runs from that installation as separate processes
(the working directory is outside the checkout, so the source tree cannot be imported).

The virtualenv is built once per run (tests.helpers.once_per_run); its
dependencies come from the package index like a user's would (pip's cache keeps it quick).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import ROOT, ServedProcess, assert_refused, built_wheel, once_per_run

N_OPERATIONS = len(json.loads((ROOT / "tests" / "data" / "operations.json").read_text()))


@dataclass
class Installed:
    home: Path          # outside the checkout; the working directory of every command
    venv: Path
    wheel: Path
    without_extra: dict  # `fakepai conformance` before the [conformance] extra was installed

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *argv: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), cwd=cwd or self.home, env=self.env(), capture_output=True, text=True,
                              timeout=timeout)


def _check(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _build(home: Path, wheel: Path) -> None:
    venv = home / "venv"
    _check([sys.executable, "-m", "venv", str(venv)], cwd=home)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    _check([*pip, str(wheel)], cwd=home)
    before = subprocess.run([str(venv / "bin" / "fakepai"), "conformance", "--target", "fake"], cwd=home,
                            capture_output=True, text=True, timeout=120)
    _check([*pip, f"{wheel}[conformance]"], cwd=home)
    (home / "built.json").write_text(json.dumps({"wheel": str(wheel), "without_extra": {
        "returncode": before.returncode, "stdout": before.stdout, "stderr": before.stderr}}))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    home = once_per_run(tmp_path_factory, "fakepai-installed", lambda home: _build(home, built_wheel(tmp_path_factory)))
    built = json.loads((home / "built.json").read_text())
    assert not home.is_relative_to(ROOT)
    return Installed(home, home / "venv", Path(built["wheel"]), built["without_extra"])


# ------------------------------------------------------------------------------- the wheel's content

def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {str(p.parent.relative_to(ROOT)).replace("/", ".")
               for top in ("fakepai", "contract_tests") for p in (ROOT / top).rglob("__init__.py")}
    assert on_disk <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(on_disk - listed)}"


def test_wheel_ships_the_schemas_as_a_package_and_the_kit(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    schemas = {n for n in names if n.startswith("fakepai/schemas/") and n.endswith(".json")}
    expected = {f"fakepai/schemas/{p.relative_to(ROOT / 'schemas')}" for p in (ROOT / "schemas").rglob("*.json")}
    assert expected and expected == schemas
    assert {"fakepai/schemas/__init__.py", "contract_tests/__init__.py", "contract_tests/front_door.py"} <= names
    assert {"fakepai/control/static/index.html", "fakepai/control/static/console.js",
            "fakepai/control/static/console.css"} <= names          # the web console
    entry_points = zipfile.ZipFile(installed.wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "fakepai = fakepai.pytest_plugin" in entry_points and "fakepai = fakepai.cli:main" in entry_points
    metadata = zipfile.ZipFile(installed.wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Provides-Extra: conformance" in metadata


# ------------------------------------------------------------------------------- the installed commands

def test_installed_package_is_the_wheel_not_the_checkout(installed):
    out = installed.run(installed.bin("python"), "-c", "import fakepai, fakepai.catalog as c; "
                        "print(fakepai.__file__); print(type(c.schemas_root()).__name__)")
    where, _ = out.stdout.splitlines()
    assert out.returncode == 0 and Path(where).is_relative_to(installed.venv), out


def test_installed_coverage_counts_every_operation(installed):
    out = installed.run(installed.bin("fakepai"), "coverage", "--format", "json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["implemented"] == report["total"] == N_OPERATIONS == 62
    markdown = installed.run(installed.bin("fakepai"), "coverage").stdout
    assert f"{N_OPERATIONS} of {N_OPERATIONS}" in markdown


def test_installed_serve_demo_answers_an_official_sdk_and_the_gateway_form(installed):
    from alibabacloud_pai_dlc20201203.client import Client as DlcClient
    from alibabacloud_pai_dlc20201203 import models as dlc
    from alibabacloud_paistudio20220112.client import Client as StudioClient
    from alibabacloud_paistudio20220112 import models as studio
    from alibabacloud_tea_openapi.models import Config

    with ServedProcess("--demo", command=[installed.bin("fakepai")], options=("--port", "0"), env=installed.env(),
                       cwd=installed.home) as server:
        config = Config(access_key_id="user", access_key_secret="secret", endpoint=server.endpoint,
                        protocol="http", region_id="cn-hangzhou")
        jobs = StudioClient(config).list_training_jobs(studio.ListTrainingJobsRequest(workspace_id="12345")).body
        assert jobs.total_count == 3 and {j.training_job_name for j in jobs.training_jobs}
        assert DlcClient(config).list_jobs(dlc.ListJobsRequest(workspace_id="12345")).body.total_count >= 1
        gateway = httpx.get(f"{server.url}/api/PaiStudio/2022-01-12/ListTrainingJobs", params={"WorkspaceId": "12345"},
                            headers={"Authorization": "Bearer x"})
        assert gateway.status_code == 200 and gateway.json()["TotalCount"] == 3
        assert httpx.get(f"{server.url}/_fakepai/health").json()["operations"] == N_OPERATIONS


def test_installed_conformance_against_the_fake_passes(installed):
    out = installed.run(installed.bin("fakepai"), "conformance", "--target", "fake", "-q", "-p", "no:cacheprovider",
                        "--junitxml", str(installed.home / "junit.xml"), timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert " passed" in out.stdout and " failed" not in out.stdout
    assert "<testsuite" in (installed.home / "junit.xml").read_text()


def test_conformance_without_the_extra_says_which_to_install(installed):
    before = installed.without_extra
    assert before["returncode"] != 0 and before["stdout"] == ""
    assert before["stderr"].count("\n") == 1 and "pip install 'fakepai[conformance]'" in before["stderr"], before


def test_serve_refuses_an_installation_without_its_schemas(installed, tmp_path):
    """A copy of the installed package with its schemas gone (the namespace-package bug showed
    as exactly this): `fakepai serve` says so in one line instead of answering 404 to everything."""
    site = Path(installed.run(installed.bin("python"), "-c", "import fakepai, os; print(os.path.dirname(fakepai.__file__))")
                .stdout.strip())
    shutil.copytree(site, tmp_path / "fakepai", ignore=shutil.ignore_patterns("schemas"))
    out = installed.run(installed.bin("python"), "-m", "fakepai", "serve", "--port", "0", cwd=tmp_path, timeout=60)
    assert_refused(out, "no PAI operations found")
