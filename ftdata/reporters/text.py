"""The text reporter: ``path:line: CODE message`` lines, then a summary table."""

from __future__ import annotations

from typing import TextIO

from ftdata.findings import Finding, Severity
from ftdata.reporters.common import ReportOptions, shown_findings
from ftdata.reporters.escape import printable
from ftdata.result import Result
from ftdata.rules import catalog
from ftdata.wording import plural

COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
RESET = "\033[0m"


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """Write every shown finding, the per-code table and the totals."""
    for finding in shown_findings(result, options.max_per_code):
        stream.write(format_finding(finding, options.color) + "\n")
    hidden = _hidden_counts(result, options.max_per_code)
    for code, count in hidden.items():
        stream.write(f"... {count} more {code} finding(s) not shown (--max-per-code)\n")
    if result.findings or hidden:
        stream.write("\n")
    _write_table(result, stream)
    if "tokens" in result.extra:
        from ftdata.reporters.tokens_text import write_tokens

        write_tokens(result.extra["tokens"], stream)
        stream.write("\n")
    if "run" in result.extra:  # ftdata preflight
        from ftdata.reporters.run_text import write_run

        write_run(result.extra["run"], stream)
        stream.write("\n")
    _write_totals(result, stream)


def format_finding(finding: Finding, color: bool = False) -> str:
    """One finding as ``place: CODE severity: message [pointer]`` plus its hint."""
    where = place(finding)
    level = finding.severity.label
    if color:
        level = f"{COLORS[finding.severity]}{level}{RESET}"
    pointer = f" [{finding.location.pointer}]" if finding.location.pointer else ""
    return f"{where}: {finding.code} {level}: {finding.message}{pointer}\n    hint: {finding.hint}"


def place(finding: Finding) -> str:
    """``source:line``, ``source [file] row N`` (``@vV`` for a table version) or just ``source``."""
    loc = finding.location
    text = loc.source
    if loc.line is not None:
        text += f":{loc.line}"
    if loc.file is not None:
        text += f" {loc.file}"
    if loc.row is not None:
        text += f" row {loc.row}"
    if loc.key is not None:
        text += f" [{loc.key}]"
    if loc.version is not None:
        text += f" @v{loc.version}"
    return text


def _hidden_counts(result: Result, max_per_code: int) -> dict[str, int]:
    return {
        code: count - max_per_code
        for code, count in sorted(result.by_code.items())
        if count > max_per_code
    }


def _write_table(result: Result, stream: TextIO) -> None:
    if not result.by_code:
        return
    stream.write(f"{'code':<7}{'name':<36}{'severity':<10}{'count':>8}\n")
    for code, count in sorted(result.by_code.items()):
        rule = catalog.get(code)
        severity = result.severities.get(code, rule.severity.label)
        stream.write(f"{code:<7}{rule.name:<36}{severity:<10}{count:>8}\n")
    stream.write("\n")


def _write_totals(result: Result, stream: TextIO) -> None:
    s = result.summary
    for item in result.sources:
        task = item.task or "unknown task"
        stream.write(
            f"{printable(item.source)} ({task}): {plural(item.rows, 'row')}, {item.valid} valid, "
            f"{item.invalid} invalid\n"
        )
    verdict = "OK" if result.ok else "FAILED"
    stream.write(
        f"{verdict}: {plural(s['rows'], 'row')}, {s['valid']} valid, {s['invalid']} invalid; "
        f"{plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')}, "
        f"{plural(s['infos'], 'info')}\n"
    )
