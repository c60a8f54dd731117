"""The jobs of the cache benchmark: one `ftdata validate` in a fresh process, and report checks.

A job writes its JSON report to a file (``--format json --output``); the check drops the
run-dependent fields of two reports (:data:`RUN_DEPENDENT`, matched on key names) and
compares what is left byte for byte, as the same serialisation of both.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from measure import run_once

# Key names whose values depend on the run rather than on the data: timings, clocks and
# the cache's own hit/miss counts. Which keys matched is recorded with every check.
RUN_DEPENDENT = re.compile(
    r"(elapsed|seconds|duration|timestamp|started|finished|wall|_time$|^time$|^cache$)",
    re.IGNORECASE,
)


def bytecode_env(env: dict, folder: Path) -> dict:
    """``env`` with bytecode written to (and read from) ``folder``.

    An installed ftdata has its bytecode compiled at install time; with
    PYTHONDONTWRITEBYTECODE (set on some machines) every job would compile the
    ~80 modules it imports again (~0.1 s), which weighs on a warm run. The prefix
    keeps that bytecode out of the checkout and out of shared environments.
    """
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(folder)}


def validate_cmd(path: Path, report: Path, *, model: str | None, cache_dir: Path | None) -> list:
    """``ftdata validate``, JSON report to ``report``; ``--no-cache`` when ``cache_dir`` is None."""
    # --no-config: no [tool.ftdata] found above the data folder can change the settings.
    cmd = [sys.executable, "-m", "ftdata", "validate", str(path), "--quiet", "--no-config"]
    cmd += ["--format", "json", "--output", str(report)]
    cmd += ["--model", model] if model else ["--no-tokens"]
    cmd += ["--cache-dir", str(cache_dir)] if cache_dir is not None else ["--no-cache"]
    return cmd


def run_validate(
    path: Path, report: Path, env: dict, *, model: str | None, cache_dir: Path | None
) -> dict:
    """Run one job (see :func:`measure.run_once`); raise unless it exited 0 or 1 (findings)."""
    record = run_once(
        validate_cmd(path, report, model=model, cache_dir=cache_dir), cwd=str(path.parent), env=env
    )
    if record["returncode"] not in (0, 1) or not report.exists():
        raise RuntimeError(f"validate {path} exited {record['returncode']}: {record['stderr']}")
    record.pop("stdout")
    record["report"] = str(report)
    return record


def _strip(value, path: str, removed: set[str]):
    """``value`` without run-dependent keys (recursively); their paths go into ``removed``."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            where = f"{path}.{key}"
            if RUN_DEPENDENT.search(key):
                removed.add(re.sub(r"\[\d+\]", "[]", where))
            else:
                kept[key] = _strip(item, where, removed)
        return kept
    if isinstance(value, list):
        return [_strip(item, f"{path}[{i}]", removed) for i, item in enumerate(value)]
    return value


def normalized(report: Path) -> tuple[bytes, set[str]]:
    """The report re-serialised without run-dependent keys, and the key paths dropped."""
    removed: set[str] = set()
    data = _strip(json.loads(report.read_bytes()), "", removed)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), removed


def _first_difference(a, b, path: str = "") -> str:
    """Path of the first place two JSON values differ (for the DIFF message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path} keys {sorted(set(a) ^ set(b)) or 'order'}"
        for key in a:
            if a[key] != b[key]:
                return _first_difference(a[key], b[key], f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {str(a)[:80]!r} vs {str(b)[:80]!r}"


def compare(report: Path, reference: Path) -> dict:
    """MATCH or DIFF between two reports once run-dependent keys are dropped."""
    mine, removed = normalized(report)
    theirs, removed_ref = normalized(reference)
    check = {
        "report": report.name,
        "reference": reference.name,
        "verdict": "MATCH" if mine == theirs else "DIFF",
        "removed": sorted(removed | removed_ref),
        "raw_identical": report.read_bytes() == reference.read_bytes(),
    }
    if mine != theirs:
        check["where"] = _first_difference(json.loads(mine), json.loads(theirs))
    return check


def folder_bytes(path: Path) -> int:
    """Bytes of every regular file under ``path`` (0 if it does not exist)."""
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
