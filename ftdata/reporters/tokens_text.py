"""The token section of the text report: identity, statistics, histogram, estimate."""

from __future__ import annotations

from typing import Any, TextIO

from ftdata.reporters.escape import printable
from ftdata.wording import plural

BAR_WIDTH = 40
TEXT_BINS = 10


def write_tokens(tokens: dict[str, Any], stream: TextIO) -> None:
    """Write the ``tokens`` part of a report for a person to read."""
    if tokens.get("skipped"):
        stream.write("\nTokens: skipped (no tokenizer found; see TK008)\n")
        return
    stream.write("\nTokens\n")
    tokenizer = tokens["tokenizer"]
    # The model name and the tokenizer's path come from the user: print them escaped.
    stream.write(
        f"  model: {printable(tokens['model'] or '(none given)')}; context length: "
        f"{_n(tokens['context_length'])}\n"
    )
    stream.write(
        f"  tokenizer: {printable(tokenizer['source'])} (sha256 {tokenizer['sha256'][:12]}…)\n"
    )
    stream.write(
        f"  chat template: {printable(tokens.get('template') or '-')} "
        f"(sha256 {tokens['template_sha256'][:12]}…)\n"
    )
    for task, section in tokens["by_task"].items():
        _write_task(task, section, tokens["epochs"], stream)


def _write_task(task: str, section: dict[str, Any], epochs: float, stream: TextIO) -> None:
    stats = section["per_example"]
    # What training learns from is the in-window count; the full one shows what truncation costs.
    stream.write(
        f"\n  {task}: {_n(section['total'])} tokens in {plural(stats['count'], 'example')}, "
        f"{_n(section['trainable_in_window'])} trained on "
        f"({_n(section['trainable'])} trainable before truncation and drops)\n"
    )
    if stats["count"]:
        stream.write(
            "    per example: "
            + ", ".join(
                f"{key} {_n(stats[key])}"
                for key in ("min", "p5", "p25", "p50", "p75", "p95", "max", "mean")
            )
            + "\n"
        )
    for role, role_stats in section.get("per_role", {}).items():
        stream.write(
            f"    {role} (content, {plural(role_stats['count'], 'example')}): total "
            f"{_n(role_stats['total'])}, "
            + ", ".join(
                f"{key} {_n(role_stats[key])}" for key in ("min", "p50", "p95", "max", "mean")
            )
            + "\n"
        )
    if task != "pretraining":
        stream.write(
            f"    truncated: {plural(section['truncated_examples'], 'example')} "
            f"({_n(section['tokens_lost_to_truncation'])} tokens lost); "
            f"dropped: {_n(section['dropped_examples'])}\n"
        )
    else:
        stream.write(f"    full context windows: {_n(section.get('full_windows', 0))}\n")
    stream.write(
        f"    billed estimate: {_n(section['tokens_reaching_model'])} tokens reach the "
        f"model x {epochs:g} epochs = {_n(section['billed_tokens'])} tokens "
        "(1-4 epochs are recommended to start)\n"
    )
    _write_histogram(section["histogram"], stream)


def _write_histogram(bins: list[dict[str, int]], stream: TextIO) -> None:
    if not bins:
        return
    while len(bins) > TEXT_BINS:  # the JSON keeps every bin; a terminal wants fewer
        bins = [_merge(bins[i : i + 2]) for i in range(0, len(bins), 2)]
    peak = max(b["count"] for b in bins) or 1
    width = len(_n(bins[-1]["end"]))
    for item in bins:
        bar = "#" * max(1 if item["count"] else 0, round(item["count"] / peak * BAR_WIDTH))
        label = f"{_n(item['start']):>{width}}-{_n(item['end'] - 1):<{width}}"
        stream.write(f"    {label} {bar} {item['count']}\n")


def _merge(pair: list[dict[str, int]]) -> dict[str, int]:
    return {
        "start": pair[0]["start"],
        "end": pair[-1]["end"],
        "count": sum(b["count"] for b in pair),
    }


def _n(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"
