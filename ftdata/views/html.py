"""The HTML report: one self-contained page (inline CSS, JS and SVG; no network request).

``page`` is the whole report (``--format html``, ``Result.to_html()``);
``fragment`` is the compact notebook view (``Result._repr_html_``). Every text
that comes from data or options is escaped with ``html.escape`` here.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ftdata._version import __version__
from ftdata.views.html_parts import (
    SCRIPT,
    STYLE,
    code_table,
    findings_table,
    hidden_note,
    summary,
    tokens_section,
)

if TYPE_CHECKING:
    from ftdata.result import Result


def capped(result: Result, max_per_code: int) -> list:
    """The findings to show: at most ``max_per_code`` per code, in result order."""
    shown: dict[str, int] = {}
    out = []
    for finding in result.findings:
        if shown.get(finding.code, 0) < max_per_code:
            shown[finding.code] = shown.get(finding.code, 0) + 1
            out.append(finding)
    return out


def page(result: Result, max_per_code: int = 20) -> str:
    """The report as one HTML document that needs nothing else to display."""
    verdict = "OK" if result.ok else "FAILED"
    shown = capped(result, max_per_code)
    body = "".join(
        [
            f"<h1>ftdata report: <span class='verdict {verdict.lower()}'>{verdict}</span></h1>",
            summary(result),
            "<h2>Findings per code</h2>",
            code_table(result, details=True),
            tokens_section(result.extra.get("tokens")),
            f"<h2>Findings ({len(shown):,} shown of {sum(result.by_code.values()):,})</h2>",
            findings_table(shown, filters=True, examples=True),
            hidden_note(result, max_per_code),
            f"<footer>ftdata {escape(__version__)}</footer>",
        ]
    )
    # The content security policy forbids every fetch: a report must never reach the network.
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>ftdata report: {verdict}</title><style>{STYLE}</style></head>"
        f"<body>{body}<script>{SCRIPT}</script></body></html>\n"
    )


def fragment(result: Result, first: int = 10) -> str:
    """A compact view for notebooks: summary, per-code table, token histogram, first findings.

    No script (notebooks may not run it) and styles scoped under ``.ftdata``.
    """
    verdict = "OK" if result.ok else "FAILED"
    shown = result.findings[:first]
    parts = [
        f"<div class='ftdata'><style>{_scoped_style()}</style>",
        f"<h3>ftdata: <span class='verdict {verdict.lower()}'>{verdict}</span></h3>",
        summary(result),
        code_table(result, details=False),
        tokens_section(result.extra.get("tokens"), compact=True),
    ]
    if shown:
        parts += [
            f"<h4>First {len(shown)} findings</h4>",
            findings_table(shown, filters=False, examples=False),
        ]
    parts.append("</div>")
    return "".join(parts)


def _scoped_style() -> str:
    """The page style limited to ``.ftdata`` so a notebook's own styles are not touched."""
    rules = [r.strip() for r in STYLE.split("}") if r.strip()]
    scoped = []
    for rule in rules:
        selector, _, body = rule.partition("{")
        if selector.strip().startswith("@"):
            continue  # print rules only matter for the stand-alone page
        names = ", ".join(f".ftdata {s.strip()}" for s in selector.split(","))
        scoped.append(f"{names}{{{body}}}")
    return "".join(scoped)
