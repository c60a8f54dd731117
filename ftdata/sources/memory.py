"""In-memory sources: Python examples, JSONL as bytes or a file object, dataset dicts.

Examples given as Python objects are checked like parsed JSONL lines, so they
must first have the shape a JSON line can have: an object (a ``dict``) whose
keys are strings, nested no deeper than the JSONL parser goes. A record that
has no such shape becomes a finding on its row (the LD rule a JSONL line with
the same defect gets), never an exception: a non-string key (``{1: "x"}``),
a container holding itself, or a value nested 1,024 levels deep would otherwise
crash the rules, the messages that quote keys or the duplicate index.
Values of other types (a set, a huge int, an object) stay: the rules name them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import orjson

from ftdata.rules import load
from ftdata.sources.base import Batch, Problem

# orjson, which parses every JSONL line, refuses to nest deeper than this.
MAX_DEPTH = 1024


class RecordsSource:
    """Examples given as Python objects; positions are 0-based row numbers."""

    kind = "records"

    def __init__(
        self, records: Iterable[object], *, name: str = "<records>", batch_rows: int = 2048
    ) -> None:
        self.records = records
        self.name = name
        self.batch_rows = batch_rows

    def batches(self) -> Iterator[Batch]:
        """Yield the records in batches, numbering rows from 0."""
        batch = Batch()
        for row, record in enumerate(self.records):
            problem = shape_problem(record)
            if problem is None:
                batch.add(row, record)
            else:
                rule, message, where = problem
                batch.problems.append(Problem(rule, None, message, where, row=row))
            if len(batch.values) + len(batch.problems) >= self.batch_rows:
                yield batch
                batch = Batch()
        yield batch


def shape_problem(record: object):
    """``(rule, message, pointer)`` when ``record`` cannot be a JSON object, else ``None``."""
    if not isinstance(record, dict):
        return load.NOT_OBJECT, f"the example is {_kind(record)}, not an object (a dict)", ""
    try:
        orjson.dumps(record)  # fast path: plain JSON data, string keys, bounded depth
        return None
    except TypeError:  # also orjson.JSONEncodeError: another type, a big int, depth
        return _walk(record)


def _walk(record: dict):
    """Find a non-string key or excessive depth without recursion (cycles hit the depth)."""
    stack: list[tuple[object, tuple, int]] = [(record, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            message = f"the example nests deeper than {MAX_DEPTH} levels (or contains itself)"
            return load.TOO_DEEP, message, ""
        if isinstance(value, dict):
            for key, child in value.items():
                if not isinstance(key, str):
                    message = (
                        f"key {_quote(key)} is {_kind(key)}, not a string: "
                        "JSON object keys are strings"
                    )
                    return load.INVALID_JSON, message, _pointer(path)
                stack.append((child, (*path, key), depth + 1))
        elif isinstance(value, list | tuple):
            stack.extend((child, (*path, i), depth + 1) for i, child in enumerate(value))
    return None


def _pointer(path: tuple) -> str:
    from ftdata.findings import pointer

    return pointer(*path)


def _kind(value: object) -> str:
    """How a value would read as JSON (``a list``, ``a number``) or its Python type."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    return f"of type {type(value).__name__}"


def _quote(value: object, limit: int = 40) -> str:
    """A short rendering of a key; an object whose repr fails (or a huge int) is named by type."""
    try:
        text = repr(value)
    except Exception:  # a user's __repr__ may raise anything; int > 4,300 digits raises too
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text):,} characters)"


def stream_name(target: object) -> str:
    """A file object's path when it has one (``open(p, "rb")``), else ``<TypeName>``."""
    name = getattr(target, "name", None)
    return name if isinstance(name, str) and name else f"<{type(target).__name__}>"


def stream_opener(target: Any) -> Callable[[], AbstractContextManager]:
    """A function returning ``target`` (bytes or a file object) as a binary stream.

    The caller's file object is used as it is and never closed; a text stream is
    encoded as UTF-8 while it is read (``surrogatepass`` keeps lone surrogates as
    invalid UTF-8, reported as LD003 on their line rather than as a crash).
    """
    if isinstance(target, bytes | bytearray | memoryview):
        return lambda: io.BytesIO(bytes(target))
    if isinstance(target.read(0), str):
        return lambda: _Unclosed(_EncodedText(target))
    return lambda: _Unclosed(target)


class _EncodedText:
    """A binary view of a text stream."""

    def __init__(self, text) -> None:
        self.text = text

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` characters, returned as UTF-8 bytes."""
        return self.text.read(size).encode("utf-8", "surrogatepass")


class _Unclosed:
    """A context manager that hands out a stream and leaves it open (it is the caller's)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc) -> None:
        return None


def is_stream(target: object) -> bool:
    """Whether ``target`` is JSONL given as bytes or as a readable file object."""
    if isinstance(target, bytes | bytearray | memoryview):
        return True
    return callable(getattr(target, "read", None)) and not isinstance(target, type)


def dataset_splits(target: Any) -> dict | None:
    """The splits of a ``datasets.DatasetDict`` (or ``IterableDatasetDict``), else ``None``."""
    kind = type(target)
    if kind.__module__.split(".")[0] == "datasets" and kind.__name__.endswith("DatasetDict"):
        return dict(target)
    return None
