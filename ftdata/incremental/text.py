"""A ``.txt`` corpus read through the cache: one record per document file.

A document's record is keyed by the run's fingerprint, the file's name (its
findings name it) and a hash of its bytes; a file whose device, inode, size and
times are those indexed last time is not even hashed. A document changed while
it was read is checked but not recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import xxhash

from ftdata.incremental.recorder import Place
from ftdata.incremental.replay import Replayed
from ftdata.incremental.run_cache import RunCache, identity
from ftdata.sources.base import Batch
from ftdata.sources.text import CHUNK_BYTES, TextCorpusSource


def content_hash(path: Path) -> bytes | None:
    """A 128-bit hash of a file's bytes, or None when it cannot be read (the check says why)."""
    hasher = xxhash.xxh3_128()
    try:
        with path.open("rb") as handle:
            while block := handle.read(CHUNK_BYTES):
                hasher.update(block)
    except OSError:
        return None
    return hasher.digest()


class CachedText:
    """The batches of one corpus for one run, with its cache."""

    def __init__(self, source: TextCorpusSource, cache: RunCache) -> None:
        self.source = source
        self.cache = cache

    def batches(self) -> Iterator[Batch]:
        """The corpus notes, then per document a replayed record or its batch, recorded."""
        yield self.source.notes_batch()
        for index, path in enumerate(self.source.files):
            yield self._document(index, path)

    def _document(self, index: int, path: Path) -> Batch:
        name = str(path)
        before = identity(name)
        key = self.cache.indexed_document(name, before) if before is not None else None
        indexed = key is not None
        if key is None:
            digest = content_hash(path)
            if digest is None:
                return self.source.document_batch(index, path)
            key = self.cache.document_key(digest, name)
        record = self.cache.record(key)
        if record is not None and before is not None and identity(name) == before:
            if not indexed:
                self.cache.index_document(name, before, key)
            return Batch(replay=Replayed(record, 0, before[2], source=name))
        batch = self.source.document_batch(index, path)
        if before is None:
            return batch
        recorder = self.cache.recorder(key, Place(name), 0, unchanged=(name, before))
        recorder.close(1, True)
        batch.chunk = recorder
        return batch
