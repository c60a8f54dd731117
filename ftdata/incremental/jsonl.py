"""A JSONL file read through the cache: chunks seen before are replayed, the others checked.

The batches yielded are those of :class:`~ftdata.sources.jsonl.JsonlSource`,
cut at chunk boundaries too, and, in place of a chunk whose record is cached,
one batch carrying that record (``Batch.replay``). A file whose size, times and
inode are those of the last run is not read at all: the records of its chunks
are replayed in order. Anything the cache cannot vouch for (CR-only line ends,
a read error, a missing record) is read as the plain source reads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing
from typing import TYPE_CHECKING

from ftdata.incremental.chunker import Chunk, TooLong, chunk_lines, cut_chunks
from ftdata.incremental.record import ChunkRecord
from ftdata.incremental.replay import Replayed
from ftdata.rules import load
from ftdata.sources.base import Batch, Problem
from ftdata.sources.jsonl import JsonlSource
from ftdata.sources.lines import RawLine, ReadFailure, open_binary, sniff_line_ends

if TYPE_CHECKING:
    from ftdata.incremental.run_cache import RunCache
    from ftdata.result import SourceSummary


def identity(path: str) -> list[int] | None:
    """What says a file is unchanged: device, inode, size and both times, or None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def cacheable(source: JsonlSource) -> bool:
    """Whether the cache can read this source: a regular file (not stdin, not in memory)."""
    return source.path != "-" and source.opener is None and os.path.isfile(source.path)


class CachedJsonl:
    """The batches of one JSONL file for one run, with its cache."""

    def __init__(self, source: JsonlSource, cache: RunCache, summary: SourceSummary) -> None:
        self.source = source
        self.cache = cache
        self.summary = summary

    def batches(self) -> Iterator[Batch]:
        """Every batch of the file: replayed chunks, checked chunks and the file's own notes."""
        if self.source.notes:
            yield Batch(notes=list(self.source.notes))
        before = identity(self.source.path)
        if before is not None:
            records = self.cache.unchanged_file(self.source.path, before)
            if records is not None:
                yield from self._replay_all(records)
                return
        try:
            stream = open_binary(self.source.path)
        except OSError:
            yield from self._plain()
            return
        with closing(stream):
            try:
                head, cr = sniff_line_ends(stream, self.source.max_line_bytes)
            except ReadFailure:
                head, cr = [], True  # read again by the plain source, which reports it
            if cr:  # CR-only line ends: rare enough to read as ever
                stream.close()
                yield from self._plain()
                return
            yield from self._chunks(cut_chunks(stream, self.source.max_line_bytes, head=head))
        after = identity(self.source.path)
        if before is not None and after == before and self.keys is not None:
            self.cache.remember_file(self.source.path, before, self.keys)

    def _plain(self) -> Iterator[Batch]:
        self.source.notes = []  # already yielded
        yield from self.source.batches()

    def _replay_all(self, records: list[tuple[ChunkRecord, int]]) -> Iterator[Batch]:
        base, content = 0, False
        for record, size in records:
            yield Batch(replay=Replayed(record, base, size))
            base += record.lines
            content |= record.content
        if not content:
            yield Batch(notes=[_empty()])

    def _chunks(self, chunks: Iterator[Chunk]) -> Iterator[Batch]:
        base, content = 0, False
        self.keys: list[tuple[str, int]] | None = []
        for chunk in chunks:
            lines = chunk.lines + (not chunk.terminated)
            key = self.cache.chunk_key(chunk.digest, first=base == 0, task=self.summary.task)
            record = self.cache.record(key) if chunk.failure is None else None
            if record is not None and record.lines == lines:
                yield Batch(replay=Replayed(record, base, chunk.size))
                content |= record.content
            else:
                batches, seen = self._parse(chunk, base)
                content |= seen
                if chunk.failure is None:
                    self._record(batches, key, base, lines, seen)
                yield from batches
            if self.keys is not None:
                self.keys.append((key, chunk.size))
            base += lines
            if chunk.failure is not None:
                line, reason = chunk.failure
                self.keys = None
                yield Batch(notes=[Problem(load.UNREADABLE, line, reason)])
                return
        if not content:
            yield Batch(notes=[_empty()])

    def _record(self, batches: list[Batch], key: str, base: int, lines: int, seen: bool) -> None:
        """Tag the chunk's batches: once the last is folded, its record is saved."""
        recorder = self.cache.recorder(key, self.summary.source, base, lines)
        recorder.close(len(batches), seen)
        for batch in batches:
            batch.chunk = recorder

    def _parse(self, chunk: Chunk, base: int) -> tuple[list[Batch], bool]:
        """The chunk's lines as the plain source batches them (and ending with the chunk)."""
        source = self.source
        batches, batch, held, seen = [], Batch(), 0, False
        items = list(chunk_lines(chunk))
        last = len(items) - 1
        for index, item in enumerate(items):
            number = base + index + 1
            terminated = index < last or chunk.terminated
            if isinstance(item, TooLong):
                raw = RawLine(number, None, terminated, item.size)
            else:
                raw = RawLine(number, item, terminated, len(item))
            seen |= source.take_line(raw, batch)
            held += len(item) if isinstance(item, bytes) else 0
            if len(batch.values) >= source.batch_rows or held >= source.batch_bytes:
                batches.append(batch)
                batch, held = Batch(), 0
        batches.append(batch)
        return batches, seen


def _empty() -> Problem:
    return Problem(load.EMPTY_FILE, None, "the file holds no examples")
