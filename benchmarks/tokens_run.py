"""Benchmark ftdata's token counting against same-session baselines; writes RESULTS-tokens.md.

    python benchmarks/tokens_run.py                 # 20 MB corpora, 3 repetitions, both models
    python benchmarks/tokens_run.py --size 200MB --reps 1 --big

Every job runs in a fresh subprocess (``tokens_worker.py``; measured by
``measure.py``), jobs on the same file alternate, and every ratio is against a
baseline of the same session. See benchmarks/README.md, "Token counting".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measure import run_job, stats  # noqa: E402
from tokens_report import write_markdown  # noqa: E402

ROOT = HERE.parent
DATA, OUT = HERE / "data", HERE / "out"
MODELS = {"dbrx": "databricks/dbrx-instruct", "mistral": "mistralai/Mistral-7B-Instruct-v0.2"}


def environment() -> dict[str, str]:
    """Child environment: the checkout importable, encoder threads on every core."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("RAYON_NUM_THREADS", str(os.cpu_count() or 1))
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def no_system_corpus(source: Path) -> Path:
    """``source`` without its system messages (Mistral's legacy template rejects them)."""
    target = source.with_name(source.stem + "-nosystem.jsonl")
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    partial = target.with_suffix(".partial")
    with open(source, encoding="utf-8") as src, open(partial, "w", encoding="utf-8") as dst:
        for line in src:
            row = json.loads(line)
            row["messages"] = [m for m in row["messages"] if m.get("role") != "system"]
            dst.write(json.dumps(row, ensure_ascii=False) + "\n")
    partial.rename(target)
    return target


def long_system_corpus(size: str) -> Path:
    """``chat-SIZE-shared400.jsonl``: every chat starts with the same 400-word system prompt."""
    target = DATA / f"chat-{size}-shared400.jsonl"
    if not target.exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "chat",
                str(target),
                "--size",
                size,
                "--shared-system",
                "--system-words",
                "400",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return target


def job(mode: str, path: Path, model: str, env: dict) -> dict:
    """One fresh-process run of the worker."""
    cmd = [sys.executable, str(HERE / "tokens_worker.py"), mode, str(path), model]
    return run_job(cmd, cwd=str(ROOT), env=env)


def alternate(modes: list[str], path: Path, model: str, reps: int, env: dict) -> dict:
    """Run ``modes`` in turn ``reps`` times after one discarded warm-up of the first mode."""
    print(f"  {path.name} {model}: {', '.join(modes)} x{reps}", flush=True)
    job(modes[0], path, model, env)  # warm-up: page cache, bytecode
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(reps):
        for mode in modes:
            runs[mode].append(job(mode, path, model, env))
    return {mode: summarise(records) for mode, records in runs.items()}


def summarise(records: list[dict]) -> dict:
    """Medians (with ranges) of the in-process and whole-process figures of one mode."""
    inner = [r["inner"] for r in records]
    out = {
        "seconds": stats([i["seconds"] for i in inner]),
        "cpu_seconds": stats([i["cpu_seconds"] for i in inner]),
        "wall_s": stats([r["wall"] for r in records]),
        "max_rss_mb": stats([r["max_rss_mb"] for r in records]),
        "others_busy_cores": max(r["others_busy_cores"] for r in records),
    }
    for key in ("load_seconds", "load_cpu_seconds", "render_seconds", "encode_cpu_seconds"):
        if key in inner[0]:
            out[key] = stats([i[key] for i in inner])
    keep = (
        "summary",
        "encoded_texts",
        "cache_hits",
        "tokens",
        "texts",
        "unique_texts",
        "examples_not_planned",
        "messages",
        "sent_texts",
        "sent_chars",
    )
    out.update({k: inner[-1][k] for k in keep if k in inner[-1]})
    return out


def run(args: argparse.Namespace) -> dict:
    """All benchmarks of one session."""
    env = environment()
    chat = DATA / f"chat-{args.size}.jsonl"
    shared = DATA / f"chat-{args.size}-shared.jsonl"
    results: dict = {"size": args.size, "reps": args.reps, "benchmarks": []}
    for key in [] if args.big_only else args.models:
        model = MODELS[key]
        throughput_modes = ["ftdata", "texts", "per-message"]
        if key == "dbrx":  # a tiktoken vocabulary: also its tokenizers twin, the baseline
            throughput_modes += ["texts-hf", "per-message-hf"]
        corpus = no_system_corpus(chat) if key == "mistral" else chat
        results["benchmarks"].append(
            {
                "name": f"throughput-{key}",
                "model": model,
                "path": str(corpus.relative_to(ROOT)),
                "mb": corpus.stat().st_size / 1e6,
                **alternate(throughput_modes, corpus, model, args.reps, env),
            }
        )
        if key == "mistral":  # the corpus with system messages: how many the template rejects
            results["benchmarks"].append(
                {
                    "name": "mistral-with-system",
                    "model": model,
                    "path": str(chat.relative_to(ROOT)),
                    "mb": chat.stat().st_size / 1e6,
                    **alternate(["ftdata"], chat, model, 1, env),
                }
            )
    model = MODELS["dbrx"]
    if args.big_only:
        return big_run(results, model, env)
    for corpus in (shared, long_system_corpus(args.size)):
        results["benchmarks"].append(
            {
                "name": "shared-system",
                "model": model,
                "path": str(corpus.relative_to(ROOT)),
                "mb": corpus.stat().st_size / 1e6,
                **alternate(
                    ["ftdata", "ftdata-nocache", "ftdata-wholetext"], corpus, model, args.reps, env
                ),
            }
        )
    return big_run(results, model, env) if args.big else results


def big_run(results: dict, model: str, env: dict) -> dict:
    """One run of ``ftdata`` on the 2 GB chat file, for its peak RSS."""
    big = DATA / "chat-2GB.jsonl"
    print(f"  {big.name}: one run", flush=True)
    record = job("ftdata", big, model, env)
    results["benchmarks"].append(
        {
            "name": "big",
            "model": model,
            "path": str(big.relative_to(ROOT)),
            "mb": big.stat().st_size / 1e6,
            "ftdata": summarise([record]),
        }
    )
    return results


def machine() -> dict:
    """Where and when the figures were taken."""
    import tokenizers

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "tokenizers": tokenizers.__version__,
        "rayon_threads": environment()["RAYON_NUM_THREADS"],
    }


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, write out/tokens-results.json and RESULTS-tokens.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="20MB", help="corpus size: chat-SIZE[-shared].jsonl")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=sorted(MODELS))
    parser.add_argument(
        "--big", action="store_true", help="add one run on chat-2GB.jsonl (minutes)"
    )
    parser.add_argument("--big-only", action="store_true", help="only the chat-2GB.jsonl run")
    parser.add_argument("--out", default=str(HERE / "RESULTS-tokens.md"))
    args = parser.parse_args(argv)
    results = {"machine": machine(), "command": shlex.join(["python", *sys.argv]), **run(args)}
    OUT.mkdir(exist_ok=True)
    tag = "2GB-memory" if args.big_only else args.size
    (OUT / f"tokens-results-{tag}.json").write_text(json.dumps(results, indent=1))
    write_markdown(results, Path(args.out))
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
