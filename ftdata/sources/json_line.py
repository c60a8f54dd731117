"""One JSON line's bytes read into an example or the findings that say why not.

Every reader of JSON lines goes through :func:`read_json_line`: the JSONL
source (``ftdata.sources.jsonl``) and the rows of a Spark ``json_column``
(``ftdata.spark.partition``), so that both give the same findings, with the
same messages, for the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import NamedTuple

import orjson

from ftdata.findings import quote
from ftdata.rules import load
from ftdata.rules.registry import Rule

BOM = b"\xef\xbb\xbf"
# A JSON string (escapes included) optionally followed by a colon: a key.
_STRING_OR_KEY = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')
# Where a key can end: every key written is followed by one of these, so their
# count bounds the number of keys written from above.
_KEY_END = re.compile(rb'"\s*:')
_CONTAINERS = (dict, list)
# orjson reads an integer past 64 bits as a rounded float (past 1e308 it fails):
# a line holding a float and a run of 20 digits is read again by Python's json,
# which is exact. (The search runs only then: on every line it would cost ~20x
# the parse.)
_LONG_DIGITS = re.compile(rb"\d{20}")
# Python refuses to convert longer digit strings to int (sys.get_int_max_str_digits).
INT_DIGITS_LIMIT = 4300

Finding = tuple[Rule, str]  # a rule and its message, not yet placed at a line or row


class LineRead(NamedTuple):
    """What one JSON line holds: an example, or why it is none, and findings about it.

    ``value`` is the example (always an object) or ``None``; ``data`` the
    line's bytes without a byte-order mark and a trailing CR (the example's
    exact bytes); ``problem`` says why the line is no example (an invalid
    row); ``notes`` are about the input (byte-order mark, blank line);
    ``attached`` are about the example (a repeated key). A line with neither
    a value nor a problem is blank.
    """

    value: dict | None
    data: bytes
    problem: Finding | None = None
    notes: tuple[Finding, ...] = ()
    attached: tuple[Finding, ...] = ()


BOM_NOTE: Finding = (load.BOM, "the file starts with a UTF-8 byte-order mark")
BLANK_NOTE: Finding = (load.BLANK_LINE, "blank line")


def too_long(size: int, limit: int) -> Finding:
    """The finding for a line of ``size`` bytes over the ``limit`` (it is not parsed)."""
    return load.LINE_TOO_LONG, f"line of {size:,} bytes exceeds {limit:,}"


def read_json_line(data: bytes, *, first: bool, last_unterminated: bool = False) -> LineRead:
    """Read one JSON line's bytes (without its LF) as the JSONL source reads every line.

    Every reader of JSON lines (the JSONL source, Spark's JSON rows) goes
    through here, so that they agree on every finding. ``first`` says the line
    starts a file: only there is a UTF-8 byte-order mark skipped and noted
    (elsewhere it is invalid JSON). ``last_unterminated`` says the line is a
    file's last and lacks its LF: a parse error then reads as a cut-off file.
    """
    notes: tuple[Finding, ...] = ()
    if first and data.startswith(BOM):
        data = data[len(BOM) :]
        notes = (BOM_NOTE,)
    if data.endswith(b"\r"):  # a CRLF line end
        data = data[:-1]
    if not data.strip():
        return LineRead(None, data, None, (*notes, BLANK_NOTE))
    value, problem = parse_line(data, last_unterminated=last_unterminated)
    keys = 0
    if problem is None and not isinstance(value, dict):
        problem = (load.NOT_OBJECT, f"the line is {_json_kind(value)}")
    elif problem is None:
        value, problem, keys = exact_integers(data, value)
    if problem is not None:
        return LineRead(None, data, problem, notes)
    duplicate = find_duplicate_key(data, value, keys)
    if duplicate is None:
        return LineRead(value, data, None, notes)
    repeated = (load.DUPLICATE_KEY, f"key {quote(duplicate)} appears more than once")
    return LineRead(value, data, None, notes, (repeated,))


def parse_line(data: bytes, *, last_unterminated: bool = False):
    """Parse one line; return ``(value, None)`` or ``(None, (rule, message))``.

    A number past 1e308 (which orjson refuses) is read by Python's json, so
    valid JSON is never "invalid JSON"; an integer past 64 bits that orjson
    read as a float is made exact by the JSONL source (see ``shape``).
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        error = str(exc)
        if "number" in error and _LONG_DIGITS.search(data):  # a number past 1e308
            exact = _parse_exact(data)
            if exact is not None:
                return exact
        return None, diagnose(data, error, last_unterminated)
    return value, None


def exact_integers(data: bytes, value: dict):
    """``(value, problem, keys)``: ``value`` with integers past 64 bits exact, and its key count.

    orjson reads such an integer as a rounded float; a line whose value holds
    a float and whose bytes hold a run of 20 digits is read again by Python's
    json. ``problem`` is set for an integer longer than Python converts.
    """
    keys, floats = shape(value)
    if floats and _LONG_DIGITS.search(data):
        exact, problem = _parse_exact(data) or (value, None)
        return (value, problem, keys) if problem is not None else (exact, None, keys)
    return value, None, keys


class _LongInteger(ValueError):
    """An integer literal longer than Python converts."""

    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _exact_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > INT_DIGITS_LIMIT:
        raise _LongInteger(digits)
    return int(text)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _parse_exact(data: bytes):
    """``(value, None)`` from Python's json, a too-long-integer problem, or ``None`` if it fails."""
    try:
        return json.loads(data, parse_int=_exact_int, parse_constant=_reject_constant), None
    except _LongInteger as exc:
        return None, (
            load.NUMBER_TOO_LONG,
            f"an integer of {exc.digits:,} digits is longer "
            f"than Python reads ({INT_DIGITS_LIMIT:,} digits)",
        )
    except (ValueError, RecursionError):
        return None


def diagnose(data: bytes, error: str, last_unterminated: bool) -> tuple[Rule, str]:
    """Name the LD rule that explains why ``data`` did not parse."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            load.INVALID_UTF8,
            f"byte 0x{data[exc.start]:02x} at column {exc.start + 1} is not UTF-8",
        )
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


def find_duplicate_key(data: bytes, value: object, kept: int | None = None) -> str | None:
    """A key that some object in the line repeats, or ``None``.

    Parsers keep one value of a repeated key silently. To stay fast, the exact
    scan runs only when the places where a key can end (``"``, optional white
    space, ``:``) outnumber the keys the parser kept.
    """
    if kept is None:
        kept = count_keys(value)
    if len(_KEY_END.findall(data)) <= kept:  # one C pass; implies written <= kept
        return None
    written = sum(1 for colon in _STRING_OR_KEY.findall(data) if colon)
    if written <= kept:
        return None
    return _first_repeated_key(data)


def count_keys(value: object) -> int:
    """How many object keys a parsed JSON value holds, at every depth."""
    return shape(value)[0]


def shape(value: object) -> tuple[int, bool]:
    """How many object keys a parsed JSON value holds, at every depth, and whether it holds a float.

    One pass without recursion; strings, the bulk of fine-tuning data, are
    skipped by an exact type test before the slower ``isinstance`` check.
    """
    total = 0
    floats = False
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        children: Iterable[object]
        if isinstance(item, dict):
            total += len(item)
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        for child in children:
            if type(child) is not str:
                if isinstance(child, _CONTAINERS):
                    push(child)
                elif type(child) is float:
                    floats = True
    return total, floats


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
