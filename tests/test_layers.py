"""Layering and start-up guards: the library never prints; the fast path stays light."""

from __future__ import annotations

import ast
import subprocess
import sys

from conftest import ROOT

HEAVY = ("polars", "pyarrow", "deltalake", "tokenizers", "jinja2", "jsonschema")


def test_structure_only_validation_imports_no_heavy_module(tmp_path):
    data = tmp_path / "a.jsonl"
    data.write_text('{"prompt": "a", "response": "b"}\n')
    code = (
        "import sys\nfrom ftdata.cli import main\n"
        f"rc = main(['validate', {str(data)!r}])\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy)\nsys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in proc.stdout


def is_command_line(path) -> bool:
    """The command-line modules: ``cli.py``, ``cli_common.py`` and ``*_cli.py`` sub-commands."""
    return path.name in {"cli.py", "cli_common.py", "__main__.py"} or path.stem.endswith("_cli")


def test_only_cli_and_reporters_print():
    for path in (ROOT / "ftdata").rglob("*.py"):
        if "reporters" in path.parts or is_command_line(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
        ]
        assert not calls, f"{path} prints"


def test_core_never_imports_cli_or_reporters():
    for path in (ROOT / "ftdata").rglob("*.py"):
        if "reporters" in path.parts or is_command_line(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("ftdata.cli", "ftdata.reporters")), path
                assert not node.module.endswith("_cli"), path


def test_public_names_stay_functions_after_a_submodule_of_that_name_is_imported():
    """Importing ``ftdata.X`` binds the package attribute ``X`` to the module: no public
    function may share its name with a submodule, or ``ftdata.prepare(...)`` breaks as soon
    as anything (the CLI included) imported ``ftdata.prepare`` first."""
    import ftdata

    for name in ftdata.__all__:
        code = (
            "import importlib, types, ftdata\n"
            "try:\n"
            f"    importlib.import_module('ftdata.{name}')\n"
            "except ImportError:\n"
            "    pass\n"
            f"print('MODULE' if isinstance(ftdata.{name}, types.ModuleType) else 'OK')\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert proc.stdout.strip() == "OK", (
            f"ftdata.{name} is a module once ftdata.{name} is imported"
        )
