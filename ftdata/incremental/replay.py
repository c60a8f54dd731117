"""Adding a cached chunk's record to a run: what folding its verdicts again would add.

The duplicate step and the content shapes take it when the chunk's turn comes
(as a checked batch's verdicts would be taken), the fold in batch order.
Lines are the record's, moved by the lines before the chunk in this run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftdata.findings import Severity
from ftdata.incremental.record import ChunkRecord, located_example, stats_from
from ftdata.rules import catalog

if TYPE_CHECKING:
    from ftdata.core.fold import Fold
    from ftdata.duplicates import DuplicateTracker
    from ftdata.result import SourceSummary
    from ftdata.rules.content_parts import ContentShapes


@dataclass(frozen=True, slots=True)
class Replayed:
    """A record found for a chunk: ``base`` lines precede it; it covers ``size`` bytes."""

    record: ChunkRecord
    base: int
    size: int


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


def note_digests(tracker: DuplicateTracker, replayed: Replayed, source: str) -> None:
    """Show the duplicate step the chunk's examples, as their verdicts would."""
    record = replayed.record
    if not record.digests:
        return
    lines = [replayed.base + line for line in record.digest_lines]
    tracker.note_lines(record.digests, lines, lambda i: {"source": source, "line": lines[i]})


def fold_record(fold: Fold, replayed: Replayed, summary: SourceSummary) -> None:
    """Add the chunk's findings, accounting, drop tally and token statistics to the fold."""
    record, base, source = replayed.record, replayed.base, summary.source
    add = fold.builder.record
    for code, label, message, pointer, line, others in record.findings:
        where: dict[str, Any] = {"source": source, "line": None if line is None else base + line}
        if others:
            where.update(others)
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
        for example in record.examples:
            where = {"source": source, "line": base + example["line"]}
            fold.on_example(located_example(example, where))
