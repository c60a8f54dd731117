"""JSONL source: numbered lines parsed into examples, in bounded batches.

A line that does not parse never becomes an example; it becomes a problem with
its line number and the LD rule that names what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from functools import partial
from typing import BinaryIO

import orjson

from ftdata.rules import load
from ftdata.rules.registry import Rule
from ftdata.sources.base import Batch, Problem
from ftdata.sources.lines import RawLine, ReadFailure, iter_lines, open_binary

BOM = b"\xef\xbb\xbf"
# A JSON string (escapes included) optionally followed by a colon: a key.
_STRING_OR_KEY = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')
# Where a key can end: every key written is followed by one of these, so their
# count bounds the number of keys written from above.
_KEY_END = re.compile(rb'"\s*:')
_CONTAINERS = (dict, list)


class JsonlSource:
    """Examples from one JSONL file (plain, ``.gz``, ``.zst``) or stdin (``-``)."""

    kind = "jsonl"

    # 256 rows (about 1,400 chat messages) keep a batch's parsed objects in the
    # CPU caches while the rules run; 2,048 measured ~10% slower (benchmarks/).
    # ``opener`` replaces opening ``path`` (JSONL given in memory: bytes, a file object).
    def __init__(self, path: str, *, max_line_bytes: int, batch_rows: int = 256,
                 opener: Callable[[], ContextManager[BinaryIO]] | None = None) -> None:
        self.path = path
        self.name = "<stdin>" if path == "-" else path
        self.max_line_bytes = max_line_bytes
        self.batch_rows = batch_rows
        self.opener = opener

    def batches(self) -> Iterator[Batch]:
        """Parse the file and yield batches of examples and problems."""
        batch = Batch()
        seen_content = False
        try:
            with (self.opener or partial(open_binary, self.path))() as stream:
                for raw in iter_lines(stream, self.max_line_bytes):
                    seen_content |= self._take(raw, batch)
                    if len(batch.values) >= self.batch_rows:
                        yield batch
                        batch = Batch()
        except ReadFailure as failure:
            batch.notes.append(Problem(load.UNREADABLE, failure.line, failure.reason))
        except OSError as exc:
            batch.notes.append(Problem(load.UNREADABLE, None, f"cannot read: {exc}"))
        if not seen_content and not any(n.rule is load.UNREADABLE for n in batch.notes):
            batch.notes.append(Problem(load.EMPTY_FILE, None, "the file holds no examples"))
        yield batch

    def _take(self, raw: RawLine, batch: Batch) -> bool:
        """Add one line to the batch; return whether it held anything but white space."""
        data = raw.data
        if data is None:
            limit = self.max_line_bytes
            batch.problems.append(Problem(
                load.LINE_TOO_LONG, raw.number, f"line of {raw.size:,} bytes exceeds {limit:,}"
            ))
            return True
        if raw.number == 1 and data.startswith(BOM):
            data = data[len(BOM):]
            batch.notes.append(Problem(load.BOM, 1, "the file starts with a UTF-8 byte-order mark"))
        if data.endswith(b"\r"):
            data = data[:-1]
        if not data.strip():
            batch.notes.append(Problem(load.BLANK_LINE, raw.number, "blank line"))
            return False
        value, problem = parse_line(data, last_unterminated=not raw.terminated)
        if problem is not None:
            rule, message = problem
            batch.problems.append(Problem(rule, raw.number, message))
        elif not isinstance(value, dict):
            kind = _json_kind(value)
            batch.problems.append(Problem(load.NOT_OBJECT, raw.number, f"the line is {kind}"))
        else:
            batch.add(raw.number, value, data)
            duplicate = find_duplicate_key(data, value)
            if duplicate is not None:
                batch.attach(Problem(
                    load.DUPLICATE_KEY, raw.number, f"key {duplicate!r} appears more than once"
                ))
        return True


def parse_line(data: bytes, *, last_unterminated: bool = False):
    """Parse one line; return ``(value, None)`` or ``(None, (rule, message))``."""
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        return None, diagnose(data, str(exc), last_unterminated)


def diagnose(data: bytes, error: str, last_unterminated: bool) -> tuple[Rule, str]:
    """Name the LD rule that explains why ``data`` did not parse."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return load.INVALID_UTF8, f"byte 0x{data[exc.start]:02x} at column {exc.start + 1} is not UTF-8"
    if "recursion" in error.lower() or "depth limit" in error.lower():
        return load.TOO_DEEP, "nesting exceeds the parser's depth limit"
    if _parses_with_non_json_numbers(data):
        return load.NON_JSON_NUMBER, "NaN or Infinity is not valid JSON"
    if last_unterminated:
        return load.TRUNCATED, f"the last line is incomplete ({error})"
    return load.INVALID_JSON, f"invalid JSON: {error}"


def _parses_with_non_json_numbers(data: bytes) -> bool:
    """Whether the line only fails because of NaN/Infinity (which Python's json accepts)."""
    if b"NaN" not in data and b"Infinity" not in data:
        return False
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


def find_duplicate_key(data: bytes, value: object) -> str | None:
    """A key that some object in the line repeats, or ``None``.

    Parsers keep one value of a repeated key silently. To stay fast, the exact
    scan runs only when the places where a key can end (``"``, optional white
    space, ``:``) outnumber the keys the parser kept.
    """
    kept = count_keys(value)
    if len(_KEY_END.findall(data)) <= kept:  # one C pass; implies written <= kept
        return None
    written = sum(1 for colon in _STRING_OR_KEY.findall(data) if colon)
    if written <= kept:
        return None
    return _first_repeated_key(data)


def count_keys(value: object) -> int:
    """How many object keys a parsed JSON value holds, at every depth (no recursion).

    Strings, the bulk of fine-tuning data, are skipped by an exact type test
    before the slower ``isinstance`` check.
    """
    total = 0
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        if isinstance(item, dict):
            total += len(item)
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        for child in children:
            if type(child) is not str and isinstance(child, _CONTAINERS):
                push(child)
    return total


def _first_repeated_key(data: bytes) -> str | None:
    found: list[str] = []

    def hook(pairs):
        keys = [k for k, _ in pairs]
        if not found and len(set(keys)) < len(keys):
            found.append(next(k for i, k in enumerate(keys) if k in keys[:i]))
        return dict(pairs)

    try:
        json.loads(data, object_pairs_hook=hook)
    except (ValueError, RecursionError):
        return None
    return found[0] if found else None


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
