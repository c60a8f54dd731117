"""The token part of the HTML report: identity hashes, per-task plots, gauges and statistics."""

from __future__ import annotations

from html import escape
from typing import Any

from ftdata.views import svg

TRAINED, PROMPT, OTHER = "#3b6fb6", "#b8c4d6", "#e5c07b"
STAT_KEYS = ("min", "p5", "p25", "p50", "p75", "p95", "max", "mean")


def num(value: Any) -> str:
    """A count for a page: thousands separated, one decimal for fractions, ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def identity(tokens: dict[str, Any]) -> str:
    """Model, context length, tokenizer and template hashes."""
    tok = tokens["tokenizer"]
    rows = [
        ("model", escape(tokens.get("model") or "(none given)")),
        ("context length", num(tokens.get("context_length"))),
        ("tokenizer", escape(tok["source"])),
        ("tokenizer sha256", f"<span class='hash'>{escape(tok['sha256'])}</span>"),
        ("chat template", escape(tokens.get("template") or "-")),
        ("template sha256", f"<span class='hash'>{escape(tokens['template_sha256'])}</span>"),
        (
            "targets",
            escape(
                f"responses: {tokens.get('target_responses')}, "
                f"prompts: {tokens.get('target_prompts')}"
            ),
        ),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table class='identity'>{body}</table>"


def task_section(task: str, section: dict[str, Any], tokens: dict[str, Any], compact: bool) -> str:
    """One task: histogram with the context length, trained split, gauges, statistics."""
    stats, context = section["per_example"], tokens.get("context_length")
    # What training learns from is the in-window count (issue 12), as in the text report.
    trained = section.get("trainable_in_window", section["trainable"])
    head = (
        f"<h3>{escape(task)}: {num(section['total'])} tokens in {num(stats['count'])} "
        f"examples, {num(trained)} trained on</h3>"
    )
    plots = [svg.histogram(section["histogram"], context, f"{task}: tokens per example")]
    if compact:
        return head + f"<div class='plots'>{''.join(plots)}</div>"
    if task != "pretraining":
        plots.append(_trained_split(task, section))
    plots += svg.gauges(section, task, context)
    return (
        head
        + f"<div class='plots'>{''.join(plots)}</div>"
        + _stats_table(section)
        + _losses(task, section)
        + _billed(section, tokens["epochs"])
    )


def _trained_split(task: str, section: dict[str, Any]) -> str:
    """Trainable, untrained prompt and other untrained tokens as one bar."""
    total, prompt, trained = section["total"], section.get("prompt", 0), section["trainable"]
    # With --target-prompts some prompt tokens are trained; count them once, as trained.
    untrained_prompt = max(0, min(prompt, total - trained))
    other = max(0, total - trained - untrained_prompt)
    segments = [("trainable", trained, TRAINED), ("prompt (not trained)", untrained_prompt, PROMPT)]
    if other:
        segments.append(("other responses (not trained)", other, OTHER))
    return svg.split_bar(segments, f"{task}: trainable vs prompt tokens")


def _stats_table(section: dict[str, Any]) -> str:
    rows = [("per example", section["per_example"])]
    rows += [(f"{role} (content)", stats) for role, stats in section.get("per_role", {}).items()]
    head = "".join(f"<th>{k}</th>" for k in ("", "count", *STAT_KEYS))
    body = "".join(
        f"<tr><th>{escape(name)}</th><td class='num'>{num(stats['count'])}</td>"
        + "".join(f"<td class='num'>{num(stats.get(k))}</td>" for k in STAT_KEYS)
        + "</tr>"
        for name, stats in rows
    )
    return f"<table class='stats'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _losses(task: str, section: dict[str, Any]) -> str:
    if task == "pretraining":
        return f"<p>Full context windows: {num(section.get('full_windows', 0))}</p>"
    return (
        f"<p>Truncated: {num(section['truncated_examples'])} examples "
        f"({num(section['tokens_lost_to_truncation'])} tokens lost); "
        f"dropped: {num(section['dropped_examples'])}</p>"
    )


def _billed(section: dict[str, Any], epochs: float) -> str:
    return (
        f"<p>Billed estimate: {num(section['tokens_reaching_model'])} tokens reach the model "
        f"× {epochs:g} epochs = <b>{num(section['billed_tokens'])}</b> tokens "
        "(1-4 epochs are recommended to start).</p>"
    )
