"""The SARIF reporter: a SARIF 2.1.0 log for code-scanning services and CI.

One run whose ``tool.driver.rules`` is the whole rule catalogue and whose
results are the kept findings (all of them, like the JSON report: SARIF is read
by machines, so ``--max-per-code`` does not cut it). A finding on a JSONL line
gets a physical location with that line; one without a line (a table row, a
text document, a dataset-level finding) points at its file only and carries its
row, version and JSON Pointer in ``properties``.
"""

from __future__ import annotations

from pathlib import PureWindowsPath
from typing import Any, TextIO
from urllib.parse import quote

from ftdata._version import __version__
from ftdata.findings import Finding, Severity
from ftdata.reporters.common import ReportOptions
from ftdata.reporters.escape import json_text
from ftdata.reporters.places import dataset_sources, is_file_name
from ftdata.result import Result
from ftdata.rules import catalog, registry

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """Write the SARIF log as one indented JSON document."""
    stream.write(json_text(sarif_log(result)))
    stream.write("\n")


def sarif_log(result: Result) -> dict[str, Any]:
    """The SARIF 2.1.0 log of a result, as plain JSON values."""
    rules = catalog.all_rules()
    index = {rule.code: position for position, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ftdata",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [rule_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [{"executionSuccessful": True}],
        "results": [sarif_result(f, index) for f in result.findings],
        "properties": {
            "ok": result.ok,
            "fail_on": result.fail_on.label,
            "summary": result.summary,
            "findings_truncated": len(result.findings) < sum(result.by_code.values()),
        },
    }
    if "run" in result.extra:  # ftdata preflight: the run's arguments and estimate
        run["properties"]["run"] = result.extra["run"]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def rule_descriptor(rule: registry.Rule) -> dict[str, Any]:
    """A rule as a SARIF ``reportingDescriptor``: id, name, texts and default level."""
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc.strip()},
        "help": {"text": rule.hint},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": [registry.FAMILIES.get(rule.family, rule.family)],
            "tasks": sorted(rule.tasks),
            "profiles": sorted(rule.profiles),
        },
    }


def sarif_result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    """One finding as a SARIF ``result`` with its locations and position properties."""
    loc = finding.location
    text = finding.message + (f" (at {loc.pointer})" if loc.pointer else "")
    item: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [_physical(path, loc.line) for path in _files_of(finding)],
    }
    if finding.code in index:
        item["ruleIndex"] = index[finding.code]
    sources = dataset_sources(finding)
    properties = {
        "source": loc.source,
        "sources": list(sources) if sources else None,
        "pointer": loc.pointer,
        "row": loc.row,
        "version": loc.version,
        "file": loc.file,
        "key": loc.key,
    }
    item["properties"] = {k: v for k, v in properties.items() if v not in (None, "")}
    return item


def _files_of(finding: Finding) -> list[str]:
    """Where a finding points: its source, or each source a dataset-level finding concerns."""
    names = dataset_sources(finding)
    if names is None:
        names = (finding.location.source,)
    # "<stdin>" and "<records>" are no files: such findings keep only their properties.
    return [name for name in names if is_file_name(name)]


def _physical(path: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": to_uri(path)}}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def to_uri(path: str) -> str:
    """A path as a URI reference: relative paths stay relative (to the repository root)."""
    windows = PureWindowsPath(path)
    if windows.drive:  # C:\data\a.jsonl
        return "file:///" + quote(windows.as_posix())
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path.replace("\\", "/"))
