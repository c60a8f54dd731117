"""The JSON reporter: the Result as ``schemas/report.schema.json`` describes it."""

from __future__ import annotations

import json
from typing import TextIO

from ftdata.reporters import ReportOptions
from ftdata.result import Result


def report(result: Result, stream: TextIO, options: ReportOptions) -> None:
    """Write the whole report as one indented JSON document (all kept findings)."""
    json.dump(result.to_dict(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
