"""Reporters render a Result; they are the only library code that writes output.

``REPORTERS`` maps a ``--format`` name to a function ``(result, stream, options)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from ftdata.result import Result


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """How much to show: findings printed per code (counts stay exact) and colour."""

    max_per_code: int = 20
    color: bool = False


Reporter = Callable[[Result, TextIO, ReportOptions], None]


def _text(result: Result, stream: TextIO, options: ReportOptions) -> None:
    from ftdata.reporters.text import report

    report(result, stream, options)


def _json(result: Result, stream: TextIO, options: ReportOptions) -> None:
    from ftdata.reporters.json import report

    report(result, stream, options)


def _github(result: Result, stream: TextIO, options: ReportOptions) -> None:
    from ftdata.reporters.github import report

    report(result, stream, options)


def _sarif(result: Result, stream: TextIO, options: ReportOptions) -> None:
    from ftdata.reporters.sarif import report

    report(result, stream, options)


def _junit(result: Result, stream: TextIO, options: ReportOptions) -> None:
    from ftdata.reporters.junit import report

    report(result, stream, options)


def _html(result: Result, stream: TextIO, options: ReportOptions) -> None:
    from ftdata.reporters.html import report

    report(result, stream, options)


REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
    "junit": _junit,
    "html": _html,
}


def shown_findings(result: Result, max_per_code: int):
    """The findings to print: at most ``max_per_code`` per code, in result order.

    They come printable (``ftdata.reporters.escape``): every reporter that shows
    findings to people takes them from here, so none can print data raw.
    """
    from ftdata.reporters.escape import printable_finding

    shown: dict[str, int] = {}
    for finding in result.findings:
        count = shown.get(finding.code, 0)
        if count < max_per_code:
            shown[finding.code] = count + 1
            yield printable_finding(finding)
