"""Small inline SVG plots for the HTML report: histogram, stacked bar, threshold gauge.

Plain SVG written by hand keeps the report self-contained and tiny (a few KB per
plot, no runtime to inline, nothing to fetch) and prints crisply; the plots are
simple enough that a plotting library would add size without adding clarity.
Every text that reaches the SVG goes through ``html.escape`` here.
"""

from __future__ import annotations

from html import escape
from typing import Any

WIDTH, HEIGHT = 560, 200
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 44, 34, 24
BAR_COLOR, MARK_COLOR, DIM_COLOR = "#3b6fb6", "#c0392b", "#b8c4d6"


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>{body}</svg>'
    )


def _n(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def histogram(bins: list[dict[str, int]], marker: int | None, label: str) -> str:
    """Bars of ``count`` over ``[start, end)`` bins; a red line at ``marker`` (the context length).

    A marker beyond the last bin is named in a note at the right edge instead,
    so short examples are not squeezed into one pixel by a 128K axis.
    """
    if not bins:
        return ""
    lo, hi = bins[0]["start"], bins[-1]["end"]
    span = max(hi - lo, 1)
    plot_w, plot_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    peak = max(b["count"] for b in bins) or 1
    parts = [
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{PAD_LEFT + plot_w}" '
        f'y2="{PAD_TOP + plot_h}" stroke="#555"/>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 8}" text-anchor="end" font-size="10">'
        f"{_n(peak)}</text>",
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + plot_h}" text-anchor="end" font-size="10">'
        "0</text>",
    ]
    for b in bins:
        x = PAD_LEFT + (b["start"] - lo) / span * plot_w
        w = max((b["end"] - b["start"]) / span * plot_w - 1, 1)
        h = b["count"] / peak * plot_h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{PAD_TOP + plot_h - h:.1f}" '
            f'width="{w:.1f}" height="{h:.1f}" fill="{BAR_COLOR}">'
            f"<title>{_n(b['start'])}–{_n(b['end'] - 1)} tokens: {_n(b['count'])}"
            "</title></rect>"
        )
    base = PAD_TOP + plot_h + 14
    parts.append(f'<text x="{PAD_LEFT}" y="{base}" font-size="10">{_n(lo)}</text>')
    parts.append(
        f'<text x="{PAD_LEFT + plot_w}" y="{base}" font-size="10" text-anchor="end">{_n(hi)}</text>'
    )
    parts.append(
        f'<text x="{PAD_LEFT + plot_w / 2}" y="{base + 14}" font-size="11" '
        'text-anchor="middle">tokens per example</text>'
    )
    if marker is not None and lo <= marker <= hi:
        x = PAD_LEFT + (marker - lo) / span * plot_w
        parts.append(
            f'<line class="marker" x1="{x:.1f}" y1="{PAD_TOP}" x2="{x:.1f}" '
            f'y2="{PAD_TOP + plot_h}" stroke="{MARK_COLOR}" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{PAD_TOP - 6}" font-size="10" text-anchor="middle" '
            f'fill="{MARK_COLOR}">context {_n(marker)}</text>'
        )
    elif marker is not None:
        parts.append(
            f'<text x="{PAD_LEFT + plot_w}" y="{PAD_TOP - 8}" font-size="10" '
            f'text-anchor="end" fill="{MARK_COLOR}">context length {_n(marker)} '
            "→ (beyond the longest example)</text>"
        )
    return _svg(WIDTH, HEIGHT, "".join(parts), label)


def split_bar(segments: list[tuple[str, float, str]], label: str) -> str:
    """One horizontal bar split into ``(name, value, colour)`` segments, with a legend."""
    total = sum(v for _, v, _ in segments) or 1
    width, x, parts = WIDTH - 20, 10.0, []
    for name, value, color in segments:
        w = value / total * width
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="8" width="{w:.1f}" height="22" '
            f'fill="{color}"><title>{escape(name)}: {_n(value)}</title></rect>'
        )
        x += w
    for row, (name, value, color) in enumerate(segments):  # one legend line each: no overlap
        text, y = f"{name}: {_n(value)} ({value / total:.0%})", 40 + 15 * row
        parts.append(
            f'<rect x="10" y="{y}" width="10" height="10" fill="{color}"/>'
            f'<text x="24" y="{y + 9}" font-size="11">{escape(text)}</text>'
        )
    return _svg(WIDTH, 44 + 15 * len(segments), "".join(parts), label)


def gauge(value: float, limit: float, name: str, *, reach: bool) -> str:
    """How far ``value`` goes towards ``limit``; ``reach`` says whether reaching it is the aim.

    A recommendation to reach (1.5M tokens) fills green once met; a limit not to
    pass (10B tokens, the context length) turns red when passed.
    """
    ratio = value / limit if limit else 0.0
    good = ratio >= 1 if reach else ratio < 1
    color = "#2e8b57" if good else ("#d68910" if reach else MARK_COLOR)
    width = WIDTH - 20
    fill = min(ratio, 1.0) * width
    text = f"{name}: {_n(value)} of {_n(limit)} ({ratio:.1%})"
    body = (
        f'<rect x="10" y="6" width="{width}" height="14" fill="{DIM_COLOR}" rx="3"/>'
        f'<rect class="bar" x="10" y="6" width="{max(fill, 1):.1f}" height="14" '
        f'fill="{color}" rx="3"/>'
        f'<text x="10" y="34" font-size="11">{escape(text)}</text>'
    )
    return _svg(WIDTH, 40, body, text)


def gauges(section: dict[str, Any], task: str, context_length: int | None) -> list[str]:
    """The threshold gauges of one task's token section."""
    from ftdata.core.token_report import MAX_TOKENS, PRETRAINING_MIN_TOKENS

    out = []
    longest = section["per_example"].get("max")
    if context_length and longest is not None:
        out.append(gauge(longest, context_length, "longest example vs context length", reach=False))
    if task != "pretraining" and context_length:  # DS004: at least one full context length
        out.append(
            gauge(
                section["total"],
                context_length,
                "tokens vs one full context length (the minimum for this task)",
                reach=True,
            )
        )
    if task == "pretraining":
        out.append(
            gauge(
                section["total"],
                PRETRAINING_MIN_TOKENS,
                "tokens vs the 1.5M recommended for continued pre-training",
                reach=True,
            )
        )
    out.append(gauge(section["total"], MAX_TOKENS, "tokens vs the 10B limit", reach=False))
    return out
