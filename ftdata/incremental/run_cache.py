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
from dataclasses import dataclass
from typing import Any

import orjson
import xxhash

from ftdata.incremental.record import ChunkRecord
from ftdata.incremental.recorder import Place, Recorder
from ftdata.incremental.store import CacheStore


def identity(path: str) -> list[int] | None:
    """What says a file is unchanged: device, inode, size and both times, or None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


# (record key, size, hash of the bytes, line ends) of one chunk of an indexed file
ChunkEntry = tuple[str, int, bytes, int]


@dataclass(frozen=True, slots=True)
class FileIndex:
    """A file as the last run that read it whole saw it."""

    identity: list[int]
    chunks: list[ChunkEntry]


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

    def part_key(self, facts: tuple[bytes, ...], *, task: str | None) -> str:
        """The key of a table's data file described by ``facts``, with the task before it."""
        return self._key(b"part", *facts, (task or "").encode())

    def record(self, key: str) -> ChunkRecord | None:
        """The cached record of a chunk, or None."""
        payload = self.store.get("chunk", key)
        return None if payload is None else ChunkRecord.from_bytes(payload)

    def recorder(
        self,
        key: str,
        place: Place,
        lines: int,
        unchanged: tuple[str, list[int]] | None = None,
    ) -> Recorder:
        """A recorder for a chunk being checked; it saves the record under ``key``.

        ``unchanged``: ``(path, identity)`` of a file read apart from the bytes
        hashed for ``key``; the record is saved (and the file indexed) only if the
        file still has that identity, i.e. it did not change while it was read.
        """

        def save(record: ChunkRecord) -> None:
            if unchanged is not None:
                path, before = unchanged
                if before is None or identity(path) != before:
                    return
                self.index_document(path, before, key)
            self.store.put_later("chunk", key, record.to_bytes())

        shapes = self.shapes and place.by == "line"  # content shapes are JSONL's
        return Recorder(place, lines, window=self.window, shapes=shapes, save=save)

    def document_key(self, digest: bytes, name: str) -> str:
        """The key of a text document with these bytes (``digest``), named ``name``."""
        return self._key(b"document", digest, name.encode("utf-8", "surrogateescape"))

    def _document_index_key(self, path: str) -> str:
        real = os.path.realpath(path).encode("utf-8", "surrogateescape")
        return self._key(b"document-index", path.encode("utf-8", "surrogateescape"), real)

    def indexed_document(self, path: str, identity: list[int]) -> str | None:
        """The record key of a document unchanged since it was indexed, or None (hash it)."""
        index = _loads(self.store.get("file", self._document_index_key(path)))
        if not isinstance(index, dict) or index.get("identity") != identity:
            return None
        key = index.get("key")
        return key if isinstance(key, str) and len(key) == 32 else None

    def index_document(self, path: str, identity: list[int], key: str) -> None:
        """Remember which record a document with this identity has."""
        payload = orjson.dumps({"identity": identity, "key": key})
        self.store.put("file", self._document_index_key(path), payload)

    def _file_key(self, path: str) -> str:
        return self._key(b"file", os.path.realpath(path).encode("utf-8", "surrogateescape"))

    def file_index(self, path: str) -> FileIndex | None:
        """What the last run that read ``path`` whole saw: its identity and its chunks."""
        payload = _loads(self.store.get("file", self._file_key(path)))
        try:
            identity, chunks = payload["identity"], payload["chunks"]
            entries = [(str(k), int(n), bytes.fromhex(d), int(e)) for k, n, d, e in chunks]
        except (TypeError, KeyError, ValueError):
            return None
        if not isinstance(identity, list) or any(len(e[0]) != 32 for e in entries):
            return None
        return FileIndex(identity, entries)

    def remember_file(self, path: str, identity: list[int], chunks: list[ChunkEntry]) -> None:
        """Index a file read whole: its identity and its chunks' keys, sizes and hashes."""
        rows = [(key, size, digest.hex(), ends) for key, size, digest, ends in chunks]
        payload = orjson.dumps({"identity": identity, "chunks": rows})
        self.store.put("file", self._file_key(path), payload)


def _loads(payload: bytes | None) -> Any:
    if payload is None:
        return None
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
