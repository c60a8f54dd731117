"""A chunk's part of a run, as kept in the cache: what the fold and the stateful steps took.

Findings in the order they were folded, row accounting, the drop tally, the
duplicate step's input (digests, or hashes of Arrow-clean rows, with their
positions), token statistics and per-example counts, and content shapes.
Positions (a JSONL line, a table row) are kept relative to the chunk's first,
so a record serves the same bytes wherever they move; a location field of the
part (a Delta table's ``version``) takes the value of the run that replays it.
"""

from __future__ import annotations

import functools
from array import array
from dataclasses import dataclass, field
from typing import Any

import orjson

from ftdata.core import token_report
from ftdata.findings import Severity
from ftdata.rules import catalog

STAT_FIELDS = (
    "prompt",
    "trainable",
    "trainable_in_window",
    "truncated",
    "tokens_lost",
    "dropped",
    "reaching_model",
)


@dataclass(slots=True)
class ChunkRecord:
    """One chunk's part of a run; ``lines`` counts a JSONL chunk's lines (an unterminated
    last one too), 0 for a document or a table's data file."""

    lines: int = 0
    content: bool = False  # a line held more than white space (else the file may be empty)
    task: str | None = None  # the source's task after the chunk
    rows: int = 0
    invalid: int = 0
    # (code, severity label, message, pointer, position in chunk or None, other location fields)
    findings: list[list[Any]] = field(default_factory=list)
    drops: dict[str, list[int]] = field(default_factory=dict)  # task -> [kept, dropped]
    # In the order the duplicate step saw them: ["rows", positions, digests, keys] and
    # ["clean", task, positions, hashes, keys] (rows a table proved clean on Arrow).
    copies: list[list[Any]] = field(default_factory=list)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    # on_example records: "at" (position in chunk or None), "where" (other location fields),
    # "counts"; kept as JSON text, parsed only by a run that asks for them (--per-example)
    examples: str = "[]"
    shapes: list[Any] | None = None  # (first string line, first list line, [[keys, line], ...])

    def to_bytes(self) -> bytes:
        """The record as JSON."""
        return orjson.dumps({name: getattr(self, name) for name in self.__slots__})

    @classmethod
    def from_bytes(cls, data: bytes) -> ChunkRecord | None:
        """A record read back, or None when the bytes are not one (never trusted blindly)."""
        try:
            fields = orjson.loads(data)
            record = cls(**fields)
            return record if _well_formed(record) else None
        except (orjson.JSONDecodeError, TypeError, ValueError, IndexError, KeyError):
            return None


@functools.cache
def _codes() -> frozenset[str]:
    return frozenset(rule.code for rule in catalog.all_rules())


def _well_formed(record: ChunkRecord) -> bool:
    counts = (record.lines, record.rows, record.invalid)
    known = _codes()
    labels = {severity.label for severity in Severity}
    return (
        all(isinstance(n, int) and n >= 0 for n in counts)
        and record.invalid <= record.rows
        and all(f[0] in known and f[1] in labels for f in record.findings)
        and isinstance(record.stats, dict)
        and isinstance(record.drops, dict)
        and all(c[0] in ("rows", "clean") for c in record.copies)
        and isinstance(record.examples, str)
    )


def stats_fields(stats: Any) -> dict[str, Any]:
    """A ``TokenStats`` as a record keeps it."""
    fields = {name: getattr(stats, name) for name in STAT_FIELDS}
    fields["per_example"] = stats.per_example.tolist()
    fields["roles"] = {role: values.tolist() for role, values in stats.roles.items()}
    return fields


def stats_from(task: str, fields: dict[str, Any]) -> Any:
    """The ``TokenStats`` a record kept for ``task``."""
    from ftdata.tokens.counting.statistics import TokenStats

    roles = {role: array("q", values) for role, values in fields["roles"].items()}
    scalars = {name: fields[name] for name in STAT_FIELDS}
    return TokenStats(task, per_example=array("q", fields["per_example"]), roles=roles, **scalars)


def located_example(example: dict[str, Any], where: dict[str, Any]) -> dict[str, Any]:
    """An ``on_example`` record as the fold makes it, at ``where``."""
    return {**token_report.located(where), **example["counts"]}
