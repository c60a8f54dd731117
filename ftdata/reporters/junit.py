"""The JUnit XML reporter: one test case per file, failing when a finding reaches ``fail_on``.

CI systems that show test results (GitLab, Jenkins, Azure) read this format.
Findings below ``fail_on`` go to the test case's ``system-out`` so they stay
visible without failing it.
"""

from __future__ import annotations

from typing import TextIO
from xml.etree import ElementTree as ET

from ftdata.findings import Finding
from ftdata.reporters.common import ReportOptions, shown_findings
from ftdata.reporters.escape import printable
from ftdata.reporters.places import DATASET_CASE, dataset_sources
from ftdata.reporters.text import format_finding
from ftdata.result import Result


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """Write one ``<testsuite>`` with a ``<testcase>`` per file."""
    cases = files_and_findings(result, options.max_per_code)
    failed = sum(1 for found in cases.values() if _failing(found, result))
    suite = ET.Element(
        "testsuite",
        name="ftdata",
        tests=str(len(cases)),
        failures=str(failed),
        errors="0",
        skipped="0",
    )
    if "run" in result.extra:  # ftdata preflight: the run section as suite properties
        from ftdata.reporters.run_text import run_properties

        properties = ET.SubElement(suite, "properties")
        for name, value in run_properties(result.extra["run"]).items():
            ET.SubElement(properties, "property", name=name, value=value)
    for source, found in cases.items():
        suite.append(_testcase(source, found, result))
    suites = ET.Element("testsuites", name="ftdata", tests=str(len(cases)), failures=str(failed))
    suites.append(suite)
    ET.indent(suites)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(suites, encoding="unicode"))
    stream.write("\n")


def files_and_findings(result: Result, max_per_code: int) -> dict[str, list[Finding]]:
    """Every source and every file a finding names, in report order, with its findings.

    Dataset-level findings, about no single file, go to one ``(dataset)`` case.
    """
    # Shown findings name their source printable; the case names must match them.
    cases: dict[str, list[Finding]] = {printable(s.source): [] for s in result.sources}
    for finding in shown_findings(result, max_per_code):
        case = DATASET_CASE if dataset_sources(finding) is not None else finding.location.source
        cases.setdefault(case, []).append(finding)
    return cases


def _failing(found: list[Finding], result: Result) -> list[Finding]:
    return [f for f in found if f.severity >= result.fail_on]


def _testcase(source: str, found: list[Finding], result: Result) -> ET.Element:
    case = ET.Element("testcase", classname="ftdata", name=source)
    failing = _failing(found, result)
    if failing:
        codes = ", ".join(sorted({f.code for f in failing}))
        message = f"{len(failing)} finding(s) at or above {result.fail_on.label}"
        failure = ET.SubElement(case, "failure", type=codes, message=message)
        failure.text = "\n".join(format_finding(f) for f in failing)
    rest = [f for f in found if f.severity < result.fail_on]
    if rest:
        ET.SubElement(case, "system-out").text = "\n".join(format_finding(f) for f in rest)
    return case
