"""Benchmark of ``ftdata prepare`` to MDS with tokenization; writes benchmarks/RESULTS-prepare.md.

    python benchmarks/prepare_run.py                       # chat-20MB.jsonl, 3 repetitions, DBRX
    python benchmarks/prepare_run.py --size 200MB --reps 3
    python benchmarks/prepare_run.py --big --reps 1        # chat-2GB.jsonl: peak RSS (minutes)

Every job is a fresh process (this file with ``--job``), measured from outside
with ``os.wait4`` (peak RSS of that child only); jobs on one file alternate
after a discarded warm-up. Jobs:

* ``prepare``: ``ftdata.prepare(path, out=tmp, format="mds", model=M)`` end to
  end; the tokenizer + template load is timed apart (a first ``TokenStage``).
* ``encode``: the chats planned exactly as ftdata plans them (same template,
  same turn texts; not timed), then only the bare ``tokenizers``
  ``Tokenizer.encode_batch`` (which computes offsets) over those texts, in
  batches of the JSONL source's size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = "databricks/dbrx-instruct"
BATCH_ROWS = 256


def job_prepare(path: str, model: str) -> dict:
    """Time ``ftdata.prepare`` to MDS; the load is measured apart, before."""
    import ftdata
    from ftdata.tokens.counting.batches import TokenSettings, TokenStage

    start = time.perf_counter()
    TokenStage(TokenSettings(model=model))
    load = time.perf_counter() - start
    out = Path(tempfile.mkdtemp(prefix="ftdata-prepare-bench-")) / "out"
    start, cpu = time.perf_counter(), time.process_time()
    done = ftdata.prepare(path, out=out, format="mds", model=model)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    shard_bytes = sum(s["bytes"] for s in done.manifest["shards"])
    shutil.rmtree(out.parent)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "load_seconds": load,
        "examples": done.manifest["examples"],
        "tokens": done.manifest["tokens"]["written"],
        "shards": len(done.manifest["shards"]),
        "shard_bytes": shard_bytes,
        "findings": done.result.by_code,
    }


def job_encode(path: str, model: str) -> dict:
    """Plan as ftdata does (untimed), then time the bare encode_batch with offsets."""
    import orjson

    from ftdata.tokens.counting.batches import Outcome, TokenSettings, TokenStage

    stage = TokenStage(TokenSettings(model=model))
    batches, batch, rows = [], [], 0
    start = time.perf_counter()
    with open(path, "rb") as handle:
        for line in handle:
            plan = stage._plan("chat", orjson.loads(line), Outcome())  # noqa: SLF001 (same texts)
            if plan is not None:
                batch += plan.texts
            rows += 1
            if rows % BATCH_ROWS == 0:
                batches.append(batch)
                batch = []
    batches.append(batch)
    planning = time.perf_counter() - start
    from tokens_worker import _hf_tokenizer

    # The tokenizers.Tokenizer itself (for a tiktoken vocabulary, its exact BPE twin).
    encoder = _hf_tokenizer(stage.tokenizer)
    start, cpu = time.perf_counter(), time.process_time()
    tokens = 0
    for texts in batches:
        tokens += sum(len(e.ids) for e in encoder.encode_batch(texts, add_special_tokens=False))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "planning_seconds": planning,
        "tokens": tokens,
        "texts": sum(map(len, batches)),
    }


def run_job(kind: str, path: Path, model: str) -> dict:
    """One job in a fresh process: its JSON line plus wall time and peak RSS from outside."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("RAYON_NUM_THREADS", str(os.cpu_count() or 1))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--job", kind, str(path), model], stdout=subprocess.PIPE, env=env
    )
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"{kind} job failed with status {status}")
    record = json.loads(output.decode().strip().splitlines()[-1])
    record.update(wall=time.perf_counter() - start, rss_mb=usage.ru_maxrss / 1024)
    return record


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _fig(runs: list[dict], key: str) -> str:
    values = [r[key] for r in runs]
    return f"{_median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def speed_section(path: Path, model: str, reps: int) -> str:
    """Alternate prepare and bare-encode jobs; the markdown of the figures."""
    run_job("prepare", path, model), run_job("encode", path, model)  # warm-up, discarded
    prep, enc = [], []
    for _ in range(reps):
        prep.append(run_job("prepare", path, model))
        enc.append(run_job("encode", path, model))
    ratio = _median([r["seconds"] for r in enc]) / _median([r["seconds"] for r in prep])
    bare = _median([r["seconds"] for r in prep]) - _median([r["load_seconds"] for r in prep])
    ratio_no_load = _median([r["seconds"] for r in enc]) / bare
    size_mb = path.stat().st_size / 1e6
    first = prep[0]
    return "\n".join(
        [
            f"### {model} on `{path.relative_to(ROOT)}` ({size_mb:.1f} MB), {reps} repetitions",
            "",
            "| figure | ftdata.prepare → MDS (tokenized) "
            "| bare `encode_batch` (offsets) of the same texts |",
            "|---|---|---|",
            f"| in-process s (median, range) | {_fig(prep, 'seconds')} | {_fig(enc, 'seconds')} "
            f"(planning {_fig(enc, 'planning_seconds')} apart) |",
            f"| of which tokenizer + template load s | {_fig(prep, 'load_seconds')} | — |",
            f"| in-process CPU s | {_fig(prep, 'cpu')} | {_fig(enc, 'cpu')} |",
            f"| whole-process wall s | {_fig(prep, 'wall')} | {_fig(enc, 'wall')} |",
            f"| peak RSS MB | {_fig(prep, 'rss_mb')} | {_fig(enc, 'rss_mb')} |",
            f"| tokens | {first['tokens']} written (turn ids) | {enc[0]['tokens']} "
            f"({enc[0]['texts']} texts) |",
            "",
            f"* **bare encode ÷ prepare = {ratio:.2f}** (wall, in-process, prepare including its "
            f"tokenizer load); {ratio_no_load:.2f} without the load. Target ≥ 0.6 → "
            f"{'met' if ratio >= 0.6 else 'missed'}.",
            f"* Examples: {json.dumps(first['examples']['written_by_split'])} written, "
            f"{first['examples']['left_out']} left out; {first['shards']} shards, "
            f"{first['shard_bytes'] / 1e6:.1f} MB (zstd); "
            f"findings {json.dumps(first['findings'])}.",
            "",
        ]
    )


def memory_section(path: Path, model: str) -> str:
    """One prepare run on the big file: peak RSS and throughput."""
    record = run_job("prepare", path, model)
    size_mb = path.stat().st_size / 1e6
    return "\n".join(
        [
            f"### Memory: {model} on `{path.relative_to(ROOT)}` ({size_mb:.1f} MB), one run",
            "",
            f"* in-process {record['seconds']:.1f} s, whole-process wall {record['wall']:.1f} s "
            f"({size_mb / record['wall']:.1f} MB/s), CPU {record['cpu']:.1f} s, "
            f"**peak RSS {record['rss_mb']:.0f} MB**",
            f"* examples written {record['examples']['written']}, tokens {record['tokens']}, "
            f"{record['shards']} shards ({record['shard_bytes'] / 1e6:.1f} MB)",
            f"* target < 700 MB → {'met' if record['rss_mb'] < 700 else 'missed'}",
            "",
        ]
    )


def main() -> None:
    """Run the chosen benchmark and append a session to RESULTS-prepare.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--job", nargs=3, metavar=("KIND", "PATH", "MODEL"), help=argparse.SUPPRESS)
    parser.add_argument("--size", default="20MB")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--big", action="store_true", help="only the 2 GB memory run")
    args = parser.parse_args()
    if args.job:
        kind, path, model = args.job
        print(json.dumps((job_prepare if kind == "prepare" else job_encode)(path, model)))
        return
    data = HERE / "data"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cmd = "python benchmarks/prepare_run.py " + " ".join(sys.argv[1:])
    import tokenizers

    header = [
        f"## Session {when}",
        "",
        f"`{cmd.strip()}` — {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"tokenizers {tokenizers.__version__}, {platform.platform()}",
        "",
    ]
    if args.big:
        body = memory_section(data / "chat-2GB.jsonl", args.model)
    else:
        body = speed_section(data / f"chat-{args.size}.jsonl", args.model, args.reps)
    results = HERE / "RESULTS-prepare.md"
    if not results.exists():
        results.write_text(
            "# prepare benchmark results\n\nWritten by `benchmarks/prepare_run.py` "
            '(see benchmarks/README.md, "prepare").\n\n',
            "utf-8",
        )
    with results.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(header) + "\n" + body + "\n")


if __name__ == "__main__":
    main()
