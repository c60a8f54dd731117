"""What the structure-only pre-commit hook costs: start-up, a hook run, and its first install.

Measured on this checkout, in fresh processes, with the CPU time other processes used at
the same time (a shared machine makes wall times noisy; the median is reported):

* ``python -c pass``: the interpreter's own start, the floor of any Python hook;
* ``ftdata validate --no-tokens small.jsonl`` (the hook's command) over a 3-line file;
* ``pre-commit run ftdata-validate --all-files`` in a small git repository whose
  ``.pre-commit-config.yaml`` points at a one-commit copy of this checkout;
* the hook's first ``pre-commit install-hooks``: wall time and the size of the
  environment pre-commit builds (it pip-installs ftdata with every core dependency).

Usage: ``python benchmarks/hook_run.py [--reps N] [--out benchmarks/RESULTS-hook.md]``.
Needs git and pre-commit (the test extra installs both).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINES = [
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]},
    {"prompt": "What is 2+2?", "response": "4"},
]


def timed(cmd: list[str], cwd: Path, env: dict[str, str], reps: int) -> dict:
    """Wall time (median, range) and CPU time (median) of ``cmd`` over ``reps`` fresh runs.

    The CPU time (user + system of the process and its children) hardly changes when
    other processes load the machine; the wall time does.
    """
    walls, cpus = [], []
    for _ in range(reps):
        start = time.perf_counter()
        child = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, _, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
    return {
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "cpu_s": statistics.median(cpus),
        "reps": reps,
    }


def folder_mb(path: Path) -> float:
    """Bytes on disk under ``path``, in MB."""
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1e6


def git(cwd: Path, *args: str) -> str:
    """Run git quietly with a fixed identity; return its output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout


def snapshot(target: Path) -> str:
    """A one-commit git copy of this checkout's tracked files; return its commit."""
    listed = git(ROOT, "ls-files", "-z").split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    return git(target, "rev-parse", "HEAD").strip()


def user_project(root: Path, repo: Path, rev: str) -> None:
    """A small repository with one data file, configured to use the structure hook."""
    (root / "data").mkdir(parents=True)
    (root / "data" / "small.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in LINES[:1] * 3), encoding="utf-8"
    )
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo}\n  rev: {rev}\n  hooks:\n  - id: ftdata-validate\n",
        encoding="utf-8",
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")


def measure(reps: int) -> dict:
    """Every figure of the hook benchmark."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["PRE_COMMIT_COLOR"] = "never"
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ftdata-hook-bench-") as tmp:
        tmp_path = Path(tmp)
        repo, project, home = tmp_path / "repo", tmp_path / "project", tmp_path / "home"
        repo.mkdir()
        rev = snapshot(repo)
        user_project(project, repo, rev)
        env["PRE_COMMIT_HOME"] = str(home)
        pre_commit = [sys.executable, "-m", "pre_commit"]
        start = time.perf_counter()
        subprocess.run(
            [*pre_commit, "install-hooks"], cwd=project, env=env, check=True, capture_output=True
        )
        install_s = time.perf_counter() - start
        envs = [p for p in home.iterdir() if p.is_dir()]
        hook_python = next(home.rglob("py_env-*/bin/python"))
        ftdata = str(hook_python.parent / "ftdata")
        figures = {
            "python -c pass": timed([str(hook_python), "-c", "pass"], project, env, reps),
            "ftdata validate --no-tokens small.jsonl": timed(
                [ftdata, "validate", "--no-tokens", "data/small.jsonl"], project, env, reps
            ),
            "pre-commit run ftdata-validate --all-files": timed(
                [*pre_commit, "run", "ftdata-validate", "--all-files"], project, env, reps
            ),
        }
        return {
            "load": load,
            "first_install_s": install_s,
            "hook_env_mb": sum(folder_mb(p) for p in envs),
            "runs": figures,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        }


def markdown(results: dict) -> str:
    """RESULTS-hook.md from the measured figures."""
    rows = "\n".join(
        f"| `{name}` | {fig['cpu_s'] * 1000:.0f} ms | {fig['median_s'] * 1000:.0f} ms | "
        f"{fig['min_s'] * 1000:.0f}-{fig['max_s'] * 1000:.0f} ms | {fig['reps']} |"
        for name, fig in results["runs"].items()
    )
    install = results["first_install_s"]
    return f"""# The structure-only pre-commit hook

Measured by `python benchmarks/hook_run.py` (Python {results["python"]}, {results["cpus"]} cores,
a shared machine, load average {results["load"]:.1f} at the start: medians of fresh processes; the
commands run inside the hook's own environment). CPU time is user + system time of the process and
its children; it barely moves with the load of other processes, while wall time does.

| command | CPU time (median) | wall time (median) | wall range | runs |
| --- | --- | --- | --- | --- |
{rows}

First `pre-commit install-hooks` of `ftdata-validate` (pip installs ftdata and every core
dependency into the hook's environment, wheels from a local cache): {install:.0f} s;
the environment takes {results["hook_env_mb"]:.0f} MB on disk.
"""


def main() -> None:
    """Measure and write the results (Markdown, and JSON beside it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS-hook.md"))
    args = parser.parse_args()
    results = measure(args.reps)
    Path(args.out).write_text(markdown(results), encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
