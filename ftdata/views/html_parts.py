"""Sections of the HTML report: summary, per-code table, findings table, token plots.

Each function returns an HTML string; every data text goes through ``escape``.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from ftdata.findings import Finding
from ftdata.rules import catalog
from ftdata.views.html_examples import excerpts
from ftdata.views.html_tokens import identity, num, task_section

if TYPE_CHECKING:
    from ftdata.result import Result

STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}"
    "h1,h2,h3,h4{margin:.8em 0 .3em}"
    "table{border-collapse:collapse;margin:.4em 0}"
    "th,td{border:1px solid #ccd;padding:3px 7px;text-align:left;vertical-align:top}"
    "th{background:#eef1f6}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".verdict.ok{color:#2e7d32}"
    ".verdict.failed{color:#c0392b}"
    ".sev-error{color:#c0392b;font-weight:600}"
    ".sev-warning{color:#b9770e;font-weight:600}"
    ".sev-info{color:#2471a3}"
    ".hash,code,pre{font-family:ui-monospace,monospace;font-size:12px}"
    "pre{white-space:pre-wrap;word-break:break-all;background:#f6f7f9;padding:4px;margin:2px 0}"
    "mark{background:#ffe08a}"
    ".plots{display:flex;flex-wrap:wrap;gap:12px}"
    ".note{color:#666}"
    "select{max-width:320px}"
    "@media print{.filters{display:none}}"
)

# Filters rows of the findings table by code, severity and source (no library needed).
SCRIPT = """
(function(){
  var table=document.getElementById('findings');if(!table)return;
  var picks=document.querySelectorAll('.filters select');
  function apply(){
    var want={};picks.forEach(function(s){want[s.name]=s.value;});
    table.querySelectorAll('tbody tr').forEach(function(tr){
      var show=['code','severity','source'].every(function(k){
        return !want[k]||tr.dataset[k]===want[k];});
      tr.style.display=show?'':'none';});
  }
  picks.forEach(function(s){s.addEventListener('change',apply);});
})();
"""


def summary(result: Result) -> str:
    """The totals and one line per source."""
    s = result.summary
    rows = "".join(
        f"<tr><td>{escape(item.source)}</td><td>{escape(item.task or 'unknown')}</td>"
        f"<td class='num'>{num(item.rows)}</td><td class='num'>{num(item.valid)}</td>"
        f"<td class='num'>{num(item.invalid)}</td></tr>"
        for item in result.sources
    )
    return (
        f"<p class='summary'>{num(s['rows'])} rows: {num(s['valid'])} valid, "
        f"{num(s['invalid'])} invalid; {num(s['errors'])} errors, {num(s['warnings'])} warnings, "
        f"{num(s['infos'])} infos (fails on {escape(result.fail_on.label)})</p>"
        "<table class='sources'><thead><tr><th>source</th><th>task</th><th>rows</th>"
        f"<th>valid</th><th>invalid</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def code_table(result: Result, details: bool) -> str:
    """Counts per code with each rule's name and severity (and its documentation)."""
    if not result.by_code:
        return "<p class='note'>No findings.</p>"
    rows = []
    for code, count in sorted(result.by_code.items()):
        rule = catalog.get(code)
        severity = result.severities.get(code, rule.severity.label)
        doc = ""
        if details:
            doc = (
                f"<td><details><summary>{escape(rule.summary)}</summary>"
                f"<pre>{escape(rule.doc.strip())}</pre><p>How to fix: {escape(rule.hint)}</p>"
                "</details></td>"
            )
        rows.append(
            f"<tr><td><code>{code}</code></td><td>{escape(rule.name)}</td>"
            f"<td class='sev-{severity}'>{severity}</td><td class='num'>{num(count)}</td>"
            f"{doc}</tr>"
        )
    head = "<th>documentation</th>" if details else ""
    return (
        "<table class='codes'><thead><tr><th>code</th><th>name</th><th>severity</th>"
        f"<th>count</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def findings_table(findings: list[Finding], *, filters: bool, examples: bool) -> str:
    """The findings, one row each; with ``filters``, selects by code, severity and source."""
    if not findings:
        return "<p class='note'>No findings.</p>"
    shown = excerpts(findings) if examples else {}
    rows = []
    for index, f in enumerate(findings):
        loc, sev = f.location, f.severity.label
        example = shown.get(index, "")
        rows.append(
            f"<tr data-code='{f.code}' data-severity='{sev}' data-source='{escape(loc.source)}'>"
            f"<td>{escape(where(f))}</td><td><code>{escape(loc.pointer)}</code></td>"
            f"<td><code>{f.code}</code> {escape(f.name)}</td><td class='sev-{sev}'>{sev}</td>"
            f"<td>{escape(f.message)}<div class='note'>{escape(f.hint)}</div>{example}</td></tr>"
        )
    head = (
        "<table id='findings'><thead><tr><th>where</th><th>pointer</th><th>rule</th>"
        "<th>severity</th><th>message, hint and example</th></tr></thead><tbody>"
    )
    pick = _filters(findings) if filters else ""
    return f"{pick}{head}{''.join(rows)}</tbody></table>"


def where(finding: Finding) -> str:
    """``source:line``, or ``source [file] row N [key] @vV`` for a table row."""
    loc = finding.location
    parts = [loc.source + (f":{loc.line}" if loc.line is not None else "")]
    parts += [loc.file] if loc.file is not None else []
    parts += [f"row {loc.row}"] if loc.row is not None else []
    parts += [f"[{loc.key}]"] if loc.key is not None else []
    parts += [f"@v{loc.version}"] if loc.version is not None else []
    return " ".join(parts)


def _filters(findings: list[Finding]) -> str:
    def select(name: str, values: set[str]) -> str:
        options = "".join(
            f"<option value='{escape(v)}'>{escape(v)}</option>" for v in sorted(values)
        )
        return (
            f"<label>{name} <select name='{name}'><option value=''>all</option>{options}"
            "</select></label> "
        )

    return (
        "<div class='filters'>"
        + select("code", {f.code for f in findings})
        + select("severity", {f.severity.label for f in findings})
        + select("source", {f.location.source for f in findings})
        + "</div>"
    )


def hidden_note(result: Result, max_per_code: int) -> str:
    """Say how many findings per code the report leaves out (counts above stay exact)."""
    hidden = {c: n - max_per_code for c, n in sorted(result.by_code.items()) if n > max_per_code}
    if not hidden:
        return ""
    items = ", ".join(f"{num(n)} more {code}" for code, n in hidden.items())
    return f"<p class='note'>Not shown (--max-per-code {max_per_code}): {items}.</p>"


def tokens_section(tokens: dict[str, Any] | None, compact: bool = False) -> str:
    """Identity hashes, then per task the token plots, gauges and statistics."""
    if not tokens:
        return ""
    if tokens.get("skipped"):
        return (
            "<h2 id='tokens'>Tokens</h2>"
            "<p class='note'>Skipped: no tokenizer found (see TK008).</p>"
        )
    parts = ["<h2 id='tokens'>Tokens</h2>", identity(tokens)]
    for task, section in tokens["by_task"].items():
        parts.append(task_section(task, section, tokens, compact))
    return "".join(parts)
