"""Splitting a byte stream into numbered lines with bounded memory.

A line longer than the limit is never held whole: its bytes are skipped up to
the next newline and it is reported as too long. A stream whose first chunk
holds carriage returns but no line feed uses CR-only (classic Mac) line ends:
it is split at CR and each line says so (``RawLine.cr``), because read as LF
lines it would be one line reported as cut off.
"""

from __future__ import annotations

import gzip
import io
import itertools
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

CHUNK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RawLine:
    """One physical line: its 1-based number and bytes (``None`` when over the limit)."""

    number: int
    data: bytes | None
    terminated: bool
    size: int
    cr: bool = False  # the stream ends its lines with CR only


class ReadFailure(Exception):
    """Reading stopped part-way (corrupt compression, I/O error); carries the line reached."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def open_binary(path: str) -> BinaryIO:
    """Open a JSONL path (``-`` for stdin, ``.gz`` and ``.zst`` decompressed) for reading."""
    if path == "-":
        return sys.stdin.buffer
    name = path.lower()
    if name.endswith(".gz"):
        return cast(BinaryIO, gzip.open(path, "rb"))  # a GzipFile reads as a binary file does
    if name.endswith(".zst") or name.endswith(".zstd"):
        import zstandard

        raw = Path(path).open("rb")
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    return Path(path).open("rb")


def iter_lines(stream: BinaryIO, max_line_bytes: int) -> Iterator[RawLine]:
    """Yield every line of ``stream`` (without its line end), numbered from 1."""
    number = 0
    pending = b""
    overflow = 0  # bytes of the current over-long line skipped so far
    chunks = _chunks(stream, lambda: number + 1)
    head, cr = _first_line_end(chunks, max_line_bytes)
    end = b"\r" if cr else b"\n"
    for chunk in itertools.chain(head, chunks):
        pieces = chunk.split(end)
        for piece in pieces[:-1]:
            number += 1
            if overflow:
                yield RawLine(number, None, True, overflow + len(piece), cr)
                overflow = 0
                continue
            line = pending + piece if pending else piece
            pending = b""
            if len(line) > max_line_bytes:
                yield RawLine(number, None, True, len(line), cr)
            else:
                yield RawLine(number, line, True, len(line), cr)
        tail = pieces[-1]
        if overflow:
            overflow += len(tail)
        elif len(pending) + len(tail) > max_line_bytes:
            overflow = len(pending) + len(tail)
            pending = b""
        else:
            pending += tail
    if overflow:
        yield RawLine(number + 1, None, False, overflow, cr)
    elif pending:
        yield RawLine(number + 1, pending, False, len(pending), cr)


def sniff_line_ends(stream: BinaryIO, max_line_bytes: int) -> tuple[list[bytes], bool]:
    """Read the blocks up to the first line end: ``(those blocks, whether lines end in CR)``.

    Raises :class:`ReadFailure` when the stream cannot be read that far.
    """
    return _first_line_end(_chunks(stream, lambda: 1), max_line_bytes)


def read_blocks(stream: BinaryIO, line_reached, head: list[bytes]) -> Iterator[bytes]:
    """``head`` (blocks already read), then the rest of ``stream`` in blocks.

    ``line_reached()`` names the line a read failure (:class:`ReadFailure`) stops at.
    """
    yield from head
    yield from _chunks(stream, line_reached)


def _first_line_end(chunks: Iterator[bytes], limit: int) -> tuple[list[bytes], bool]:
    """Read up to the first chunk with a line end; return those chunks and whether lines end in CR.

    A file with CR-only line ends has no LF at all, so any LF read decides for
    LF (CRLF, or a CR used as white space inside a line). A chunk ending in
    CR waits for the next, which may start with LF. Past ``limit`` bytes the
    first line is too long anyway, and LF is assumed.
    """
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        if head and head[-1].endswith(b"\r") and not chunk.startswith(b"\n"):
            head.append(chunk)
            return head, True
        head.append(chunk)
        size += len(chunk)
        if b"\n" in chunk:
            return head, False
        if b"\r" in chunk[:-1]:
            return head, True
        if size > limit:
            return head, False
    return head, size > 0 and head[-1].endswith(b"\r")


def _chunks(stream: BinaryIO, line_reached) -> Iterator[bytes]:
    """Read fixed-size chunks, turning stream errors into :class:`ReadFailure`."""
    while True:
        try:
            chunk = stream.read(CHUNK_BYTES)
        # zlib.error (a bit flip inside a gzip stream) derives from Exception only.
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            raise ReadFailure(line_reached(), _reason(exc)) from None
        except Exception as exc:  # zstandard.ZstdError does not derive from OSError
            if type(exc).__module__.startswith("zstandard"):
                raise ReadFailure(line_reached(), _reason(exc)) from None
            raise
        if not chunk:
            return
        yield chunk


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text
