"""Shared helpers for the test suite."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "sample_data"


def write_jsonl(path: Path, records: list) -> Path:
    """Write records (dicts, or raw strings taken as lines) to a JSONL file."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def triples(result) -> set[tuple]:
    """(line or row, code, pointer) of every finding, for compact assertions."""
    return {
        (
            f.location.line if f.location.line is not None else f.location.row,
            f.code,
            f.location.pointer,
        )
        for f in result.findings
    }


def codes(result) -> set[str]:
    """The set of codes a result reports."""
    return set(result.by_code)


@pytest.fixture
def jsonl(tmp_path):
    """Factory: write records to a fresh JSONL file and return its path."""
    counter = iter(range(10_000))

    def make(records: list, name: str | None = None) -> Path:
        return write_jsonl(tmp_path / (name or f"data{next(counter)}.jsonl"), records)

    return make


def assert_golden(actual: str, name: str) -> None:
    """Compare with ``tests/golden/NAME``; ``FTDATA_UPDATE_GOLDEN=1`` rewrites it instead."""
    import os

    path = ROOT / "tests" / "golden" / name
    if os.environ.get("FTDATA_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def spark_available() -> bool:
    """Whether a local Spark session can start: pyspark importable and Java on the machine."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@pytest.fixture(scope="session")
def spark():
    """The shared local session (tests/spark_session.py), stopped at the end; skips without
    pyspark or Java. Modules that need a table saved in it override this fixture."""
    if not spark_available():
        pytest.skip("Spark needs pyspark and Java")
    from spark_session import local_session

    session = local_session()
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def _cache_folder(tmp_path_factory, monkeypatch):
    """The command line caches by default: each test's runs (subprocesses too) use a folder
    of their own, never the user's cache nor another test's (a test that patches ftdata
    must not be answered from records another test's runs wrote)."""
    folder = tmp_path_factory.mktemp("ftdata-cache")
    monkeypatch.setenv("FTDATA_CACHE_DIR", str(folder))
    return folder
