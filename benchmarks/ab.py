"""A/B a change to ftdata: the working tree against the same tree with some files from a revision.

    python benchmarks/ab.py benchmarks/data/chat-200MB.jsonl --reps 5 \\
        --base b5ed473 --files ftdata/sources/jsonl.py
    python benchmarks/ab.py benchmarks/data/chat-20MB.jsonl --reps 5 --base a9b5d04 \\
        --model databricks/dbrx-instruct

Without ``--files`` the whole ``ftdata/`` package of ``--base`` is the base (for
changes that move modules). With ``--model`` each job is ``tokens_worker.py
ftdata FILE MODEL`` (validation with token counting) instead of the structural
``worker.py ftdata FILE``.

Variant ``base`` is a temporary copy of the current ``ftdata/`` package with
the listed files replaced by their text at ``--base`` (read with ``git show``,
which changes nothing); variant ``work`` is the checkout as it is. Both run
``worker.py ftdata FILE`` alternately in fresh processes, so only the listed
files differ. Prints medians and writes ``benchmarks/out/ab.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from measure import run_job, stats  # noqa: E402


def base_tree(revision: str, files: list[str] | None, into: Path) -> Path:
    """Copy ``ftdata/`` into ``into`` and overwrite ``files`` with their text at ``revision``.

    ``files`` None: the whole package as it was at ``revision`` (``git archive``).
    """
    if files is None:
        archive = subprocess.run(
            ["git", "--no-optional-locks", "archive", revision, "ftdata"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
        return into
    shutil.copytree(ROOT / "ftdata", into / "ftdata", ignore=shutil.ignore_patterns("__pycache__"))
    for name in files:
        text = subprocess.run(
            ["git", "--no-optional-locks", "show", f"{revision}:{name}"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        (into / name).write_bytes(text)
    return into


def measure(
    trees: dict[str, Path],
    path: str,
    reps: int,
    model: str | None = None,
    relaxed: frozenset[str] = frozenset(),
) -> dict:
    """Alternate the variants ``reps`` times (after one warm-up each); collect worker records.

    Variants named in ``relaxed`` run with the command line's relaxed collector.
    """
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    if model is None:
        job = [str(HERE / "worker.py"), "ftdata", path]
    else:
        job = [str(HERE / "tokens_worker.py"), "ftdata", path, model]
    for rep in range(reps + 1):
        for name, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=str(tree))
            if name in relaxed:
                env["FTDATA_BENCH_FEWER_COLLECTIONS"] = "1"
            cmd = [sys.executable, *job]
            record = run_job(cmd, cwd=str(tree), env=env)
            if rep:
                runs[name].append(record)
    return runs


def summarize(runs: dict, megabytes: float) -> dict:
    """Median in-process wall and CPU seconds, MB/s, peak RSS, and the findings summary."""
    out = {}
    for name, records in runs.items():
        wall = stats([r["inner"]["seconds"] for r in records])
        cpu = stats([r["inner"]["cpu_seconds"] for r in records])
        out[name] = {
            "inner_s": wall,
            "inner_cpu_s": cpu,
            "mb_per_s": megabytes / wall["median"],
            "mb_per_cpu_s": megabytes / cpu["median"],
            "max_rss_mb": max(r["max_rss_mb"] for r in records),
            "summary": records[-1]["inner"]["summary"],
        }
    return out


def main() -> int:
    """Command line; exits 1 if the variants' findings summaries differ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--base", required=True, help="git revision holding the old files")
    parser.add_argument(
        "--files", nargs="+", help="paths relative to the root (default: the whole package)"
    )
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--model", help="count tokens with this model (tokens_worker.py)")
    parser.add_argument(
        "--gc-variant", action="store_true", help="add work+gc: the CLI's collector (with --model)"
    )
    args = parser.parse_args()
    target = Path(args.path)
    files = [f for f in target.rglob("*") if f.is_file()] if target.is_dir() else [target]
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"base": base_tree(args.base, args.files, Path(tmp)), "work": ROOT}
        relaxed = frozenset()
        if args.gc_variant:
            if args.model is None:
                parser.error("--gc-variant times token runs: give --model")
            trees["work+gc"] = ROOT
            relaxed = frozenset({"work+gc"})
        runs = measure(trees, str(Path(args.path).resolve()), args.reps, args.model, relaxed)
        result = summarize(runs, megabytes)
    for name, r in result.items():
        print(
            f"{name}: {r['inner_s']['median']:.3f} s ({r['inner_s']['min']:.3f}-"
            f"{r['inner_s']['max']:.3f}), {r['mb_per_s']:.0f} MB/s, "
            f"{r['mb_per_cpu_s']:.0f} MB per CPU s, peak RSS {r['max_rss_mb']:.0f} MB"
        )
    same = result["base"]["summary"] == result["work"]["summary"]
    speed_up = result["base"]["inner_cpu_s"]["median"] / result["work"]["inner_cpu_s"]["median"]
    wall = result["base"]["inner_s"]["median"] / result["work"]["inner_s"]["median"]
    print(
        f"speed-up: {speed_up:.2f}x CPU, {wall:.2f}x wall;",
        "findings summaries identical" if same else "FINDINGS DIFFER",
    )
    (HERE / "out").mkdir(exist_ok=True)
    record = {"path": args.path, "base": args.base, "files": args.files, "model": args.model}
    record.update(result)
    (HERE / "out" / "ab.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
