"""Adding a cached chunk's record to a run: what folding its verdicts again would add.

The duplicate step and the content shapes take it when the chunk's turn comes
(as a checked batch's verdicts would be taken), the fold in batch order.
Positions are the record's, moved by the positions before the chunk in this run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from ftdata.core.verdicts import BatchVerdicts
from ftdata.findings import Severity
from ftdata.incremental.record import ChunkRecord, located_example, stats_from
from ftdata.rules import catalog
from ftdata.sources.base import CleanRows

if TYPE_CHECKING:
    from ftdata.core.fold import Fold
    from ftdata.duplicates import DuplicateTracker
    from ftdata.result import SourceSummary
    from ftdata.rules.content_parts import ContentShapes


@dataclass(frozen=True, slots=True)
class Replayed:
    """A record found for a chunk that covers ``size`` bytes.

    ``by`` names the position field (``line``, or ``row`` in a table) and
    ``base`` the positions before the chunk; ``source`` names where its findings
    are when that is not the source being checked (a document's own file);
    ``context`` holds this run's location fields of the chunk (a table's
    ``version`` and data ``file``), which replace those recorded.
    """

    record: ChunkRecord
    base: int
    size: int
    source: str | None = None
    by: str = "line"
    context: dict[str, Any] = field(default_factory=dict)

    def where(self, source: str, at: int | None, others: dict[str, Any] | None) -> dict[str, Any]:
        """The location of something recorded at ``at`` with ``others``, in this run."""
        where: dict[str, Any] = {"source": self.source or source}
        if at is not None:
            where[self.by] = self.base + at
        if others:
            where.update(others)
            for name, value in self.context.items():
                if name in where:
                    where[name] = value
        return where


def see_shapes(shapes: ContentShapes, replayed: Replayed) -> None:
    """Merge the chunk's first lines of each content shape (earlier chunks win)."""
    if replayed.record.shapes is None:
        return
    first_string, first_list, key_sets = replayed.record.shapes
    base = replayed.base
    if shapes.first_string is None and first_string is not None:
        shapes.first_string = base + first_string
    if shapes.first_list is None and first_list is not None:
        shapes.first_list = base + first_list
    for keys, line in key_sets:
        shapes.key_sets.setdefault(tuple(keys), base + line)


def feed_copies(tracker: DuplicateTracker, replayed: Replayed, source: str) -> None:
    """Show the duplicate step the chunk's examples and clean rows, in their order."""
    base, context = replayed.base, replayed.context
    for copy in replayed.record.copies:
        if copy[0] == "clean":
            _, task, positions, hashes, keys = copy
            import numpy as np

            at = [base + p for p in positions]
            clean = CleanRows(task, at, np.array(hashes, dtype=np.uint64), keys)
            tracker.step(BatchVerdicts(task, clean=clean, context=dict(context)))
            continue
        _, positions, digests, keys = copy
        tracker.note_many(
            context.get("file") or replayed.by,
            digests,
            [base + p for p in positions],
            _where_of(replayed, source, positions, keys),
        )


def _where_of(replayed: Replayed, source: str, positions: list[int], keys: list | None):
    """``where(i)``: the location of copy ``i``, made only for the copies found."""

    def where(index: int) -> dict[str, Any]:
        found = replayed.where(source, positions[index], None)
        found.update(replayed.context)
        if keys is not None and keys[index] is not None:
            found["key"] = keys[index]
        return found

    return where


def fold_record(fold: Fold, replayed: Replayed, summary: SourceSummary) -> None:
    """Add the chunk's findings, accounting, drop tally and token statistics to the fold."""
    record, source = replayed.record, summary.source
    add = fold.builder.record
    for code, label, message, pointer, at, others in record.findings:
        where = replayed.where(source, at, others)
        add(catalog.get(code), Severity.parse(label), message, pointer, where)
    summary.rows += record.rows
    summary.invalid += record.invalid
    summary.valid += record.rows - record.invalid
    for task, (kept, dropped) in record.drops.items():
        fold.drops.kept[task] += kept
        fold.drops.dropped[task] += dropped
    for task, fields in record.stats.items():
        stats = fold.stats.get(task)
        if stats is None:
            fold.stats[task] = stats_from(task, fields)
        else:
            stats.merge(stats_from(task, fields))
    if fold.on_example is not None:
        for example in orjson.loads(record.examples):
            where = replayed.where(source, example["at"], example["where"])
            fold.on_example(located_example(example, where))
