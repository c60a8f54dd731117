"""Where CI formats put a finding: a file, or (for a dataset-level finding) the whole run.

A dataset-level finding (DS001, DS003, DS004, ...) concerns several sources; its
``location.source`` joins their names for people, which no CI system can attach
to a file. The checking core lists those sources in ``finding.sources``; the
GitHub, JUnit and SARIF reporters use this module to place such findings.
"""

from __future__ import annotations

from ftdata.findings import Finding

# The JUnit test case that holds the dataset-level findings (no file has this name: parentheses).
DATASET_CASE = "(dataset)"


def dataset_sources(finding: Finding) -> tuple[str, ...] | None:
    """The sources a dataset-level finding concerns, or ``None`` for a finding on one source."""
    return finding.sources


def listing(names: tuple[str, ...], limit: int = 5) -> str:
    """``a.jsonl, b.jsonl and 3 more``: the sources named in a one-line message."""
    if not names:
        return "the input"
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def is_file_name(name: str) -> bool:
    """Whether a source name can be a path (``<stdin>``, ``<records>``... are not)."""
    return not name.startswith("<")
