"""RESULTS-tokens.md from the token benchmark's results files (``out/tokens-results-*.json``).

    python benchmarks/tokens_report.py [OUT.md]

Every session's file is rendered, so a 20 MB session with repetitions and a
one-off 2 GB memory run can sit side by side.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _m(figure: dict) -> float:
    return figure["median"]


def _r(figure: dict, digits: int = 2) -> str:
    """Median with its (min-max) range when there were repetitions."""
    if figure.get("n", 1) < 2:
        return f"{figure['median']:.{digits}f}"
    return f"{figure['median']:.{digits}f} ({figure['min']:.{digits}f}–{figure['max']:.{digits}f})"


def _throughput(b: dict) -> list[str]:
    ft, texts, loop = b["ftdata"], b["texts"], b["per-message"]
    work = _m(ft["seconds"]) - _m(ft["load_seconds"])
    ratio_all = _m(texts["seconds"]) / _m(ft["seconds"])
    ratio_work = _m(texts["seconds"]) / work
    speedup = _m(loop["seconds"]) / _m(ft["seconds"])
    cpu_ratio = _m(texts["encode_cpu_seconds"]) / (_m(ft["cpu_seconds"]) - _m(ft["load_cpu_seconds"]))
    return [
        f"### {b['model']} on `{b['path']}` ({b['mb']:.1f} MB)", "",
        "| figure | ftdata.validate | bare encode of ftdata's texts | per-message encode loop |",
        "|---|---|---|---|",
        f"| in-process s (median, range) | {_r(ft['seconds'])} | {_r(texts['seconds'])} (encode only; "
        f"planning {_r(texts['render_seconds'])} apart) | {_r(loop['seconds'])} |",
        f"| of which tokenizer + template load s | {_r(ft['load_seconds'])} | — | — |",
        f"| in-process CPU s | {_r(ft['cpu_seconds'])} | {_r(texts['cpu_seconds'])} (whole run) | "
        f"{_r(loop['cpu_seconds'])} |",
        f"| whole-process wall s | {_r(ft['wall_s'])} | {_r(texts['wall_s'])} | {_r(loop['wall_s'])} |",
        f"| peak RSS MB | {_r(ft['max_rss_mb'], 0)} | {_r(texts['max_rss_mb'], 0)} | "
        f"{_r(loop['max_rss_mb'], 0)} |",
        f"| texts encoded | {ft.get('encoded_texts')} | {texts.get('texts')} "
        f"({texts.get('unique_texts')} distinct) | {loop.get('messages')} messages |",
        f"| tokens | {ft.get('tokens')} (with template tokens, EOS) | — | {loop.get('tokens')} (contents only) |",
        f"| others busy (cores, max) | {ft['others_busy_cores']:.2f} | {texts['others_busy_cores']:.2f} | "
        f"{loop['others_busy_cores']:.2f} |", "",
        f"* **bare encode ÷ ftdata = {ratio_all:.2f}** including the tokenizer load "
        f"({ratio_work:.2f} without it); target ≥ 0.9 → "
        f"{'met' if ratio_all >= 0.9 else ('met without the load' if ratio_work >= 0.9 else 'missed')}.",
        f"* By CPU time (steadier when other processes compete for the cores): bare encode CPU "
        f"{_r(texts['encode_cpu_seconds'])} s ÷ ftdata CPU without the load "
        f"({_m(ft['cpu_seconds']):.2f} − {_m(ft['load_cpu_seconds']):.2f} s) = **{cpu_ratio:.2f}**.",
        f"* **per-message loop ÷ ftdata = {speedup:.2f}×**; target ≥ 2× → "
        f"{'met' if speedup >= 2 else 'missed'}.",
        f"* Findings: {ft['summary'].get('by_code') or 'none'}; "
        f"{texts.get('examples_not_planned', 0)} examples could not be planned (template errors).", "",
    ]


def _shared(b: dict) -> list[str]:
    rows = [("segments at control tokens, kept when seen twice (default)", b["ftdata"]),
            ("off (every text encoded)", b["ftdata-nocache"]),
            ("whole texts, kept on first sight (before)", b["ftdata-wholetext"])]
    off = _m(b["ftdata-nocache"]["seconds"])
    lines = [f"### Shared system prompt: {b['model']} on `{b['path']}` ({b['mb']:.1f} MB)", "",
             "| TokenCache | in-process s | CPU s | speed vs off | texts (or segments) sent to the "
             "encoder | characters sent | served from cache | tokens | peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, r in rows:
        chars = f"{r['sent_chars'] / 1e6:.1f} M" if r.get("sent_chars") else "—"
        lines.append(f"| {label} | {_r(r['seconds'])} | {_r(r['cpu_seconds'])} | "
                     f"{off / _m(r['seconds']):.2f}× | {r.get('sent_texts', r.get('encoded_texts'))} | "
                     f"{chars} | {r.get('cache_hits')} | {r.get('tokens')} | {_r(r['max_rss_mb'], 0)} |")
    return lines + [""]


def _single(b: dict, title: str) -> list[str]:
    r = b["ftdata"]
    mbps = b["mb"] / _m(r["wall_s"])
    lines = [f"### {title}: {b['model']} on `{b['path']}` ({b['mb']:.1f} MB), one run", "",
             f"* in-process {_r(r['seconds'])} s, whole-process wall {_r(r['wall_s'])} s "
             f"({mbps:.1f} MB/s), CPU {_r(r['cpu_seconds'])} s, others busy {r['others_busy_cores']:.2f} "
             f"cores, **peak RSS {_r(r['max_rss_mb'], 0)} MB**",
             f"* findings: {r['summary'].get('by_code')}; rows {r['summary'].get('rows')}; "
             f"tokens {r.get('tokens')}"]
    if title == "Memory":
        ok = _m(r["max_rss_mb"]) < 500
        lines.append(f"* target < 500 MB → {'met' if ok else 'missed'}")
    return lines + [""]


def render(results: dict) -> list[str]:
    """The markdown of one session."""
    m = results["machine"]
    names = {b["name"] for b in results["benchmarks"]}
    what = ("the 2 GB memory run" if names == {"big"}
            else f"{results['size']} corpora, {results['reps']} repetitions")
    lines = [f"## Session {m['date']}: {what}", "",
             f"`{results['command']}` — {m['cpus']} CPUs, Python {m['python']}, tokenizers "
             f"{m['tokenizers']}, RAYON_NUM_THREADS={m['rayon_threads']}, {m['platform']}", ""]
    for b in results["benchmarks"]:
        if b["name"].startswith("throughput"):
            lines += _throughput(b)
        elif b["name"] == "shared-system":
            lines += _shared(b)
        elif b["name"] == "mistral-with-system":
            lines += _single(b, "Mistral legacy template on chats with system messages")
        elif b["name"] == "big":
            lines += _single(b, "Memory")
    return lines


HEADER = """# Token-counting benchmark results

Written by `benchmarks/tokens_run.py` (see benchmarks/README.md, "Token counting").
Medians with (min–max) ranges; every job is a fresh process, jobs on the same file
alternate, and every ratio is against the baseline of the same session.

What ftdata does here (issue 3): known chat templates are cut into turns in plain Python
(`ftdata/tokens/fast_render.py`, byte-identical to the Jinja path, which remains the fallback);
all texts of a batch go to the encoder in one call, pipelined so that the conversion of ids to
Python lists overlaps the encoding of the next chunk; the TokenCache cuts texts at control tokens
where that is exact (cl100k, SentencePiece), so a shared system prompt is encoded once, and keeps
only texts seen at least twice (the former whole-text cache kept every text: 337 MB on 20 MB).

Reading the figures: "others busy" is the CPU other processes used during the run. On this
2-core machine other benchmarks (Spark) ran at the same time, so wall-clock figures carry their
noise; the CPU-time ratio does not depend on it.

Status on 2026-11-27 (sessions below): memory met (2 GB at 275 MB peak; the former cache
reached 854 MB on 200 MB). ≥ 0.9 of bare encoding: met by CPU time (0.94–1.04) and by wall time
on 20 MB DBRX without the 0.65 s tiktoken-to-BPE conversion (0.90); missed by wall time on
200 MB (0.85–0.87) and for Mistral/SentencePiece (0.82–0.84): parsing, rules, planning and
counting (~3 s per 200 MB) still run while the encoder waits. ≥ 2× the per-message loop:
missed (1.26–1.35×). On this machine bare `encode_batch_fast` itself is only 1.56× that loop
(200 MB), and ftdata encodes 14% more tokens (the template's), so 2× is out of reach without
overlapping the Python work with the encoder across batches.
"""


def write_markdown(_: dict | None, path: Path) -> None:
    """Render every ``out/tokens-results-*.json`` into ``path``."""
    files = sorted((HERE / "out").glob("tokens-results-*.json"), key=lambda p: p.stat().st_mtime)
    lines = [HEADER]
    for file in files:
        lines += render(json.loads(file.read_text()))
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    write_markdown(None, Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "RESULTS-tokens.md")
