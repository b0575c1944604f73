"""The wheel carries everything: every Python package, the schemas, the contract kit."""
from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {str(p.parent.relative_to(ROOT)).replace("/", ".")
               for top in ("fakepai", "contract_tests") for p in (ROOT / top).rglob("__init__.py")}
    assert on_disk <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(on_disk - listed)}"


def test_wheel_ships_schemas_and_kit(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("fakepai-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    schemas = {n for n in names if n.startswith("fakepai/schemas/") and n.endswith(".json")}
    expected = {f"fakepai/schemas/{p.relative_to(ROOT / 'schemas')}" for p in (ROOT / "schemas").rglob("*.json")}
    assert expected and expected <= schemas
    assert "contract_tests/__init__.py" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "fakepai = fakepai.pytest_plugin" in entry_points and "fakepai = fakepai.cli:main" in entry_points
