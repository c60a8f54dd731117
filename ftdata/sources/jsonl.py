"""JSONL source: numbered lines parsed into examples, in bounded batches.

A line that does not parse never becomes an example; it becomes a problem with
its line number and the LD rule that names what is wrong. How one line is read
is ``ftdata.sources.json_line``'s (shared with Spark's JSON rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from functools import partial
from typing import BinaryIO

from ftdata.rules import load
from ftdata.sources.base import Batch, Problem
from ftdata.sources.json_line import (  # noqa: F401 - BOM, parse_line, ...: read by ftdata.reshape
    BOM,
    find_duplicate_key,
    parse_line,
    read_json_line,
    too_long,
)
from ftdata.sources.lines import RawLine, ReadFailure, iter_lines, open_binary

CR_MESSAGE = (
    "the file ends its lines with CR only (classic Mac line ends), which pandas "
    "read_json(lines=True) cannot read"
)


class JsonlSource:
    """Examples from one JSONL file (plain, ``.gz``, ``.zst``) or stdin (``-``)."""

    kind = "jsonl"

    # 256 rows (about 1,400 chat messages) keep a batch's parsed objects in the
    # CPU caches while the rules run; 2,048 measured ~10% slower (benchmarks/).
    # A batch also ends at ``batch_bytes`` of lines: 256 lines of megabytes each
    # would otherwise hold their bytes and parsed objects (~3x) all at once.
    # ``opener`` replaces opening ``path`` (JSONL given in memory: bytes, a file object).
    def __init__(
        self,
        path: str,
        *,
        max_line_bytes: int,
        batch_rows: int = 256,
        batch_bytes: int = 8 * 1024 * 1024,
        opener: Callable[[], ContextManager[BinaryIO]] | None = None,
    ) -> None:
        self.path = path
        self.name = "<stdin>" if path == "-" else path
        self.max_line_bytes = max_line_bytes
        self.batch_rows = batch_rows
        self.batch_bytes = batch_bytes
        self.notes: list[Problem] = []  # about the input, not a line (entries skipped nearby)
        self.opener = opener

    def batches(self) -> Iterator[Batch]:
        """Parse the file and yield batches of examples and problems."""
        batch = Batch(notes=list(self.notes))
        seen_content = unreadable = False
        held = 0  # bytes of the lines in the batch
        try:
            with (self.opener or partial(open_binary, self.path))() as stream:
                for raw in iter_lines(stream, self.max_line_bytes):
                    seen_content |= self.take_line(raw, batch)
                    held += len(raw.data or b"")
                    if len(batch.values) >= self.batch_rows or held >= self.batch_bytes:
                        yield batch
                        batch, held = Batch(), 0
        except ReadFailure as failure:
            unreadable = True
            batch.notes.append(Problem(load.UNREADABLE, failure.line, failure.reason))
        except OSError as exc:
            unreadable = True
            batch.notes.append(Problem(load.UNREADABLE, None, f"cannot read: {exc}"))
        if not seen_content and not unreadable:
            batch.notes.append(Problem(load.EMPTY_FILE, None, "the file holds no examples"))
        yield batch

    def take_line(self, raw: RawLine, batch: Batch) -> bool:
        """Add one line to the batch; return whether it held anything but white space."""
        line = raw.number
        if raw.data is None:
            rule, message = too_long(raw.size, self.max_line_bytes)
            batch.problems.append(Problem(rule, line, message))
            return True
        read = read_json_line(raw.data, first=line == 1, last_unterminated=not raw.terminated)
        for rule, message in read.notes:
            batch.notes.append(Problem(rule, line, message))
        if read.problem is not None:
            batch.problems.append(Problem(read.problem[0], line, read.problem[1]))
        elif read.value is None:  # blank
            return False
        else:
            batch.add(line, read.value, read.data)
            if raw.cr:  # pandas (the Databricks JSONL reader) splits at LF only
                batch.attach(Problem(load.CR_LINE_ENDS, line, CR_MESSAGE))
            for rule, message in read.attached:
                batch.attach(Problem(rule, line, message))
        return True
