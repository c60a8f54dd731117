"""The pre-commit hook's re-run time on a large file after a one-line edit (issue 16).

In a temporary git repository whose ``.pre-commit-config.yaml`` points at a one-commit
copy of this checkout (hook_run.snapshot), with one large chat JSONL committed:
``pre-commit run ftdata-validate --files big.jsonl`` cold (an empty cache folder, given
through ``FTDATA_CACHE_DIR``, each repetition), then warm, each time after one line in
the middle was changed and staged (the edit and ``git add`` are not timed), as before a
commit. The hook's environment is installed first (``pre-commit install-hooks``, timed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from cache_edit import edit_middle_line
from cache_jobs import bytecode_env, folder_bytes
from hook_run import git, snapshot
from measure import run_once, stats

HOOK = "ftdata-validate"


def project(root: Path, source: Path, repo: Path, rev: str) -> Path:
    """A git repository holding a copy of ``source`` as big.jsonl and the hook's config."""
    root.mkdir()
    big = root / "big.jsonl"
    with open(source, "rb") as src, open(big, "wb") as dst:
        while block := src.read(1 << 20):
            dst.write(block)
    (root / "small.jsonl").write_bytes(_first_line(source))
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo}\n  rev: {rev}\n  hooks:\n  - id: {HOOK}\n", encoding="utf-8"
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")
    return big


def _first_line(path: Path) -> bytes:
    """The first line of ``path`` (the warm-up run's file)."""
    with open(path, "rb") as handle:
        return handle.readline()


def _hook_run(root: Path, env: dict, cache: Path, name: str = "big.jsonl") -> dict:
    """One ``pre-commit run`` of the hook on ``name``, with ``cache`` as ftdata's cache."""
    cmd = [sys.executable, "-m", "pre_commit", "run", HOOK, "--files", name]
    record = run_once(cmd, cwd=str(root), env={**env, "FTDATA_CACHE_DIR": str(cache)})
    # "Passed" proves the hook ran on the file (pre-commit says "Skipped" when no file matches).
    if record["returncode"] != 0 or "Passed" not in record["stdout"]:
        raise RuntimeError(f"pre-commit exited {record['returncode']}: {record['stdout'][-2000:]}")
    record.pop("stdout")
    print(f"  hook: {record['wall']:.2f} s wall, {record['cpu']:.2f} s CPU", flush=True)
    return record


def _summary(records: list[dict]) -> dict:
    """Median wall and CPU of the repetitions, with the worst contention seen."""
    return {
        "wall": stats([r["wall"] for r in records]),
        "cpu": stats([r["cpu"] for r in records]),
        "others_busy_cores": max(r["others_busy_cores"] for r in records),
    }


def measure_hook(source: Path, work: Path, reps: int) -> dict:
    """Install the hook, then its cold and warm (one line edited) runs on a copy of ``source``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env |= {"PRE_COMMIT_COLOR": "never", "PRE_COMMIT_HOME": str(work / "pre-commit-home")}
    env = bytecode_env(env, work / "hook-bytecode")
    repo = work / "hook-repo"
    repo.mkdir()
    rev = snapshot(repo)
    root = work / "hook-project"
    big = project(root, source, repo, rev)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install-hooks"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    install_s = time.perf_counter() - start
    _hook_run(root, env, work / "hook-cache-warm-up", "small.jsonl")  # compiles the bytecode
    cold = []
    for rep in range(reps):
        cache = work / f"hook-cache-{rep}"
        cache.mkdir()
        cold.append(_hook_run(root, env, cache))
    warm = []
    for rep in range(reps):
        edit_middle_line(big, "zq" + "abcdefghij"[rep % 10])
        git(root, "add", "big.jsonl")
        warm.append(_hook_run(root, env, cache))
    return {
        "input_bytes": big.stat().st_size,
        "install_s": install_s,
        "cold": _summary(cold),
        "warm_edited": _summary(warm),
        "cache_bytes": folder_bytes(cache),
    }
