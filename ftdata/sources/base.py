"""What every source yields: batches of examples with their positions, and problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ftdata.rules.registry import Rule

if TYPE_CHECKING:
    import numpy as np


@dataclass(slots=True)
class Problem:
    """A finding a source reports itself (a line that does not parse, an empty file)."""

    rule: Rule
    line: int | None
    message: str
    pointer: str = ""
    row: int | None = None
    source: str | None = None  # a file inside the source (TX005's ignored file), if not it


@dataclass(slots=True)
class CleanRows:
    """Rows a table source proved clean on Arrow (``sources/vectorised.py``).

    They never become Python objects: the fold counts them as valid rows of
    ``task`` and, for duplicate detection, uses ``hashes[i]`` (a hash of the
    row's values) in place of the example. ``keys`` are ``--id-column`` names.
    """

    task: str
    positions: list[int]
    hashes: np.ndarray | None = None  # uint64 values, from the vectorised proof
    keys: list[str | None] | None = None


@dataclass(slots=True)
class Batch:
    """A bounded slice of a source.

    ``values[i]`` is an example found at ``positions[i]`` (a 1-based line for
    JSONL, a 0-based row for tables); ``raws[i]`` is its exact bytes when known
    (for duplicate detection). ``attached[i]`` lists problems of that example
    found while reading it. ``problems`` are input rows that never became
    examples (each is an invalid row); ``notes`` belong to no row.
    ``context`` holds location fields shared by every row of the batch (a
    table ``version``, the data ``file``); ``keys[i]``, when given, names row
    ``i`` by its ``--id-column`` value. ``clean`` holds rows proven clean
    without Python values (table sources only).
    """

    positions: list[int] = field(default_factory=list)
    values: list[object] = field(default_factory=list)
    raws: list[bytes | None] = field(default_factory=list)
    attached: dict[int, list[Problem]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    context: dict[str, object] = field(default_factory=dict)
    keys: list[str | None] | None = None
    clean: CleanRows | None = None
    replay: Any = None  # a cached chunk's record, in place of its rows (ftdata.incremental)
    chunk: Any = None  # the recorder of the cached chunk this batch belongs to

    def add(self, position: int, value: object, raw: bytes | None = None) -> None:
        """Append one example."""
        self.positions.append(position)
        self.values.append(value)
        self.raws.append(raw)

    def attach(self, problem: Problem) -> None:
        """Attach a problem to the example added last."""
        self.attached.setdefault(len(self.values) - 1, []).append(problem)

    def location(self, index: int) -> dict[str, object]:
        """Location fields of example ``index`` besides its position and source."""
        if self.keys is None:
            return self.context
        return {**self.context, "key": self.keys[index]}
