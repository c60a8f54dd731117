"""A JSONL file read through the cache: chunks seen before are replayed, the others checked.

The batches yielded are those of :class:`~ftdata.sources.jsonl.JsonlSource`,
cut at chunk boundaries too, and, in place of a chunk whose record is cached,
one batch carrying that record (``Batch.replay``). A file whose size, times and
inode are those of the last run is not read at all: the records of its chunks
are replayed in order (from a missing record on, the file is read). An edited
file is cut by the last run's chunks where they are found again
(:mod:`ftdata.incremental.resync`). CR-only line ends are read as the plain
source reads them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing
from typing import TYPE_CHECKING

from ftdata.incremental.chunker import Chunk, TooLong, chunk_lines, cut_chunks
from ftdata.incremental.recorder import Place
from ftdata.incremental.replay import Replayed
from ftdata.incremental.resync import Known, known_chunks
from ftdata.incremental.run_cache import ChunkEntry, FileIndex, RunCache, identity
from ftdata.rules import load
from ftdata.sources.base import Batch, Problem
from ftdata.sources.jsonl import JsonlSource
from ftdata.sources.lines import RawLine, ReadFailure, open_binary, sniff_line_ends

if TYPE_CHECKING:
    from ftdata.result import SourceSummary


def cacheable(source: JsonlSource) -> bool:
    """Whether the cache can read this source: a regular file (not stdin, not in memory)."""
    return source.path != "-" and source.opener is None and os.path.isfile(source.path)


class CachedJsonl:
    """The batches of one JSONL file for one run, with its cache."""

    def __init__(self, source: JsonlSource, cache: RunCache, summary: SourceSummary) -> None:
        self.source = source
        self.cache = cache
        self.summary = summary
        self.keys: list[ChunkEntry] | None = None  # the chunks read, for the file's index

    def batches(self) -> Iterator[Batch]:
        """Every batch of the file: replayed chunks, checked chunks and the file's own notes."""
        if self.source.notes:
            yield Batch(notes=list(self.source.notes))
        before = identity(self.source.path)
        index = self.cache.file_index(self.source.path)
        if before is not None and index is not None and index.identity == before:
            yield from self._replay_indexed(index, before)
            return
        chunks = index.chunks if index is not None else []
        known = [Known(digest, size, ends) for _, size, digest, ends in chunks]
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
            longest = self.source.max_line_bytes
            if known:
                found = known_chunks(stream, longest, known, head)
            else:
                found = cut_chunks(stream, longest, head=head)
            self.keys = []
            yield from self._chunks(found, 0, False)
        self._remember(before)

    def _remember(self, before: list[int] | None) -> None:
        """Index the file, if it was read whole and did not change meanwhile."""
        if before is not None and identity(self.source.path) == before and self.keys is not None:
            self.cache.remember_file(self.source.path, before, self.keys)

    def _replay_indexed(self, index: FileIndex, before: list[int]) -> Iterator[Batch]:
        """An unchanged file: each chunk's record in turn, none read before its turn (memory
        stays that of one record); from a record that is missing on, the file is read."""
        base, content = 0, False
        for position, (key, size, _, _) in enumerate(index.chunks):
            record = self.cache.record(key)
            if record is None:
                yield from self._read_from(index, position, base, content)
                self._remember(before)
                return
            yield Batch(replay=Replayed(record, base, size))
            base += record.lines
            content |= record.content
        if not content:
            yield Batch(notes=[_empty()])

    def _read_from(
        self, index: FileIndex, position: int, base: int, content: bool
    ) -> Iterator[Batch]:
        """Read the file from chunk ``position`` on (its bytes start a line)."""
        self.keys = list(index.chunks[:position])
        offset = sum(size for _, size, _, _ in self.keys)
        known = [Known(digest, size, ends) for _, size, digest, ends in index.chunks[position:]]
        try:
            stream = open_binary(self.source.path)
        except OSError as exc:
            self.keys = None
            yield Batch(notes=[Problem(load.UNREADABLE, None, f"cannot read: {exc}")])
            return
        with closing(stream):
            skipped = _skip(stream, offset)
            if skipped is not None:
                self.keys = None
                yield Batch(notes=[Problem(load.UNREADABLE, base + 1, skipped)])
                return
            found = known_chunks(stream, self.source.max_line_bytes, known, [])
            yield from self._chunks(found, base, content)

    def _plain(self) -> Iterator[Batch]:
        self.source.notes = []  # already yielded
        yield from self.source.batches()

    def _chunks(self, chunks: Iterator[Chunk], base: int, content: bool) -> Iterator[Batch]:
        """The batches of chunks cut from line ``base`` on (``content``: seen before)."""
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
                self.keys.append((key, chunk.size, chunk.digest, chunk.lines))
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
        recorder = self.cache.recorder(key, Place(self.summary.source, "line", base), lines)
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


def _skip(stream, size: int) -> str | None:
    """Read past ``size`` bytes of the (decompressed) stream; why it could not, or None."""
    while size > 0:
        try:
            piece = stream.read(min(size, 4 << 20))
        except Exception as exc:  # a stream error (zlib, zstandard, OS): said, not raised
            return f"{type(exc).__name__}: {exc}"
        if not piece:
            return "the file is shorter than when it was indexed"
        size -= len(piece)
    return None


def _empty() -> Problem:
    return Problem(load.EMPTY_FILE, None, "the file holds no examples")
