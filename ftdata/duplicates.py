"""DS002: exact copies of an earlier example, each reported with the place of the first copy.

Every example that reaches the duplicate check gives a 64-bit digest and a
*mark* (``place << 40 | position``, where a place is a source plus ``line``,
``row`` or a table's data file). A :class:`~ftdata.duplicate_index.DigestIndex`
keeps the first mark of each digest in 16 bytes.

The index answers cheaply for many digests at once and dearly for few, so
while DS002 cannot change a row's validity (any severity but error) the
digests of ``WINDOW`` rows are looked up together and their findings emitted
then, in row order, before the source ends: the same findings, in the same
order, as a per-row check. When DS002 is raised to error it decides whether a
row is valid (what ``prepare`` writes), so each batch is looked up at once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate, chain
from typing import Any

from ftdata.findings import Severity
from ftdata.rules import dataset

POSITION_BITS = 40
# (digests, marks, where(i) -> the location of entry i): digests awaiting their lookup.
Chunk = tuple[Any, Any, Callable[[int], dict]]


class DuplicateTracker:
    """Finds the copies among the examples it is shown and reports DS002 for each.

    A copy found at error severity joins its row's verdict (it decides the
    row's validity); otherwise ``emit(rule, message, where)`` records it.
    """

    WINDOW = 1 << 14  # rows looked up together when the findings may wait (~4 MB of locations)

    def __init__(
        self, emit: Callable[[Any, str, dict], Any], source_names: list[str], immediate: bool
    ) -> None:
        """``source_names`` is the run's list of sources (it grows as sources start)."""
        self.emit = emit
        self.immediate = immediate
        self._index = None
        self._names = source_names
        self._places: list[tuple[int, str]] = []  # (source index, "line"/"row" or data file)
        self._place_ids: dict[tuple[int, str], int] = {}
        self._digests: list[int] = []  # this batch's examples, noted one by one
        self._marks: list[int] = []
        self._wheres: list[dict] = []
        self._rows: list = []  # the verdicts noted, for copies at error severity
        self._waiting: list[Chunk] = []
        self._waiting_rows = 0

    def step(self, verdicts) -> None:
        """The duplicate step of one batch's verdicts: Arrow-clean rows, then the examples."""
        clean = verdicts.clean
        if clean is not None and clean.hashes is not None:
            verdicts.clean_copies = self.clean_rows(verdicts, clean)
        for verdict in verdicts.rows:
            if verdict.digest is not None:
                self.note(verdict.digest, verdict.where, verdict)
        self.end_batch()

    def note(self, digest: int, where: dict, verdict=None) -> None:
        """Remember one example of the current batch (its location holds line or row)."""
        # Table rows are counted per data file: the file is part of the place.
        by = "line" if "line" in where else "row"  # the core places every example by one
        place = self.place(where.get("file") or by)
        self._digests.append(digest)
        self._marks.append(place | where[by])
        self._wheres.append(where)
        self._rows.append(verdict)

    def note_lines(
        self, digests: list[int], lines: list[int], where: Callable[[int], dict]
    ) -> None:
        """Queue the examples of a cached chunk: their digests, lines and ``where(i)`` locations.

        Only while DS002 cannot change a row's validity (a cache is not used otherwise).
        """
        assert not self.immediate, "a copy at error severity must join its row's verdict"
        place = self.place("line")
        self._queue((digests, [place | line for line in lines], where))

    def end_batch(self) -> None:
        """Look up (or queue) the examples noted in this batch.

        At error severity a copy's finding joins its row's verdict at once.
        """
        if not self._digests:
            return
        wheres, rows = self._wheres, self._rows
        chunk = (self._digests, self._marks, wheres.__getitem__)
        self._digests, self._marks, self._wheres, self._rows = [], [], [], []
        if not self.immediate:
            self._queue(chunk)
            return
        for entry, first in self.index().copies(chunk[0], chunk[1]):
            where = wheres[entry]
            rows[entry].add(dataset.DUPLICATE, Severity.ERROR, self.message(first), "", where)

    def clean_rows(self, verdicts, clean) -> int:
        """Rows a table proved clean: only their digests take part; return the copies found
        at error severity (the fold counts them invalid)."""
        context, positions, keys = verdicts.context, clean.positions, clean.keys
        source = self._names[-1]

        def where(index: int) -> dict:
            found = {"row": positions[index], "source": source, **context}
            if keys is not None:
                found["key"] = keys[index]
            return found

        place = self.place(context.get("file") or "row")  # only table sources prove rows clean
        marks = [place | position for position in positions]
        if not self.immediate:
            self._queue((clean.hashes, marks, where))
            return 0
        copies = 0
        for entry, first in self.index().copies(clean.hashes, marks):
            self.emit(dataset.DUPLICATE, self.message(first), where(entry))
            copies += 1
        return copies

    def flush(self) -> None:
        """Look up every queued example and emit its finding, in row order (ends a source)."""
        if not self._waiting:
            return
        chunks, self._waiting, self._waiting_rows = self._waiting, [], 0
        starts = list(accumulate((len(c[0]) for c in chunks[:-1]), initial=0))
        digests = _concat([c[0] for c in chunks])
        marks = [mark for chunk in chunks for mark in chunk[1]]
        for entry, first in self.index().copies(digests, marks):
            owner = bisect_right(starts, entry) - 1
            where = chunks[owner][2](entry - starts[owner])
            # A warning or info: it changes no row's validity.
            self.emit(dataset.DUPLICATE, self.message(first), where)

    def _queue(self, chunk: Chunk) -> None:
        self._waiting.append(chunk)
        self._waiting_rows += len(chunk[0])
        if self._waiting_rows >= self.WINDOW:
            self.flush()

    def index(self):
        """The :class:`~ftdata.duplicate_index.DigestIndex`, made on first use."""
        if self._index is None:
            from ftdata.duplicate_index import DigestIndex

            self._index = DigestIndex()
        return self._index

    def place(self, label: str) -> int:
        """The id of (the current source, ``label``), shifted into the high bits of a mark."""
        key = (len(self._names) - 1, label)
        found = self._place_ids.get(key)
        if found is None:
            found = self._place_ids[key] = len(self._places) << POSITION_BITS
            self._places.append(key)
        return found

    def message(self, first: int) -> str:
        """``duplicate of SOURCE line N`` (or ``row N``, or ``file F row N`` in a table)."""
        source, label = self._places[first >> POSITION_BITS]
        name, position = self._names[source], first & ((1 << POSITION_BITS) - 1)
        if label in ("line", "row"):
            return f"duplicate of {name} {label} {position}"
        return f"duplicate of {name} file {label} row {position}"


def _concat(parts: list) -> Any:
    """One sequence of digests: a list, or one array when a table gave numpy arrays."""
    if all(isinstance(part, list) for part in parts):
        return list(chain.from_iterable(parts))
    import numpy as np

    from ftdata.duplicate_index import as_int64

    return np.concatenate([as_int64(part) for part in parts])
