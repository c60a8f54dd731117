"""The JSON reporter: the Result as ``schemas/report.schema.json`` describes it."""

from __future__ import annotations

from typing import TextIO

from ftdata.reporters.common import ReportOptions
from ftdata.reporters.escape import json_text
from ftdata.result import Result


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """Write the whole report as one indented JSON document (all kept findings)."""
    stream.write(json_text(result.to_dict()))
    stream.write("\n")
