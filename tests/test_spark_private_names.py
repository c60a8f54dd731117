"""ftdata.spark uses only the public names of the modules it builds on.

A private name of another module (``from x import _y``; ``obj._attr`` on an
object that is not ``self``/``cls``; ``self._attr`` that the module itself
never defines, i.e. a base class's; a private method overridden) is an
implementation detail that module may change at any time: the Spark path
drifted from the local one that way.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

SPARK = Path(__file__).resolve().parent.parent / "ftdata" / "spark"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_names(tree: ast.AST) -> set[str]:
    """Private names the module defines: functions, classes, assignments, ``self._x = ...``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return {name for name in names if _private(name)}


def private_uses(path: Path) -> list[tuple[str, int, str]]:
    """(file, line, name) of every private name of another module that ``path`` uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _own_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [(path.name, node.lineno, a.name) for a in node.names if _private(a.name)]
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            mine = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
            if not mine or node.attr not in own:
                found.append((path.name, node.lineno, node.attr))
    return found


def overridden_privates(module_name: str) -> list[tuple[str, str]]:
    """(class, method) of private methods that override a base class's from another module."""
    module = importlib.import_module(module_name)
    found = []
    for cls in vars(module).values():
        if not inspect.isclass(cls) or cls.__module__ != module_name:
            continue
        for name in vars(cls):
            foreign = [b for b in cls.__mro__[1:] if b.__module__ != module_name]
            if _private(name) and any(name in vars(base) for base in foreign):
                found.append((cls.__name__, name))
    return found


def _all_uses() -> list[tuple[str, object, str]]:
    uses: list[tuple[str, object, str]] = []
    for path in sorted(SPARK.glob("*.py")):
        uses += private_uses(path)
        module = "ftdata.spark" if path.stem == "__init__" else f"ftdata.spark.{path.stem}"
        uses += [(path.name, cls, name) for cls, name in overridden_privates(module)]
    return uses


def test_spark_uses_no_private_name_of_another_module() -> None:
    assert _all_uses() == []


def test_the_check_finds_private_names(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from ftdata.engine import Checker, _canonical\n"
        "class Mine(Checker):\n"
        "    def f(self, checker):\n"
        "        self._mine = 1\n"
        "        return checker._drops, self._mine, self._dedupe, checker.__class__\n"
    )
    assert private_uses(sample) == [
        ("sample.py", 1, "_canonical"),
        ("sample.py", 5, "_drops"),
        ("sample.py", 5, "_dedupe"),
    ]


def test_the_check_finds_overridden_private_methods(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "overrides_base.py").write_text(
        "class Base:\n    def _emit(self, problem, source):\n        pass\n"
    )
    (tmp_path / "overrides_sample.py").write_text(
        "from overrides_base import Base\n"
        "class Mine(Base):\n"
        "    def _emit(self, problem, source):\n"
        "        pass\n"
        "    def _own(self):\n"
        "        pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert overridden_privates("overrides_sample") == [("Mine", "_emit")]
