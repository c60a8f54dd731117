"""What every reporter shares: the report options and the findings they may print."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from ftdata.findings import Finding
from ftdata.reporters.escape import printable_finding
from ftdata.result import Result


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """How much to show: findings printed per code (counts stay exact) and colour."""

    max_per_code: int = 20
    color: bool = False


Reporter = Callable[[Result, TextIO, ReportOptions], None]


def shown_findings(result: Result, max_per_code: int) -> Iterator[Finding]:
    """The findings to print: at most ``max_per_code`` per code, in result order.

    They come printable (``ftdata.reporters.escape``): every reporter that shows
    findings to people takes them from here, so none can print data raw.
    """
    shown: dict[str, int] = {}
    for finding in result.findings:
        count = shown.get(finding.code, 0)
        if count < max_per_code:
            shown[finding.code] = count + 1
            yield printable_finding(finding)
