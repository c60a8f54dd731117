"""Upload-ready JSONL: each example in the service's exact accepted shape, files split by size."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ftdata.writers import ShardInfo

FILE_BYTES = 256 * 1024 * 1024


def service_shape(task: str, example: Mapping[str, Any], rename_completion: bool = False) -> dict:
    """The example with only the keys the service accepts, in a fixed order.

    Chat keeps ``messages`` with ``role``/``content`` per message; instruction
    keeps ``prompt`` and ``response`` (or ``completion``, renamed to
    ``response`` only when ``rename_completion``).
    """
    if task == "chat":
        return {"messages": [{"role": m["role"], "content": m["content"]}
                             for m in example["messages"]]}
    if "response" in example:
        return {"prompt": example["prompt"], "response": example["response"]}
    key = "response" if rename_completion else "completion"
    return {"prompt": example["prompt"], key: example["completion"]}


class JsonlShardWriter:
    """Writes records as ``train-NNNNN.jsonl`` lines, a new file past ``file_bytes``."""

    def __init__(self, folder: Path, *, stem: str = "data", prefix: str = "",
                 file_bytes: int = FILE_BYTES) -> None:
        """``stem`` names the files (``train``/``eval``); ``prefix``: the folder in the manifest."""
        self.folder, self.stem, self.prefix = folder, stem, prefix
        self.file_bytes = file_bytes
        self.shards: list[ShardInfo] = []
        self._handle = None
        self._hash = None
        self._size = self._rows = 0
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one example as a compact UTF-8 JSON line."""
        import orjson

        line = orjson.dumps(record) + b"\n"
        if self._handle is not None and self._size + len(line) > self.file_bytes:
            self._close_file()
        if self._handle is None:
            self._name = f"{self.stem}-{len(self.shards):05d}.jsonl"
            # closed in _close_file
            self._handle = open(self.folder / self._name, "wb")  # noqa: SIM115
            self._hash = hashlib.sha256()
        self._handle.write(line)
        self._hash.update(line)
        self._size += len(line)
        self._rows += 1

    def _close_file(self) -> None:
        self._handle.close()
        self.shards.append(ShardInfo(self.prefix + self._name, self._size,
                                     self._hash.hexdigest(), self._rows))
        self._handle, self._size, self._rows = None, 0, 0

    def close(self) -> list[ShardInfo]:
        """Close the last file and return the files written."""
        if self._handle is not None:
            self._close_file()
        return self.shards
