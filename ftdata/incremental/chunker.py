"""Cutting a JSONL byte stream into chunks at content-defined line boundaries.

A line ends a chunk when a hash of its length and last 16 bytes falls below a
threshold proportional to its length, so a chunk holds about ``target`` bytes
whatever the line lengths, and whether a line ends a chunk depends on that
line alone: an inserted, deleted or changed line changes the chunk it is in
(and at most its neighbour), never the chunks after it. A chunk also ends
after ``limit`` bytes, which bounds what is held for lines that never hash low.

Each chunk carries a 128-bit hash of its exact bytes, its line count and the
bytes to parse it again: runs of whole lines and, for a line over the
parser's limit (never held in memory), its size only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import xxhash

from ftdata.sources.lines import ReadFailure, read_blocks

TARGET_BYTES = 1 << 20
LIMIT_BYTES = 8 << 20
TAIL = 16  # bytes before a line end that, with its length, decide whether it ends a chunk


@dataclass(frozen=True, slots=True)
class TooLong:
    """A line over the parser's limit: only its size was kept."""

    size: int


@dataclass(slots=True)
class Chunk:
    """Consecutive lines of a stream: their hash, count and parts (bytes runs and too-long lines).

    ``lines`` counts line ends; a chunk that ends the stream without a line end
    holds one more, unterminated line (``terminated`` False). ``failure`` is
    ``(line reached, reason)`` when reading stopped after this chunk's whole lines.
    """

    digest: bytes = b""
    lines: int = 0
    size: int = 0
    parts: list[memoryview | TooLong] = field(default_factory=list)
    terminated: bool = True
    failure: tuple[int, str] | None = None


class _Cutter:
    """The state of one pass over a stream.

    The chunk's bytes are kept as views of the blocks read (no copy until a
    chunk is parsed); the pieces of a line that grows past the parser's limit
    are let go as soon as it does, so memory stays bounded.
    """

    def __init__(self, max_line_bytes: int, target: int, limit: int) -> None:
        self.max_line_bytes = max_line_bytes
        self.scale = (1 << 64) // target
        self.limit = limit
        self.hasher = xxhash.xxh3_128()  # the bytes of the current chunk so far
        self.chunk = Chunk()
        self.line_parts = 0  # len(chunk.parts) when the current line began
        self.line_size = 0  # bytes of the current line in earlier blocks
        self.tail = b""  # the last bytes of the stream read, for a line end early in a block
        self.lines_done = 0

    def feed(self, block: bytes) -> Iterator[Chunk]:
        """Take one block; yield every chunk it completes."""
        view = memoryview(block)
        start = run = position = 0  # chunk start, start of the bytes kept, line start
        find = block.find
        while True:
            end = find(b"\n", position)
            if end < 0:
                break
            size = self.line_size + end - position
            if size > self.max_line_bytes:
                run = self._too_long(view, run, position, end, size)
            self.chunk.lines += 1
            self.chunk.size += size + 1
            self.lines_done += 1
            self.line_size = 0
            position = end + 1
            if self._ends_chunk(block, end, size):
                self._keep(view[run:position])
                self.hasher.update(view[start:position])
                yield self._cut()
                start = run = position
                self.line_parts = 0
        self.hasher.update(view[start:])
        self.tail = (self.tail + block[-TAIL:])[-TAIL:]
        self._carry(view, run, position, len(block) - position)

    def _too_long(self, view: memoryview, run: int, position: int, end: int, size: int) -> int:
        """A finished line over the limit: keep the bytes before it and its size; skip it."""
        if self.line_size:  # it began in an earlier block: what is kept of it goes
            del self.chunk.parts[self.line_parts :]
        else:
            self._keep(view[run:position])
        self.chunk.parts.append(TooLong(size))
        return end + 1

    def _carry(self, view: memoryview, run: int, position: int, rest: int) -> None:
        """The block ends inside a line: keep its start unless the line is already too long."""
        self._keep(view[run:position])  # the block's whole lines not kept yet
        if self.line_size == 0:
            self.line_parts = len(self.chunk.parts)  # where the unfinished line's bytes start
        growing = self.line_size + rest
        if growing > self.max_line_bytes:
            del self.chunk.parts[self.line_parts :]
        else:
            self._keep(view[position:])
        self.line_size = growing

    def _keep(self, piece: memoryview) -> None:
        if len(piece):
            self.chunk.parts.append(piece)

    def _ends_chunk(self, block: bytes, end: int, size: int) -> bool:
        if self.chunk.size >= self.limit:
            return True
        tail = block[end - TAIL : end] if end >= TAIL else (self.tail + block[:end])[-TAIL:]
        return xxhash.xxh3_64_intdigest(tail, size) < (size + 1) * self.scale

    def _cut(self) -> Chunk:
        """End the current chunk (its bytes are all in the hasher) and start the next."""
        chunk, self.chunk = self.chunk, Chunk()
        chunk.digest = self.hasher.digest()
        self.hasher = xxhash.xxh3_128()
        return chunk

    def finish(self, failure: tuple[int, str] | None) -> Chunk | None:
        """The last chunk: whole lines left, the unterminated last line, or a read failure."""
        chunk = self.chunk
        if failure is not None:  # the line being read is lost, as a plain read loses it
            if self.line_size:
                del chunk.parts[self.line_parts :]
        elif self.line_size:
            chunk.terminated = False
            if self.line_size > self.max_line_bytes:
                del chunk.parts[self.line_parts :]
                chunk.parts.append(TooLong(self.line_size))
            chunk.size += self.line_size
        chunk.failure = failure
        if chunk.size == 0 and failure is None:
            return None
        return self._cut()


def cut_chunks(
    stream: BinaryIO,
    max_line_bytes: int,
    *,
    head: list[bytes] | None = None,
    target: int | None = None,
    limit: int | None = None,
) -> Iterator[Chunk]:
    """Every chunk of ``stream`` (``head``: blocks already read from it), in order.

    ``target`` and ``limit`` default to the module's ``TARGET_BYTES`` and ``LIMIT_BYTES``.

    A read failure ends the stream: the last chunk holds the whole lines read
    before it and names the line reached.
    """
    cutter = _Cutter(max_line_bytes, target or TARGET_BYTES, limit or LIMIT_BYTES)
    failure = None
    try:
        for block in read_blocks(stream, lambda: cutter.lines_done + 1, head or []):
            yield from cutter.feed(block)
    except ReadFailure as exc:
        failure = (exc.line, exc.reason)
    last = cutter.finish(failure)
    if last is not None:
        yield last


def chunk_lines(chunk: Chunk) -> Iterator[bytes | TooLong]:
    """The chunk's lines in order: bytes without the line end, or a too-long line's size."""
    pending: list[memoryview | bytes] = []
    for part in chunk.parts:
        if isinstance(part, TooLong):
            yield from _split(pending, True)
            pending = []
            yield part
        else:
            pending.append(part)
    yield from _split(pending, chunk.terminated)


def _split(pieces: list, terminated: bool) -> Iterator[bytes]:
    if not pieces:
        return
    lines = b"".join(pieces).split(b"\n")
    if terminated or lines[-1] == b"":
        lines.pop()  # after the last line end: nothing
    yield from lines
