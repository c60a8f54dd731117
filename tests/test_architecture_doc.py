"""docs/architecture.md names real modules and functions: every path and dotted name resolves."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ftdata"
DOC = ROOT / "docs" / "architecture.md"


def _attributes(module_name: str, names: list[str]) -> object:
    """Import ``module_name`` and follow ``names`` as attributes (AttributeError if absent)."""
    found: object = importlib.import_module(module_name)
    for name in names:
        found = getattr(found, name)
    return found


def resolve(token: str) -> bool:
    """Whether a backticked name of the page exists: ``a/b.py``, ``a/b/``, ``a/b.Name.attr``,
    ``module.Name`` or ``ftdata.name``. Anything else (options, code) is not a name: True."""
    if token.endswith("/"):
        return (PACKAGE / token).is_dir()
    if token.endswith(".py"):
        return (PACKAGE / token).is_file() or (ROOT / token).is_file()
    path, _, rest = token.partition(".") if "/" in token else ("", "", token)
    if path:
        module = "ftdata." + path.replace("/", ".")
        return _resolves(module, rest.split(".") if rest else [])
    parts = token.split(".")
    if parts[0] == "ftdata":
        return _resolves("ftdata", parts[1:])
    if len(parts) > 1 and ((PACKAGE / f"{parts[0]}.py").is_file() or (PACKAGE / parts[0]).is_dir()):
        return _resolves(f"ftdata.{parts[0]}", parts[1:])
    return True


def _resolves(module: str, names: list[str]) -> bool:
    # A dotted tail may continue the module path (core.options) before naming attributes.
    for split in range(len(names), -1, -1):
        candidate = ".".join([module, *names[:split]])
        try:
            importlib.import_module(candidate)
        except ImportError:
            continue
        try:
            _attributes(candidate, names[split:])
        except AttributeError:
            return False
        return True
    return False


def backticked(text: str) -> list[str]:
    return [t for t in re.findall(r"`([^`\s]+)`", text) if re.fullmatch(r"[\w./]+", t)]


def test_every_module_and_name_on_the_architecture_page_exists():
    tokens = backticked(DOC.read_text(encoding="utf-8"))
    assert len(tokens) > 40  # the page does name the code
    missing = [t for t in tokens if not resolve(t)]
    assert missing == []


def test_the_check_notices_a_name_that_does_not_exist():
    assert resolve("core/fold.Fold.add")
    assert not resolve("core/fold.Fold.no_such_method")
    assert not resolve("engine.py")
    assert not resolve("core/nowhere.run")
    assert resolve("ftdata.validate") and not resolve("ftdata.no_such_function")
