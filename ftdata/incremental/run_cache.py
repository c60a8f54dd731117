"""One run's view of the cache: keys under the run's fingerprint, records, and file indexes.

A chunk's key is a hash of the run's fingerprint (everything that can change a
verdict), the chunk's bytes, whether it starts the file (a byte order mark is
read there only) and the source's task when the chunk begins (detected from
earlier chunks, or forced). A file's index, keyed by the fingerprint and the
file's real path, lists its chunks for a file whose identity (device, inode,
size, times) is unchanged.
"""

from __future__ import annotations

import os
from typing import Any

import orjson
import xxhash

from ftdata.incremental.record import ChunkRecord, Recorder
from ftdata.incremental.store import CacheStore


class RunCache:
    """The cache as one run with one fingerprint uses it."""

    def __init__(
        self, store: CacheStore, fingerprint: bytes, *, window: int | None, shapes: bool
    ) -> None:
        """``window``: the context length (token statistics); ``shapes``: records keep content
        shapes (llm-foundry's CH015/CH016 are checked)."""
        self.store = store
        self.fingerprint = fingerprint
        self.window = window
        self.shapes = shapes

    def _key(self, *parts: bytes) -> str:
        hasher = xxhash.xxh3_128(self.fingerprint)
        for part in parts:
            hasher.update(len(part).to_bytes(8, "little"))
            hasher.update(part)
        return hasher.hexdigest()

    def chunk_key(self, digest: bytes, *, first: bool, task: str | None) -> str:
        """The key of a chunk with these bytes (``digest``), place and task before it."""
        return self._key(b"chunk", digest, b"1" if first else b"0", (task or "").encode())

    def record(self, key: str) -> ChunkRecord | None:
        """The cached record of a chunk, or None."""
        payload = self.store.get("chunk", key)
        return None if payload is None else ChunkRecord.from_bytes(payload)

    def recorder(self, key: str, source: str, base: int, lines: int) -> Recorder:
        """A recorder for a chunk being checked; it saves the record under ``key``."""
        return Recorder(
            source,
            base,
            lines,
            window=self.window,
            shapes=self.shapes,
            save=lambda record: self.store.put("chunk", key, record.to_bytes()),
        )

    def _file_key(self, path: str) -> str:
        return self._key(b"file", os.path.realpath(path).encode("utf-8", "surrogateescape"))

    def unchanged_file(
        self, path: str, identity: list[int]
    ) -> list[tuple[ChunkRecord, int]] | None:
        """The records of a file unchanged since it was indexed, or None (read it)."""
        payload = self.store.get("file", self._file_key(path))
        index = _index(payload)
        if index is None or index["identity"] != identity:
            return None
        records = []
        for key, size in index["chunks"]:
            record = self.record(key)
            if record is None:
                return None
            records.append((record, size))
        return records

    def remember_file(self, path: str, identity: list[int], chunks: list[tuple[str, int]]) -> None:
        """Index a file read whole: its identity and its chunks' keys and sizes."""
        payload = orjson.dumps({"identity": identity, "chunks": chunks})
        self.store.put("file", self._file_key(path), payload)


def _index(payload: bytes | None) -> dict[str, Any] | None:
    if payload is None:
        return None
    try:
        index = orjson.loads(payload)
        chunks = index["chunks"]
        ok = isinstance(index["identity"], list) and all(
            isinstance(key, str) and len(key) == 32 and isinstance(size, int)
            for key, size in chunks
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    return index if ok else None
