"""The finding model: what ftdata says about data, as plain values.

A finding is never raised; it is returned. Exceptions (``ftdata.errors``) are
reserved for failures of the tool itself or of its invocation.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar


class Severity(enum.IntEnum):
    """How much a finding matters; ordered so that ``ERROR > WARNING > INFO``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity from its lower-case name (``error``, ``warning``, ``info``)."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}; use one of {names}") from None

    @property
    def label(self) -> str:
        """The lower-case name used in reports and configuration."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points.

    ``source`` is a path or table URI. JSONL rows have a 1-based ``line``;
    table rows have a 0-based ``row`` (and a Delta ``version``). ``pointer`` is
    an RFC 6901 JSON Pointer into the example (``""`` is the whole example).
    A table row is found again by ``file`` (the data file inside a Delta table
    or Parquet folder, with ``row`` counted within that file) or by ``key`` (the
    value of the ``--id-column`` the user named, as ``column=value``).
    """

    source: str
    line: int | None = None
    row: int | None = None
    version: int | None = None
    pointer: str = ""
    file: str | None = None
    key: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The location as in the JSON report (absent parts are ``null``)."""
        return {
            "source": self.source,
            "line": self.line,
            "row": self.row,
            "version": self.version,
            "pointer": self.pointer,
            "file": self.file,
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or note) about the data, with a stable code and a fix hint."""

    code: str
    name: str
    severity: Severity
    message: str
    hint: str
    location: Location
    # A dataset-level finding names the sources it concerns (reporters needing a file use it).
    sources: tuple[str, ...] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, object]:
        """The finding as in the JSON report."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "hint": self.hint,
            "location": self.location.to_dict(),
        }


# Data quoted in a message or a pointer shows at most this many characters: a
# 3 MB key must not make a 3 MB finding (nor a 3 MB line in a terminal).
QUOTE_CHARS = 40
# Longer messages are cut: a backstop for a rule that quotes data without ``quote``.
MESSAGE_CHARS = 1000


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """Data as a message shows it: a ``repr``, a long string cut with an ellipsis and its length.

    ``quote("role")`` -> ``'role'``; ``quote("k" * 10**6)`` -> its first ``limit``
    characters quoted, then ``… (1,000,000 characters)``. Numbers, booleans and
    null show as JSON writes them (a huge integer by its size); arrays, objects
    and other values by their type, never by their repr.
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        # repr of an int over 4,300 digits raises; its size is what matters anyway.
        bits = value.bit_length()
        return repr(value) if bits <= 64 else f"an integer of {bits:,} bits"
    if isinstance(value, float):
        return repr(value)
    names: dict[type[object], str] = {
        dict: "an object",
        list: "an array",
        tuple: "a tuple",
        bytes: "bytes",
    }
    return names.get(type(value), f"a value of type {type(value).__name__}")


def cut(text: str, limit: int = MESSAGE_CHARS) -> str:
    """``text`` itself, or its first ``limit`` characters, an ellipsis and its length."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


K = TypeVar("K")  # a key of in-memory data: usually a string, possibly anything hashable


def sorted_keys(keys: Iterable[K]) -> list[K]:
    """Keys in the order messages name them: strings sorted, then others (in-memory data)."""
    # Sorting 1 and "id" together raises; a key's type name orders it without str().
    return sorted(keys, key=lambda k: (0, k) if isinstance(k, str) else (1, type(k).__name__))


def list_keys(keys: Iterable[object], limit: int = 10) -> str:
    """Keys as a message lists them: ``{answer, question}``, sorted, as :func:`list_names` cuts."""
    names = sorted(k if isinstance(k, str) else quote(k) for k in keys)
    return "{" + list_names(names, limit) + "}"


def list_names(names: Iterable[str], limit: int = 10) -> str:
    """Names from data (keys, columns) in a message: ``a, b``; each cut, at most ``limit`` shown."""
    shown = [cut(name, QUOTE_CHARS) for name in names]
    if len(shown) > limit:
        shown = shown[:limit] + [f"… ({len(shown):,} in all)"]
    return ", ".join(shown)


def short_pointer(text: str, limit: int = QUOTE_CHARS) -> str:
    """A JSON Pointer whose long reference tokens are cut as :func:`cut` does.

    The cut token no longer resolves, but it still names the place: a pointer
    into an example must not repeat megabytes of one of its keys.
    """
    if len(text) <= limit or not text.startswith("/"):
        return cut(text)
    return cut(pointer(*(cut(token, limit) for token in parse_pointer(text))))


def escape_pointer_token(token: str | int) -> str:
    """Escape one reference token for a JSON Pointer (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """Build a JSON Pointer from reference tokens: ``pointer("messages", 2)`` -> ``/messages/2``."""
    return "".join("/" + escape_pointer_token(t) for t in tokens)


def parse_pointer(text: str) -> list[str]:
    """Split a JSON Pointer into its unescaped reference tokens."""
    if text == "":
        return []
    if not text.startswith("/"):
        raise ValueError(f"a JSON Pointer starts with '/': {text!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/")]
