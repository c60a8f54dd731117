"""Measure `ftdata validate`'s incremental cache (issue 16) and write RESULTS-cache.md.

    python benchmarks/cache_run.py --size 200MB --reps 3    # a quick check (a few minutes)
    python benchmarks/cache_run.py                          # 2 GB chat JSONL (10-15 minutes)

For structure only (``--no-tokens``) and with DBRX (``--model``), on a copy of the generated
chat corpus, each job a fresh process: a cold run without the cache (``--no-cache``, the
baseline), a cold run into an empty ``--cache-dir``, warm runs on the unchanged file, and
warm runs each after one line in the middle was changed (the rewrite is not timed), then a
cold ``--no-cache`` run on the edited content. Every cached run's JSON report is checked
against the cold ``--no-cache`` report of the same content (cache_jobs.compare). The
pre-commit hook's cold and warm runs on a 200 MB file come from cache_hook.py.
Everything is written under one temporary folder in benchmarks/data, removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cache_edit import edit_middle_line  # noqa: E402
from cache_jobs import bytecode_env, compare, folder_bytes, run_validate  # noqa: E402
from measure import stats  # noqa: E402
from run import DATA, OUT, corpus, environment, machine  # noqa: E402

MODEL = "databricks/dbrx-instruct"


def summary(records: list[dict]) -> dict:
    """Medians and ranges of a job's repetitions (wall, CPU, peak RSS, others busy)."""
    return {
        "wall": stats([r["wall"] for r in records]),
        "cpu": stats([r["cpu"] for r in records]),
        "max_rss_mb": max(r["max_rss_mb"] for r in records),
        "others_busy_cores": max(r["others_busy_cores"] for r in records),
        "runs": records,
    }


def warm_up(work: Path, env: dict, model: str | None) -> None:
    """Untimed runs on a one-line file: every module the jobs import gets its bytecode."""
    tiny = work / "warm-up.jsonl"
    line = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hi"}]}
    tiny.write_text(json.dumps(line) + "\n", encoding="utf-8")
    for cache in (None, work / "warm-up-cache"):
        run_validate(tiny, work / "warm-up.json", env, model=model, cache_dir=cache)


class Mode:
    """The jobs of one mode (structure only, or with a model) on its own copy of the corpus."""

    def __init__(self, name: str, source: Path, work: Path, env: dict, model: str | None):
        self.name, self.model, self.env = name, model, env
        self.folder = work / name
        self.folder.mkdir()
        self.data = self.folder / "chat.jsonl"
        shutil.copyfile(source, self.data)
        self.count = 0

    def job(self, label: str, cache_dir: Path | None) -> dict:
        """One fresh `ftdata validate` run; its report goes to ``label-N.json``."""
        self.count += 1
        report = self.folder / f"{self.count:02d}-{label}.json"
        print(f"  {self.name}: {label}", flush=True)
        record = run_validate(self.data, report, self.env, model=self.model, cache_dir=cache_dir)
        print(f"    {record['wall']:.2f} s wall, {record['cpu']:.2f} s CPU", flush=True)
        return record

    def cold(self, reps: int) -> tuple[list, list, Path]:
        """Alternating cold runs without and with the cache (an empty folder each time)."""
        plain, cached = [], []
        for rep in range(reps):
            plain.append(self.job("cold-nocache", None))
            cache_dir = self.folder / f"cache-{rep}"
            cache_dir.mkdir()
            cached.append(self.job("cold-cache", cache_dir))
            cached[-1]["cache_bytes"] = folder_bytes(cache_dir)
        return plain, cached, cache_dir

    def run(self, reps: int, cold_reps: int) -> dict:
        """Every job of this mode, with the report checks and the cache sizes."""
        size = self.data.stat().st_size
        plain, cached, cache_dir = self.cold(cold_reps)
        baseline = Path(plain[0]["report"])
        warm = [self.job("warm-unchanged", cache_dir) for _ in range(reps)]
        edits, after_edit = [], []
        for rep in range(reps):
            edits.append(edit_middle_line(self.data, "zq" + "abcdefghij"[rep % 10]))
            after_edit.append(self.job("warm-edited", cache_dir))
        final = self.job("cold-nocache-edited", None)
        checks = [compare(Path(r["report"]), baseline) for r in cached + warm]
        checks.append(compare(Path(after_edit[-1]["report"]), Path(final["report"])))
        return {
            "model": self.model,
            "input_bytes": size,
            "cold_nocache": summary(plain),
            "cold_cache": summary(cached),
            "warm_unchanged": summary(warm),
            "warm_edited": summary(after_edit),
            "cold_nocache_edited": summary([final]),
            "cache_bytes": cached[-1]["cache_bytes"],
            "cache_bytes_after_edits": folder_bytes(cache_dir),
            "edits": edits,
            "checks": checks,
        }


def main(argv: list[str] | None = None) -> int:
    """Run the modes and the hook, write the JSON results and RESULTS-cache.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2GB", help="chat corpus size (2GB; 200MB for a check)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of the warm runs")
    parser.add_argument("--cold-reps", type=int, default=1, help="repetitions of the cold runs")
    parser.add_argument("--no-model", action="store_true", help="structure only (no DBRX)")
    parser.add_argument("--no-hook", action="store_true", help="skip the pre-commit hook runs")
    parser.add_argument("--hook-size", default="200MB", help="file size for the hook runs")
    parser.add_argument("--out", default=str(HERE / "RESULTS-cache.md"))
    args = parser.parse_args(argv)
    env = environment()
    env.setdefault("RAYON_NUM_THREADS", str(os.cpu_count() or 1))
    source = corpus("chat", args.size)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results = {"size": args.size, "reps": args.reps, "machine": machine(), "started": started}
    DATA.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cache-bench-", dir=DATA))
    try:
        # Anything a job writes to the default cache folder lands here, where it is seen.
        env["FTDATA_CACHE_DIR"] = str(work / "default-cache")
        env = bytecode_env(env, work / "bytecode")
        modes = [("structure", None)] + ([] if args.no_model else [("model", MODEL)])
        results["modes"] = {}
        for name, model in modes:
            warm_up(work, env, model)
            mode = Mode(name, source, work, env, model)
            results["modes"][name] = mode.run(args.reps, args.cold_reps)
            shutil.rmtree(mode.folder)  # its 2 GB copy and caches are no longer needed
        results["stray_cache_bytes"] = folder_bytes(work / "default-cache")
        if not args.no_hook:
            from cache_hook import measure_hook

            results["hook"] = measure_hook(corpus("chat", args.hook_size), work, args.reps)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results["command"] = "python benchmarks/cache_run.py " + " ".join(argv or sys.argv[1:])
    OUT.mkdir(exist_ok=True)
    (OUT / f"cache-results-{args.size}.json").write_text(json.dumps(results, indent=2))
    from cache_report import write

    write(results, Path(args.out))
    print(Path(args.out).read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
