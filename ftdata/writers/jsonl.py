"""Upload-ready JSONL: each example in the service's exact accepted shape, files split by size."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ftdata.writers import FILE_BYTES, ShardInfo
from ftdata.writers.rolling import RollingFiles


def service_shape(task: str, example: Mapping[str, Any], rename_completion: bool = False) -> dict:
    """The example with only the keys the service accepts, in a fixed order.

    Chat keeps ``messages`` with ``role``/``content`` per message; instruction
    keeps ``prompt`` and ``response`` (or ``completion``, renamed to
    ``response`` only when ``rename_completion``).
    """
    if task == "chat":
        return {
            "messages": [{"role": m["role"], "content": m["content"]} for m in example["messages"]]
        }
    if "response" in example:
        return {"prompt": example["prompt"], "response": example["response"]}
    key = "response" if rename_completion else "completion"
    return {"prompt": example["prompt"], key: example["completion"]}


class JsonlShardWriter:
    """Writes records as ``<stem>-NNNNN.jsonl`` lines, a new file past ``file_bytes``."""

    def __init__(
        self, folder: Path, *, stem: str = "data", prefix: str = "", file_bytes: int = FILE_BYTES
    ) -> None:
        """``stem`` names the files (``train``/``eval``); ``prefix``: the folder in the manifest."""
        self.file_bytes = file_bytes
        self.files = RollingFiles(folder, stem=stem, suffix=".jsonl", prefix=prefix)

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one example as a compact UTF-8 JSON line."""
        import orjson

        line = orjson.dumps(record) + b"\n"
        self.files.roll_if(len(line), self.file_bytes)
        self.files.put(line)
        self.files.items += 1

    def close(self) -> list[ShardInfo]:
        """Close the last file and return the files written."""
        return self.files.close()
