"""RESULTS-cache.md from cache_run.py's results (``benchmarks/out/cache-results-SIZE.json``).

python benchmarks/cache_report.py benchmarks/out/cache-results-2GB.json [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from report import _hand_measured

JOBS = [
    ("cold_nocache", "cold, `--no-cache` (baseline)"),
    ("cold_cache", "cold, empty `--cache-dir`"),
    ("warm_unchanged", "warm, file unchanged"),
    ("warm_edited", "warm, one line changed before each run"),
    ("cold_nocache_edited", "cold, `--no-cache`, on the edited file"),
]
TITLES = {"structure": "structure only (`--no-tokens`)", "model": "with `--model`"}


def _verdict(wall_ok: bool, cpu_ok: bool) -> str:
    """met / missed on wall time, saying so when CPU time disagrees."""
    if wall_ok == cpu_ok:
        return "**met**" if wall_ok else "**missed**"
    return "**met** on wall time, missed on CPU" if wall_ok else "**missed** (met on CPU time)"


def _speed(mode: dict, job: str) -> tuple[float, float]:
    """How many times faster than the cold `--no-cache` run ``job`` is (wall, CPU medians)."""
    base, fig = mode["cold_nocache"], mode[job]
    return (
        base["wall"]["median"] / fig["wall"]["median"],
        base["cpu"]["median"] / fig["cpu"]["median"],
    )


def goal_rows(results: dict) -> list[str]:
    """One table row per goal of the issue, with the measured figure and the verdict."""
    rows = []
    goals = {"warm_unchanged": ("warm run, file unchanged", {"structure": 100, "model": 100})}
    goals["warm_edited"] = ("warm run after a one-line edit", {"structure": 10, "model": 50})
    for name, mode in results["modes"].items():
        title = TITLES[name]
        base, cold = mode["cold_nocache"], mode["cold_cache"]
        wall = cold["wall"]["median"] / base["wall"]["median"] - 1
        cpu = cold["cpu"]["median"] / base["cpu"]["median"] - 1
        rows.append(
            f"| cold run with an empty cache, {title} | overhead ≤ 5% | "
            f"{wall:+.1%} wall, {cpu:+.1%} CPU | {_verdict(wall <= 0.05, cpu <= 0.05)} |"
        )
        for job, (label, targets) in goals.items():
            speed_wall, speed_cpu = _speed(mode, job)
            target = targets[name]
            rows.append(
                f"| {label}, {title} | ≥ {target}× faster | {speed_wall:.0f}× wall, "
                f"{speed_cpu:.0f}× CPU | {_verdict(speed_wall >= target, speed_cpu >= target)} |"
            )
        # An empty cache folder is no success: the cache went elsewhere or was not written.
        share = mode["cache_bytes"] / mode["input_bytes"]
        rows.append(
            f"| cache size after the cold run, {title} | ≤ 5% of the input | "
            f"{mode['cache_bytes'] / 1e6:.1f} MB = {share:.2%} | "
            f"{'**met**' if 0 < share <= 0.05 else '**missed**'} |"
        )
    checks = [c for mode in results["modes"].values() for c in mode["checks"]]
    same = sum(c["verdict"] == "MATCH" for c in checks)
    rows.append(
        f"| JSON report of every cached run = the cold `--no-cache` report | all MATCH | "
        f"{same} of {len(checks)} MATCH | {'**met**' if same == len(checks) else '**missed**'} |"
    )
    return rows


def job_rows(results: dict) -> list[str]:
    """One table row per job of each mode."""
    rows = []
    for name, mode in results["modes"].items():
        for job, label in JOBS:
            fig = mode[job]
            wall, cpu = fig["wall"], fig["cpu"]
            rows.append(
                f"| {TITLES[name]} | {label} | {wall['n']} | {wall['median']:.2f} "
                f"({wall['min']:.2f}–{wall['max']:.2f}) | {cpu['median']:.2f} | "
                f"{fig['max_rss_mb']:.0f} | {fig['others_busy_cores']:.2f} |"
            )
    return rows


def check_rows(results: dict) -> list[str]:
    """One table row per report check."""
    rows = []
    for name, mode in results["modes"].items():
        for check in mode["checks"]:
            removed = ", ".join(f"`{k}`" for k in check["removed"]) or "none"
            where = f" ({check['where']})" if "where" in check else ""
            rows.append(
                f"| {TITLES[name]} | `{check['report']}` | `{check['reference']}` | "
                f"**{check['verdict']}**{where} | {'yes' if check['raw_identical'] else 'no'} "
                f"| {removed} |"
            )
    return rows


def hook_lines(hook: dict | None) -> list[str]:
    """The pre-commit section (or a note that it was skipped)."""
    if hook is None:
        return ["Not measured in this run (`--no-hook`)."]
    rows = []
    for key, label in (("cold", "cold (empty cache)"), ("warm_edited", "warm, one line changed")):
        fig = hook[key]
        rows.append(
            f"| {label} | {fig['wall']['n']} | {fig['wall']['median']:.2f} "
            f"({fig['wall']['min']:.2f}–{fig['wall']['max']:.2f}) | {fig['cpu']['median']:.2f} "
            f"| {fig['others_busy_cores']:.2f} |"
        )
    speed = hook["cold"]["wall"]["median"] / hook["warm_edited"]["wall"]["median"]
    return [
        "`pre-commit run ftdata-validate --files big.jsonl` on a "
        f"{hook['input_bytes'] / 1e6:.0f} MB chat JSONL, in a temporary git repository whose "
        "`.pre-commit-config.yaml` points at a one-commit copy of this checkout (the real hook "
        "environment, installed by pre-commit in "
        f"{hook['install_s']:.0f} s, not timed below). Cold runs start from an empty cache folder "
        "(`FTDATA_CACHE_DIR`); before each warm run one line in the middle is changed and staged "
        "(not timed). CPU time includes pre-commit's own and its children's.",
        "",
        "| run | runs | wall s, median (range) | CPU s | others busy (cores, max) |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"Warm re-run after a one-line edit: {speed:.1f}× faster than the cold run; "
        f"the cache then holds {hook['cache_bytes'] / 1e6:.1f} MB.",
    ]


def machine_lines(results: dict) -> list[str]:
    """The machine line and the noise notes."""
    m = results["machine"]
    busy = max(
        mode[job]["others_busy_cores"] for mode in results["modes"].values() for job, _ in JOBS
    )
    return [
        f"* Machine: {m['cpus']} CPUs ({m['cpu_model']}), Python {m['python']}; checkout "
        f"{m['git_head']}"
        + (
            f" with local changes in {', '.join(m['ftdata_changes'])}"
            if m["ftdata_changes"]
            else ""
        )
        + f". Load average {m['loadavg_start'][0]:.2f} at the start, "
        f"{m['loadavg_end'][0]:.2f} at the end; other processes used up to {busy:.2f} cores "
        "during a job (from /proc/stat minus the job's own CPU): other engineers share it.",
        "* Every job is a fresh process (`python -m ftdata validate … --quiet --no-config "
        "--format json --output FILE`); wall and CPU (user + system) come from `os.wait4`, "
        "peak RSS from `/usr/bin/time`. The file was just written: it is read from the page "
        "cache.",
        "* The edit appends letters to a word of the line after the middle byte (valid JSON, every "
        "later byte shifts) and the file is rewritten to a sibling and renamed over the old one, "
        "outside the timed span; each warm-edited run follows a different edit.",
        "* Bytecode: an untimed warm-up run compiles every module first, into a temporary "
        "`PYTHONPYCACHEPREFIX` (PYTHONDONTWRITEBYTECODE is dropped for the jobs), as an installed "
        "ftdata has its bytecode; without it each job would compile ~80 modules again (~0.1 s).",
        f"* Cache outside `--cache-dir` (the default folder, pointed at a temp dir): "
        f"{results['stray_cache_bytes']} bytes.",
    ]


def markdown(results: dict) -> str:
    """The whole RESULTS-cache.md."""
    size = results["modes"]["structure"]["input_bytes"] / 1e9
    return "\n".join(
        [
            "# The incremental cache of `ftdata validate` (issue 16)",
            "",
            f"Produced by `{results['command'].strip()}` from {results['started']} to "
            f"{results['finished']}, on a {size:.2f} GB generated chat JSONL "
            "(`generate.py`, seed 1234) copied to a temporary folder; the model is "
            "`databricks/dbrx-instruct` (tiktoken vocabulary, offline). Speed-ups are against "
            "the cold `--no-cache` run of the same session; machine-readable figures: "
            f"`benchmarks/out/cache-results-{results['size']}.json`.",
            "",
            "## Goals",
            "",
            "| goal | target | measured | verdict |",
            "|---|---|---|---|",
            *goal_rows(results),
            "",
            "## Jobs",
            "",
            "| mode | job | runs | wall s, median (range) | CPU s, median | peak RSS MB | "
            "others busy (cores, max) |",
            "|---|---|---|---|---|---|---|",
            *job_rows(results),
            "",
            "## Report checks",
            "",
            "Each cached run's `--format json` report against the cold `--no-cache` report of the "
            "same content (the first cold run; for the edited file, the last warm run against a "
            "cold `--no-cache` run on the final content), compared after dropping the fields "
            "listed (matched by key name in `cache_jobs.RUN_DEPENDENT`).",
            "",
            "| mode | report | reference | verdict | bytes identical as written | fields dropped |",
            "|---|---|---|---|---|---|",
            *check_rows(results),
            "",
            "## The pre-commit hook",
            "",
            *hook_lines(results.get("hook")),
            "",
            "## Machine and caveats",
            "",
            *machine_lines(results),
            "",
        ]
    )


def write(results: dict, path: Path) -> None:
    """Write RESULTS-cache.md, keeping the hand-measured notes at the end of the old file."""
    path.write_text(markdown(results) + _hand_measured(path), encoding="utf-8")


def main() -> None:
    """Re-render RESULTS-cache.md from a results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "RESULTS-cache.md"))
    args = parser.parse_args()
    results = json.loads(Path(args.results).read_text(encoding="utf-8"))
    write(results, Path(args.out))


if __name__ == "__main__":
    main()
