"""Splitting a byte stream into numbered lines with bounded memory.

A line longer than the limit is never held whole: its bytes are skipped up to
the next newline and it is reported as too long.
"""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RawLine:
    """One physical line: its 1-based number and bytes (``None`` when over the limit)."""

    number: int
    data: bytes | None
    terminated: bool
    size: int


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
        return gzip.open(path, "rb")
    if name.endswith(".zst") or name.endswith(".zstd"):
        import zstandard

        raw = Path(path).open("rb")
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    return Path(path).open("rb")


def iter_lines(stream: BinaryIO, max_line_bytes: int) -> Iterator[RawLine]:
    """Yield every line of ``stream`` (without its ``\\n``), numbered from 1."""
    number = 0
    pending = b""
    overflow = 0  # bytes of the current over-long line skipped so far
    for chunk in _chunks(stream, lambda: number + 1):
        pieces = chunk.split(b"\n")
        for piece in pieces[:-1]:
            number += 1
            if overflow:
                yield RawLine(number, None, True, overflow + len(piece))
                overflow = 0
                continue
            line = pending + piece if pending else piece
            pending = b""
            if len(line) > max_line_bytes:
                yield RawLine(number, None, True, len(line))
            else:
                yield RawLine(number, line, True, len(line))
        tail = pieces[-1]
        if overflow:
            overflow += len(tail)
        elif len(pending) + len(tail) > max_line_bytes:
            overflow = len(pending) + len(tail)
            pending = b""
        else:
            pending += tail
    if overflow:
        yield RawLine(number + 1, None, False, overflow)
    elif pending:
        yield RawLine(number + 1, pending, False, len(pending))


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
