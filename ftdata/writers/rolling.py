"""Numbered output files that roll over at a size limit, hashed as they are written."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from ftdata.writers import ShardInfo


class RollingFiles:
    """``<stem>-NNNNN<suffix>`` files in ``folder``; ``roll_if`` starts a new one when full.

    Shared by the JSONL and text writers, which only differ in what an item is.
    """

    def __init__(self, folder: Path, *, stem: str, suffix: str, prefix: str = "") -> None:
        """``prefix`` is the folder the manifest names the files under."""
        self.folder, self.stem, self.suffix, self.prefix = folder, stem, suffix, prefix
        self.shards: list[ShardInfo] = []
        self._handle: BinaryIO | None = None
        self._hash = hashlib.sha256()  # a fresh one for every file
        self._name = ""
        self.size = self.items = 0
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def is_open(self) -> bool:
        """Whether a file is being written."""
        return self._handle is not None

    def roll_if(self, incoming: int, limit: int) -> None:
        """Close the current file when ``incoming`` more bytes would take it past ``limit``."""
        if self._handle is not None and self.size + incoming > limit:
            self._close()

    def put(self, data: bytes) -> None:
        """Append bytes, opening the next file first if none is open."""
        if self._handle is None:
            self._name = f"{self.stem}-{len(self.shards):05d}{self.suffix}"
            self._handle = open(self.folder / self._name, "wb")  # noqa: SIM115 - closed in _close
            self._hash = hashlib.sha256()
        self._handle.write(data)
        self._hash.update(data)
        self.size += len(data)

    def close(self) -> list[ShardInfo]:
        """Close the last file and return every file written."""
        if self._handle is not None:
            self._close()
        return self.shards

    def _close(self) -> None:
        assert self._handle is not None  # callers close only an open file
        self._handle.close()
        self.shards.append(
            ShardInfo(self.prefix + self._name, self.size, self._hash.hexdigest(), self.items)
        )
        self._handle, self.size, self.items = None, 0, 0
