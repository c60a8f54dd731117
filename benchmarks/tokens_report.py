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


def _cols(b: dict) -> list[tuple[str, dict]]:
    names = [
        ("ftdata.validate", "ftdata"),
        ("bare batch encode, ftdata's encoder", "texts"),
        ("bare `encode_batch_fast` (tokenizers)", "texts-hf"),
        ("per-message loop, ftdata's encoder", "per-message"),
        ("per-message loop, tokenizers `encode`", "per-message-hf"),
    ]
    return [(label, b[key]) for label, key in names if key in b]


def _row(label: str, cols, cell) -> str:
    return f"| {label} | " + " | ".join(cell(r) for _, r in cols) + " |"


def _throughput(b: dict) -> list[str]:
    ft, texts, loop = b["ftdata"], b["texts"], b["per-message"]
    cols = _cols(b)
    work = _m(ft["seconds"]) - _m(ft["load_seconds"])
    lines = [
        f"### {b['model']} on `{b['path']}` ({b['mb']:.1f} MB)",
        "",
        "| figure | " + " | ".join(label for label, _ in cols) + " |",
        "|---|" + "---|" * len(cols),
        _row("in-process s (median, range)", cols, lambda r: _r(r["seconds"])),
        _row(
            "planning s (timed apart)",
            cols,
            lambda r: _r(r["render_seconds"]) if "render_seconds" in r else "—",
        ),
        _row(
            "tokenizer + template load s",
            cols,
            lambda r: _r(r["load_seconds"]) if "load_seconds" in r else "—",
        ),
        _row("in-process CPU s (whole run)", cols, lambda r: _r(r["cpu_seconds"])),
        _row("whole-process wall s", cols, lambda r: _r(r["wall_s"])),
        _row("peak RSS MB", cols, lambda r: _r(r["max_rss_mb"], 0)),
        _row(
            "texts or messages encoded",
            cols,
            lambda r: str(r.get("encoded_texts") or r.get("texts") or r.get("messages")),
        ),
        _row("tokens", cols, lambda r: str(r.get("tokens", "—"))),
        _row("others busy (cores, max)", cols, lambda r: f"{r['others_busy_cores']:.2f}"),
        "",
    ]
    hf = b.get("texts-hf")
    if hf is not None:
        ratio = _m(hf["seconds"]) / _m(ft["seconds"])
        lines.append(
            f"* **bare `encode_batch_fast` ÷ ftdata = {ratio:.2f}** (the issue's baseline; "
            f"{_m(hf['seconds']) / work:.2f} without the load); target ≥ 0.9 → "
            f"{'met' if ratio >= 0.9 else 'missed'}."
        )
    own = _m(texts["seconds"]) / _m(ft["seconds"])
    lines.append(
        f"* bare batch encode with ftdata's own encoder ÷ ftdata = **{own:.2f}** "
        f"({_m(texts['seconds']) / work:.2f} without the load)"
        + (
            "; target ≥ 0.9 → " + ("met" if own >= 0.9 else "missed")
            if hf is None
            else ": what parsing, rules, planning and counting cost over the encoder"
        )
        + "."
    )
    loop_hf = b.get("per-message-hf")
    if loop_hf is not None:
        speedup = _m(loop_hf["seconds"]) / _m(ft["seconds"])
        lines.append(
            f"* **per-message `tokenizers` loop ÷ ftdata = {speedup:.2f}×**; target ≥ 2× → "
            f"{'met' if speedup >= 2 else 'missed'}."
        )
    speedup = _m(loop["seconds"]) / _m(ft["seconds"])
    lines.append(
        f"* per-message loop with ftdata's encoder ÷ ftdata = **{speedup:.2f}×**"
        + ("; target ≥ 2× → " + ("met" if speedup >= 2 else "missed") if loop_hf is None else "")
        + "."
    )
    lines.append(
        f"* Findings: {ft['summary'].get('by_code') or 'none'}; "
        f"{texts.get('examples_not_planned', 0)} examples could not be planned "
        "(template errors)."
    )
    return lines + [""]


def _shared(b: dict) -> list[str]:
    rows = [
        ("segments at control tokens, kept when seen twice (default)", b["ftdata"]),
        ("off (every text encoded)", b["ftdata-nocache"]),
        ("whole texts, kept on first sight (before)", b["ftdata-wholetext"]),
    ]
    off = _m(b["ftdata-nocache"]["seconds"])
    lines = [
        f"### Shared system prompt: {b['model']} on `{b['path']}` ({b['mb']:.1f} MB)",
        "",
        "| TokenCache | in-process s | CPU s | speed vs off | texts (or segments) sent to the "
        "encoder | characters sent | served from cache | tokens | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        chars = f"{r['sent_chars'] / 1e6:.1f} M" if r.get("sent_chars") else "—"
        lines.append(
            f"| {label} | {_r(r['seconds'])} | {_r(r['cpu_seconds'])} | "
            f"{off / _m(r['seconds']):.2f}× | {r.get('sent_texts', r.get('encoded_texts'))} | "
            f"{chars} | {r.get('cache_hits')} | {r.get('tokens')} | {_r(r['max_rss_mb'], 0)} |"
        )
    return lines + [""]


def _single(b: dict, title: str) -> list[str]:
    r = b["ftdata"]
    mbps = b["mb"] / _m(r["wall_s"])
    lines = [
        f"### {title}: {b['model']} on `{b['path']}` ({b['mb']:.1f} MB), one run",
        "",
        f"* in-process {_r(r['seconds'])} s, whole-process wall {_r(r['wall_s'])} s "
        f"({mbps:.1f} MB/s), CPU {_r(r['cpu_seconds'])} s, "
        f"others busy {r['others_busy_cores']:.2f} cores, **peak RSS {_r(r['max_rss_mb'], 0)} MB**",
        f"* findings: {r['summary'].get('by_code')}; rows {r['summary'].get('rows')}; "
        f"tokens {r.get('tokens')}",
    ]
    if title == "Memory":
        ok = _m(r["max_rss_mb"]) < 500
        lines.append(f"* target < 500 MB → {'met' if ok else 'missed'}")
    return lines + [""]


def render(results: dict) -> list[str]:
    """The markdown of one session."""
    m = results["machine"]
    names = {b["name"] for b in results["benchmarks"]}
    what = (
        "the 2 GB memory run"
        if names == {"big"}
        else f"{results['size']} corpora, {results['reps']} repetitions"
    )
    lines = [
        f"## Session {m['date']}: {what}",
        "",
        f"`{results['command']}` — {m['cpus']} CPUs, Python {m['python']}, tokenizers "
        f"{m['tokenizers']}, RAYON_NUM_THREADS={m['rayon_threads']}, {m['platform']}",
        "",
    ]
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
alternate, and every ratio is against the baselines of the same session.

What ftdata does here (issue 3): known chat templates are cut into turns in plain Python
(`ftdata/tokens/chat_templates/fast_render.py`, byte-identical to the Jinja path, the fallback);
tiktoken vocabularies (DBRX) are encoded with tiktoken itself, each thread's texts joined into one
call by a private separator token, one encoding per thread; SentencePiece ones (Mistral) with
sentencepiece's threaded batch call; batch k is encoded on a worker thread while batch k+1 is
parsed, checked and planned (`ftdata/token_pipeline.py`); the TokenCache cuts texts at control
tokens where that is exact, so a shared system prompt is encoded once, and keeps only pieces seen
twice; the garbage collector runs less often while batches are checked.

Baselines: "ftdata's encoder" is the encoder ftdata itself uses, bare, over exactly the texts
ftdata encodes (planning timed apart); the `tokenizers` columns are the issue's named baselines
(`encode_batch_fast`, and a per-message `encode` loop), for DBRX through the exact `tokenizers`
BPE twin of the cl100k ranks. SentencePiece has no exact `tokenizers` twin, so for Mistral the
baselines are sentencepiece's own batch call and per-message `encode`.

Status (the sessions below, 2 cores): memory met (2 GB at 267 MB peak, 148 s). DBRX 200 MB: ftdata
takes 15.3 s (31.7 s in the previous session), **1.73× faster than bare `encode_batch_fast`**
over its texts (target ≥ 0.9: met) and **3.10× a per-message `tokenizers` loop** (target ≥ 2×:
met); against its own encoder bare it reaches 0.79, and a per-message loop with tiktoken itself
is 0.89× ftdata (tiktoken gains only ~1.4× from a second thread here, and ftdata encodes 14% more
tokens: the template's). Mistral 200 MB: **0.92 of sentencepiece's bare batch call** (met);
**1.53× its per-message loop: missed**, and out of reach on this machine with the reference
encoder, whose bare batch call is itself only 1.65× that loop. Shared system prompt: a 400-word
prompt (38% of the characters) is served from the cache and counting is 1.18–1.19× faster; a
60-word one (10%) saves 10% of the characters sent but no time (0.93–0.99×).
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
