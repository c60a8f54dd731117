"""Shard writers for ``ftdata prepare``: MDS, Parquet, JSONL, text, and the manifest.

Each writer takes already formatted records (see ``ftdata.writers.records``)
and returns, on ``close()``, one ``ShardInfo`` per file it wrote. Writers
never decide what is valid: ``ftdata.prepare`` feeds them only the rows that
validation kept.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The one default cap of a Parquet/JSONL/text output file: the service's 256 MB upload
#: limit, in decimal megabytes as the CLI's ``--file-mb`` counts them.
FILE_BYTES = 256 * 1000 * 1000


@dataclass(frozen=True, slots=True)
class ShardInfo:
    """One written file: its path relative to the output folder, size, sha256, rows."""

    path: str
    bytes: int
    sha256: str
    samples: int

    def to_dict(self) -> dict:
        """The manifest entry."""
        return {
            "path": self.path,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "samples": self.samples,
        }
