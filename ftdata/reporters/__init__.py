"""Reporters render a Result; they are the only library code that writes output.

``REPORTERS`` maps a ``--format`` name to a function ``(result, stream, options)``; each
reporter module is imported when its format is asked for, so a run loads only its own.
What the reporters share lives in ``common``, which imports none of them.
"""

from __future__ import annotations

from typing import TextIO

from ftdata.reporters.common import Reporter, ReportOptions, shown_findings
from ftdata.result import Result

__all__ = ["REPORTERS", "ReportOptions", "Reporter", "shown_findings"]


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
