"""Reading a rewrite's input: the lines of a JSONL file, or the rows of a table.

Either way the input becomes :class:`Item`s in order, each an example or the
LD code that refuses it before any rewrite. JSONL lines are normalised (a
byte-order mark, CRLF) with every normalisation returned as a change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ftdata.errors import UsageError
from ftdata.reshape.changes import Change
from ftdata.sources.jsonl import BOM, find_duplicate_key, parse_line
from ftdata.sources.lines import ReadFailure, iter_lines, open_binary


@dataclass(slots=True)
class Item:
    """One input line or row: the example, or what was read of it and the code refusing it."""

    position: int  # 1-based line of a JSONL file, 0-based row of a table
    value: Any = None  # the example (a dict) when ``code`` is None
    code: str | None = None
    changes: list[Change] = field(default_factory=list)
    text: bytes | None = None  # the line itself, for a line that does not parse
    where: dict = field(default_factory=dict)  # a table row's data file or version


def open_input(source: str):
    """The table source of ``source`` (Delta or Parquet, read row by row); ``None`` for JSONL.

    Raises ``UsageError`` for stdin, a missing path, or a folder that is not a table.
    """
    import os

    from ftdata.sources import open_sources
    from ftdata.sources.table_options import TableOptions

    if source == "-" or not os.path.exists(source):
        raise UsageError(f"{source}: no such file or table (give one JSONL file or table)")
    options = TableOptions(vectorise=False, hash_clean_rows=False)
    found = open_sources(source, task=None, max_line_bytes=1, table=options)
    if len(found) == 1 and found[0].kind not in ("jsonl", "text"):
        return found[0]
    if not os.path.isfile(source):
        raise UsageError(
            f"{source}: a folder that is not a Delta or Parquet table; give one JSONL file or table"
        )
    return None


def items(
    source: str, table, max_line_bytes: int, log: Callable[[list[Change]], None]
) -> Iterator[Item]:
    """The items of a table (when ``table`` is given) or of the JSONL file ``source``."""
    if table is not None:
        return table_items(table)
    return jsonl_items(source, max_line_bytes, log)


def table_items(table) -> Iterator[Item]:
    """The rows of a table source as items (rows it could not read carry their code)."""
    for batch in table.batches():
        for problem in batch.problems:
            yield Item(problem.row if problem.row is not None else -1, code=problem.rule.code)
        for index, value in enumerate(batch.values):
            where = {k: v for k, v in batch.location(index).items() if v is not None}
            yield Item(batch.positions[index], value, None, where=where)


def jsonl_items(
    source: str, max_line_bytes: int, log: Callable[[list[Change]], None]
) -> Iterator[Item]:
    """The non-blank lines of a JSONL file as items; blank lines go to ``log`` as LD009 changes."""
    try:
        with open_binary(source) as stream:
            for raw in iter_lines(stream, max_line_bytes):
                if raw.data is None:
                    yield Item(raw.number, code="LD008", text=b"")
                    continue
                data, changes = _normalise(raw.number, raw.data)
                if not data.strip():
                    log([*changes, Change(raw.number, "LD009", "drop-blank-line", "")])
                    continue
                value, code = _parse(data, not raw.terminated)
                yield Item(raw.number, value, code, changes, data)
    except ReadFailure as failure:
        yield Item(failure.line, code="LD012", text=failure.reason.encode())


def _parse(data: bytes, cut_short: bool) -> tuple[object, str | None]:
    """``(object, None)`` for a line holding one JSON object, else what was read and its LD code."""
    value, problem = parse_line(data, last_unterminated=cut_short)
    if problem is not None:
        return None, problem[0].code
    if not isinstance(value, dict):
        return None, "LD002"
    if find_duplicate_key(data, value) is not None:
        return value, "LD006"
    return value, None


def _normalise(number: int, data: bytes) -> tuple[bytes, list[Change]]:
    """Strip a leading byte-order mark and a CR before the newline, logging each."""
    changes = []
    if number == 1 and data.startswith(BOM):
        data = data[len(BOM) :]
        changes.append(Change(number, "LD010", "remove-byte-order-mark", "", "\ufeff", ""))
    if data.endswith(b"\r"):
        data = data[:-1]
        changes.append(Change(number, None, "crlf-to-lf", "", "\r\n", "\n"))
    return data, changes
