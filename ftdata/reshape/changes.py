"""The change log: one JSON line per change made to an example.

A change names the source and line, the rule code it fixes (``None`` for a
pure format conversion), the fix, a JSON Pointer into the example as read, and
the value before and after. Long values are cut so that a log of a file with
megabyte-long texts stays small; the output file holds the full text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ftdata.findings import cut

#: Characters of a before/after value kept in the log (strings and JSON text alike).
VALUE_CHARS = 200
#: Marks a value that does not exist (a key added or removed).
ABSENT = None


@dataclass(frozen=True, slots=True)
class Change:
    """One edit of one example (or of one input line, for byte-level fixes)."""

    line: int
    code: str | None
    fix: str
    pointer: str
    before: Any = ABSENT
    after: Any = ABSENT

    def to_dict(self, source: str, unit: str = "line") -> dict[str, Any]:
        """The change as its log line (``unit`` is ``line``, or ``row`` for a table); values cut."""
        return {
            "source": source,
            unit: self.line,
            "code": self.code,
            "fix": self.fix,
            "pointer": self.pointer,
            "before": shown(self.before),
            "after": shown(self.after),
        }


def shown(value: Any) -> Any:
    """A value as the log shows it: scalars as they are, long strings and containers cut.

    Containers are written as their JSON text (cut); strings are cut with an
    ellipsis and their length, as findings quote data.
    """
    if isinstance(value, str):
        return cut(value, VALUE_CHARS)
    if isinstance(value, dict | list):
        return cut(orjson.dumps(value, default=str).decode(), VALUE_CHARS)
    return value
