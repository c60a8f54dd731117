"""The HTML reporter: the self-contained page of ``ftdata.views.html`` written to the stream."""

from __future__ import annotations

from typing import TextIO

from ftdata.reporters.common import ReportOptions
from ftdata.result import Result


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """Write the whole report page (the ``--format html`` reporter)."""
    from ftdata.views.html import page

    stream.write(page(result, options.max_per_code))
