"""Cutting a stream whose previous chunks are known: a chunk found again is taken by its hash.

After an edit, most of a file is the chunks of the last run, in order. Where
the next known chunk is expected, its length of bytes is read and hashed
(~10 GB/s); if the hash is the known one, that is the chunk, with no line
scanned. Where it is not (the edited part), the content-defined cutter takes
over until it cuts a chunk the last run had, and the known chunks after that
one are expected again. Every chunk still ends at a line end, so records are
exact whichever way a chunk was found.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import xxhash

from ftdata.incremental import chunker
from ftdata.incremental.chunker import Chunk, Cutter
from ftdata.sources.lines import ReadFailure, read_blocks


@dataclass(frozen=True, slots=True)
class Known:
    """A chunk of the last run: the hash and size of its bytes, and its line ends."""

    digest: bytes
    size: int
    lines: int


class _Reader:
    """Blocks of a stream as ``(block, start)`` pieces, with pieces given back; a read
    failure waits until they are used. Nothing is copied: pieces are offsets."""

    def __init__(self, stream: BinaryIO, head: list[bytes]) -> None:
        self._blocks = read_blocks(stream, lambda: 0, head)
        self._back: deque[tuple[bytes, int]] = deque()
        self.failure: str | None = None

    def give_back(self, pieces: list[tuple[bytes, int, int]]) -> None:
        """Return pieces (in their order) to be read again."""
        if pieces and self._back:  # the rest of the last piece's block is already back
            block, _, end = pieces[-1]
            if self._back[0][0] is block and self._back[0][1] == end:
                self._back.popleft()
        for block, start, _ in reversed(pieces):
            self._back.appendleft((block, start))

    def next_piece(self) -> tuple[bytes, int] | None:
        """The next ``(block, start)``, or None at the end (or at a read failure)."""
        if self._back:
            return self._back.popleft()
        if self.failure is not None:
            return None
        try:
            block = next(self._blocks, None)
        except ReadFailure as exc:
            self.failure = exc.reason
            return None
        return None if block is None else (block, 0)

    def next_block(self) -> bytes | None:
        """The next bytes to cut (a copy only for a block read part-way)."""
        piece = self.next_piece()
        if piece is None:
            return None
        block, start = piece
        return block[start:] if start else block

    def take(self, size: int) -> list[tuple[bytes, int, int]]:
        """Pieces ``(block, start, end)`` holding up to ``size`` bytes (fewer at the end)."""
        pieces, held = [], 0
        while held < size:
            piece = self.next_piece()
            if piece is None:
                break
            block, start = piece
            end = min(len(block), start + size - held)
            if end < len(block):
                self._back.appendleft((block, end))
            pieces.append((block, start, end))
            held += end - start
        return pieces

    def at_end(self) -> bool:
        piece = self.next_piece()
        if piece is None:
            return True
        self._back.appendleft(piece)
        return False


def known_chunks(
    stream: BinaryIO, max_line_bytes: int, known: list[Known], head: list[bytes]
) -> Iterator[Chunk]:
    """Every chunk of ``stream``, the ``known`` ones found by their hash where expected."""
    reader = _Reader(stream, head)
    index = {k.digest: i for i, k in enumerate(known)}
    expected, lines_before = 0, 0
    while True:
        found = _expected(reader, known, expected, max_line_bytes)
        if found is not None:
            yield found
            lines_before += found.lines
            expected += 1
            continue
        cutter = Cutter(max_line_bytes, chunker.TARGET_BYTES, chunker.LIMIT_BYTES)
        cutter.lines_before = lines_before
        for chunk in _cut_until_known(reader, cutter, index):
            yield chunk
            lines_before += chunk.lines
        if cutter.stopped_at is None:
            return  # the stream ended
        expected = cutter.stopped_at + 1


def _expected(reader: _Reader, known: list[Known], at: int, longest: int) -> Chunk | None:
    """Known chunk ``at``, if the stream goes on with exactly its bytes (given back if not)."""
    if at >= len(known) or known[at].size > min(longest, 2 * chunker.LIMIT_BYTES):
        return None  # (a chunk with a line the parser skips is cut as ever)
    pieces = reader.take(known[at].size)
    hasher = xxhash.xxh3_128()
    for block, start, end in pieces:
        hasher.update(memoryview(block)[start:end])
    size = sum(end - start for _, start, end in pieces)
    terminated = bool(pieces) and pieces[-1][0][pieces[-1][2] - 1] == 10  # a line feed
    if (
        size != known[at].size
        or hasher.digest() != known[at].digest
        or not (terminated or reader.at_end())
    ):
        reader.give_back(pieces)
        return None
    return Chunk(
        known[at].digest,
        lines=known[at].lines,  # the same bytes: counting them again costs ~3 GB/s
        size=size,
        parts=[memoryview(block)[start:end] for block, start, end in pieces],
        terminated=terminated,
    )


def _cut_until_known(reader: _Reader, cutter: Cutter, index: dict[bytes, int]) -> Iterator[Chunk]:
    """Chunks cut by content, up to one the last run had (``cutter.stopped_at`` names it)."""
    while (block := reader.next_block()) is not None:
        for chunk in cutter.feed(block):
            yield chunk
            at = index.get(chunk.digest)
            if at is not None and chunk.terminated:
                block, position = cutter.rest()
                reader.give_back([(block, position, len(block))])
                cutter.stopped_at = at
                return
    failure = None
    if reader.failure is not None:
        failure = (cutter.lines_before + cutter.chunk.lines + 1, reader.failure)
    last = cutter.finish(failure)
    if last is not None:
        yield last
