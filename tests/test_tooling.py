"""The project's own tooling: the typed marker ships, and CI checks lint, format and types first."""

from __future__ import annotations

import tomllib

from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_py_typed_ships_in_the_wheel():
    # Building a wheel here is slow: the marker exists, and hatch's wheel target takes the whole
    # package folder (so every file in it) and excludes nothing.
    assert (ROOT / "ftdata" / "py.typed").is_file()
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["ftdata"]
    assert not wheel.get("exclude") and not wheel.get("only-include")


def test_ci_runs_ruff_and_mypy_before_the_tests():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()

    def first(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line and not line.startswith("#"))

    tests = first("python -m pytest -q")
    for check in ("ruff check .", "ruff format --check .", "mypy ||"):
        assert first(check) < tests, check
    assert first("exit 1") < tests  # a failed check stops CI


def test_ruff_and_mypy_are_pinned_in_the_test_extra():
    test_extra = PYPROJECT["project"]["optional-dependencies"]["test"]
    assert any(r.startswith("ruff==") for r in test_extra)
    assert any(r.startswith("mypy==") for r in test_extra)


def test_mypy_is_strict_on_the_public_api():
    mypy = PYPROJECT["tool"]["mypy"]
    assert mypy["packages"] == ["ftdata"]
    strict = [o for o in mypy["overrides"] if o.get("disallow_untyped_defs")]
    assert len(strict) == 1
    public = ("ftdata", "ftdata.api", "ftdata.errors", "ftdata.findings", "ftdata.result")
    documented = ("ftdata.preparation", "ftdata.core.driver", "ftdata.core.fold", "ftdata.spark")
    for module in (*public, *documented):
        assert module in strict[0]["module"]
    assert strict[0]["disallow_any_generics"] and strict[0]["warn_return_any"]
