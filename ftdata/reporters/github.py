"""The GitHub Actions reporter: one workflow command per finding, escaped correctly."""

from __future__ import annotations

from typing import TextIO

from ftdata.findings import Finding, Severity
from ftdata.reporters.common import ReportOptions, shown_findings
from ftdata.reporters.places import dataset_sources, listing
from ftdata.result import Result
from ftdata.wording import sentence

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as for data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_annotation(finding: Finding) -> str:
    """``::error file=F,line=N,title=CODE::message`` for one finding.

    A dataset-level finding has no single file: it becomes a workflow-level
    annotation (no ``file=``) whose message names the sources it concerns.
    """
    loc = finding.location
    sources = dataset_sources(finding)
    props = [] if sources is not None else [f"file={escape_property(loc.source)}"]
    if loc.line is not None:
        props.append(f"line={loc.line}")
    props.append(f"title={escape_property(f'{finding.code} {finding.name}')}")
    where = f" at {loc.pointer}" if loc.pointer else ""
    if loc.row is not None or loc.key is not None:
        parts = [loc.file, None if loc.row is None else f"row {loc.row}", loc.key]
        where = f" ({' '.join(p for p in parts if p)}){where}"
    if sources is not None:
        where = f" (in {listing(sources)}){where}"
    body = f"{sentence(finding.message + where)} Hint: {finding.hint}"
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{escape_data(body)}"


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """Write one annotation per shown finding, then a plain summary line."""
    for finding in shown_findings(result, options.max_per_code):
        stream.write(format_annotation(finding) + "\n")
    s = result.summary
    stream.write(
        f"ftdata: {s['rows']} rows, {s['valid']} valid, {s['invalid']} invalid; "
        f"{s['errors']} errors, {s['warnings']} warnings\n"
    )
    if "run" in result.extra:  # ftdata preflight
        from ftdata.reporters.run_text import run_line

        stream.write(run_line(result.extra["run"]) + "\n")
