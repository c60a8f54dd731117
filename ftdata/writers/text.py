"""Re-cut a ``.txt`` corpus into files of the size the service accepts, on document boundaries.

The service takes continued pre-training files of 60-256 MB. Documents are
appended to the current file until the next one would take it past the
maximum; a document larger than the maximum gets a file of its own. Documents
inside one file are separated by a blank line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ftdata.writers import ShardInfo

MB = 1_000_000
MAX_BYTES = 256 * MB
MIN_BYTES = 60 * MB
SEPARATOR = b"\n\n"
COPY_CHUNK = 4 * 1024 * 1024


class TextShardWriter:
    """Writes documents (paths of UTF-8 files) into ``part-NNNNN.txt`` files."""

    def __init__(self, folder: Path, *, prefix: str = "", max_bytes: int = MAX_BYTES) -> None:
        """``max_bytes`` caps a file unless a single document is larger."""
        self.folder, self.prefix, self.max_bytes = folder, prefix, max_bytes
        self.shards: list[ShardInfo] = []
        self._handle = None
        self._size = self._docs = 0
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, path: str) -> None:
        """Append one document (copied in chunks: bounded memory for any size)."""
        size = Path(path).stat().st_size
        if self._handle is not None and self._size + len(SEPARATOR) + size > self.max_bytes:
            self._close_file()
        if self._handle is None:
            self._name = f"part-{len(self.shards):05d}.txt"
            # closed in _close_file
            self._handle = open(self.folder / self._name, "wb")  # noqa: SIM115
            self._hash = hashlib.sha256()
        elif self._docs:
            self._put(SEPARATOR)
        with open(path, "rb") as source:
            while chunk := source.read(COPY_CHUNK):
                self._put(chunk)
        self._docs += 1

    def _put(self, data: bytes) -> None:
        self._handle.write(data)
        self._hash.update(data)
        self._size += len(data)

    def _close_file(self) -> None:
        self._handle.close()
        self.shards.append(ShardInfo(self.prefix + self._name, self._size,
                                     self._hash.hexdigest(), self._docs))
        self._handle, self._size, self._docs = None, 0, 0

    def close(self) -> list[ShardInfo]:
        """Close the last file and return the files written (``samples`` = documents)."""
        if self._handle is not None:
            self._close_file()
        return self.shards
