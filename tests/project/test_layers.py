"""The import contracts in .importlinter (docs/architecture.md, "Layers") hold and cover the code, and
no module imports inside a function without a stated reason.

Run alone with `lint-imports`; here it runs with the rest of the suite so CI enforces it.
"""
from __future__ import annotations

import ast
import configparser
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists(), "import-linter is missing: pip install -e '.[test]'"
    # Run from the repository root, where lint-imports finds .importlinter by itself.
    run = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def _contracts() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return parser


def _names(text: str) -> set[str]:
    return {name.strip() for line in text.splitlines() for name in re.split(r"[|:]", line) if name.strip()}


def test_every_module_has_a_place_in_the_layers():
    """A new top-level module or package must be given a layer (or a wire part its contract), not
    slip between the contracts unchecked."""
    contracts = _contracts()
    placed = _names(contracts["importlinter:contract:layers"]["layers"])
    placed |= _names(contracts["importlinter:contract:wire-parts"]["source_modules"])
    package = ROOT / "fakepai"
    modules = {f"fakepai.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    modules |= {f"fakepai.{p.name}" for p in package.iterdir() if (p / "__init__.py").exists()}
    modules.discard("fakepai.wire")          # placed module by module: its pipeline and its parts
    modules |= {f"fakepai.wire.{p.stem}" for p in (package / "wire").glob("*.py") if p.stem != "__init__"}
    assert sorted(modules - placed) == []


# Imports inside functions hide a module's dependencies from the contracts above and from its
# reader. No cycle is behind any of these: they keep the entry points light (`import fakepai`,
# `fakepai --help`, the pytest plugin every pytest session loads) and reach optional dependencies.
DEFERRED_IMPORTS_ALLOWED = {
    "fakepai/__init__.py": "`import fakepai` does not pull in the server (uvicorn)",
    "fakepai/cli.py": "each command imports what only it needs; the kit's dependencies are optional",
    "fakepai/pytest_plugin.py": "the server only once a fixture is used; the official SDKs are optional",
}


def test_no_module_imports_inside_a_function_without_a_reason():
    found = []
    for path in sorted((ROOT / "fakepai").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in DEFERRED_IMPORTS_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [f"{name}:{inner.lineno}" for inner in ast.walk(node)
                          if isinstance(inner, (ast.Import, ast.ImportFrom))]
    assert found == []
