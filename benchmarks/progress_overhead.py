"""The cost of the progress bar: ``validate`` with and without it, alternated in fresh processes.

    python benchmarks/progress_overhead.py benchmarks/data/chat-50MB.jsonl --reps 7

Runs ``worker.py ftdata`` and ``worker.py ftdata-progress`` (the command line's
bar, drawn to /dev/null) alternately and prints the median CPU and wall seconds
of the validation itself (imports excluded; tqdm's one-off import is printed
apart) and the overhead; fails if the findings summaries differ.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from measure import run_job, stats  # noqa: E402

MODES = ("ftdata", "ftdata-progress")


def tick_cost(count: int = 200_000) -> float:
    """CPU seconds of one bar update (what every batch adds), measured in this process."""
    sys.path.insert(0, str(ROOT))
    import time

    from ftdata.progress import ProgressBar, Tick

    with open(os.devnull, "w", encoding="utf-8") as sink:
        bar = ProgressBar("validate", sink)
        bar(Tick("warm-up", 0, count, "B"))
        start = time.process_time()
        for done in range(1, count + 1):
            bar(Tick("a-source.jsonl", done, count, "B"))
        spent = time.process_time() - start
        bar.close()
    return spent / count


def main() -> int:
    """Command line; prints the medians and the overhead, exit 1 if the results differ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for rep in range(args.reps + 1):  # the first round warms the page cache and .pyc files
        for mode in MODES:
            cmd = [sys.executable, str(HERE / "worker.py"), mode, str(Path(args.path).resolve())]
            record = run_job(cmd, cwd=str(ROOT), env=env)["inner"]
            if rep:
                runs[mode].append(record)
    cpu = {m: stats([r["work_cpu_seconds"] for r in runs[m]]) for m in MODES}
    wall = {m: stats([r["seconds"] for r in runs[m]]) for m in MODES}
    for mode in MODES:
        print(
            f"{mode}: CPU {cpu[mode]['median']:.3f} s ({cpu[mode]['min']:.3f}-"
            f"{cpu[mode]['max']:.3f}), wall {wall[mode]['median']:.3f} s"
        )
    overhead = cpu["ftdata-progress"]["median"] / cpu["ftdata"]["median"] - 1
    best = cpu["ftdata-progress"]["min"] / cpu["ftdata"]["min"] - 1
    print(
        f"overhead: {overhead:+.2%} of CPU (medians), {best:+.2%} (minimums); "
        "tqdm import once: "
        f"{stats([r['import_seconds'] for r in runs['ftdata-progress']])['median']:.3f} s"
    )
    # On a shared machine the difference of two noisy medians can hide or invent 1%; the
    # bar's real cost is its updates: ticks per run x the CPU of one update.
    ticks = runs["ftdata-progress"][-1]["ticks"]
    per_tick = tick_cost()
    estimate = ticks * per_tick / cpu["ftdata"]["median"]
    print(
        f"{ticks} updates x {per_tick * 1e6:.1f} us = {ticks * per_tick * 1e3:.2f} ms: "
        f"{estimate:.3%} of the run's CPU"
    )
    same = runs["ftdata"][-1]["summary"] == runs["ftdata-progress"][-1]["summary"]
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
