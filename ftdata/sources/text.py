"""Continued pre-training source: a folder of ``.txt`` files, one document per file.

Files are read in chunks with an incremental UTF-8 decoder, so a file of any
size is checked with bounded memory and a decoding error names its line.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ftdata.rules import load, text
from ftdata.sources.base import Batch, Problem

CHUNK_BYTES = 4 * 1024 * 1024
MB = 1_000_000
RECOMMENDED_BYTES = (60 * MB, 256 * MB)
SLOW_BYTES = 1_000 * MB


@dataclass(frozen=True, slots=True)
class Document:
    """What reading one text file established."""

    size: int
    blank: bool
    bad_line: int | None = None
    bad_reason: str = ""


class TextCorpusSource:
    """Documents from a folder searched recursively, or from a list of ``.txt`` files."""

    kind = "text"

    def __init__(self, name: str, files: list[Path], ignored: list[Path]) -> None:
        self.name = name
        self.files = files
        self.ignored = ignored
        self.notes: list[Problem] = []  # about the corpus (entries its folder walk skipped)

    def batches(self) -> Iterator[Batch]:
        """One batch per document; each file is one example (row)."""
        yield self.notes_batch()
        for index, path in enumerate(self.files):
            yield self.document_batch(index, path)

    def notes_batch(self) -> Batch:
        """The corpus's own notes: entries skipped, files ignored, no file at all."""
        notes = Batch(notes=list(self.notes))
        for path in self.ignored:
            notes.notes.append(
                Problem(text.IGNORED_FILE, None, f"{path} is not a .txt file", source=str(path))
            )
        if not self.files:
            notes.notes.append(Problem(text.NO_TEXT_FILES, None, f"no .txt file in {self.name}"))
        return notes

    def document_batch(self, index: int, path: Path) -> Batch:
        """The batch of document ``index``: the file read, or why it could not be."""
        batch = Batch()
        try:
            document = read_document(path)
        except OSError as exc:  # a document never read is no example, whatever is selected
            batch.problems.append(Problem(load.UNREADABLE, None, f"cannot read {path}: {exc}"))
            return batch
        batch.add(index, str(path))
        if document.bad_line is not None:
            batch.attach(Problem(text.NOT_UTF8, document.bad_line, document.bad_reason))
        if document.blank:
            batch.attach(Problem(text.EMPTY_DOCUMENT, None, "the document is empty"))
        size_note = describe_size(document.size)
        if size_note:
            batch.attach(Problem(text.FILE_SIZE, None, size_note))
        return batch


def read_document(path: Path) -> Document:
    """Read a text file in chunks: its size, whether it is blank, the first bad UTF-8 line."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    size, lines_before, blank = 0, 0, True
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            try:
                decoded = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines_before + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
                bad = chunk[min(max(exc.start, 0), len(chunk) - 1)]
                reason = f"byte 0x{bad:02x} on line {line} is not UTF-8"
                return Document(size + len(chunk), False, line, reason)
            size += len(chunk)
            lines_before += chunk.count(b"\n")
            blank = blank and not decoded.strip()
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return Document(size, blank, lines_before + 1, "the file ends inside a UTF-8 character")
    return Document(size, blank)


def describe_size(size: int) -> str:
    """A note when a file's size is outside the recommended 60-256 MB, else ``""``."""
    low, high = RECOMMENDED_BYTES
    if size > SLOW_BYTES:
        return f"{human_size(size)} is over 1 GB and will process slowly (60-256 MB recommended)"
    if size > high:
        return f"{human_size(size)} is over the recommended 60-256 MB"
    if 0 < size < low:
        return f"{human_size(size)} is under the recommended 60-256 MB"
    return ""


def human_size(size: int) -> str:
    """A byte count in B, kB or MB (decimal units, as the service states its limits)."""
    if size < 1000:
        return f"{size} B"
    if size < MB:
        return f"{size / 1000:.1f} kB"
    return f"{size / MB:,.1f} MB"
