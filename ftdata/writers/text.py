"""Re-cut a ``.txt`` corpus into files of the size the service accepts, on document boundaries.

The service takes continued pre-training files of 60-256 MB. Documents are
appended to the current file until the next one would take it past the
maximum; a document larger than the maximum gets a file of its own. Documents
inside one file are separated by a blank line.
"""

from __future__ import annotations

from pathlib import Path

from ftdata.writers import FILE_BYTES, ShardInfo
from ftdata.writers.rolling import RollingFiles

MAX_BYTES = FILE_BYTES
SEPARATOR = b"\n\n"
COPY_CHUNK = 4 * 1024 * 1024


class TextShardWriter:
    """Writes documents (paths of UTF-8 files) into ``part-NNNNN.txt`` files."""

    def __init__(self, folder: Path, *, prefix: str = "", max_bytes: int = MAX_BYTES) -> None:
        """``max_bytes`` caps a file unless a single document is larger."""
        self.max_bytes = max_bytes
        self.files = RollingFiles(folder, stem="part", suffix=".txt", prefix=prefix)

    def write(self, path: str) -> None:
        """Append one document (copied in chunks: bounded memory for any size)."""
        size = Path(path).stat().st_size
        self.files.roll_if(len(SEPARATOR) + size, self.max_bytes)
        if self.files.is_open and self.files.items:
            self.files.put(SEPARATOR)
        self.files.put(b"")  # opens the file even for an empty document, so it is counted
        with open(path, "rb") as source:
            while chunk := source.read(COPY_CHUNK):
                self.files.put(chunk)
        self.files.items += 1

    def close(self) -> list[ShardInfo]:
        """Close the last file and return the files written (``samples`` = documents)."""
        return self.files.close()
