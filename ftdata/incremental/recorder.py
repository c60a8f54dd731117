"""Recording a chunk's part of a run from its verdicts, once they are folded.

A :class:`Recorder` watches the verdicts of one chunk's batches after the fold
(the token half included) and keeps what the fold, the duplicate step and the
file-level checks took from them, exactly as they took it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from ftdata.core.fold import count_example
from ftdata.drops import DropTally
from ftdata.incremental.record import ChunkRecord, stats_fields
from ftdata.rules.content_parts import ContentShapes

if TYPE_CHECKING:
    from ftdata.core.verdicts import BatchVerdicts, Pending, RowVerdict


@dataclass(frozen=True, slots=True)
class Place:
    """Where a chunk is: its source's name, the position field (``line`` or ``row``) and the
    positions before it (``base``)."""

    source: str
    by: str = "line"
    base: int = 0

    def relative(self, where: dict[str, Any]) -> int | None:
        """The position of ``where`` in the chunk (None: it has none)."""
        position = where.get(self.by)
        return None if position is None else position - self.base

    def others(self, where: dict[str, Any]) -> dict[str, Any] | None:
        """The location fields of ``where`` besides the position and this source's name."""
        rest = {
            k: v
            for k, v in where.items()
            if v is not None and k != self.by and (k != "source" or v != self.source)
        }
        return rest or None


class Recorder:
    """Builds the :class:`ChunkRecord` of one chunk; ``save(record)`` once all is taken.

    The batches may be counted before or after they are folded (:meth:`close`);
    the record is complete when both the count and every batch are in.
    """

    def __init__(
        self,
        place: Place,
        lines: int,
        *,
        window: int | None,
        shapes: bool,
        save: Callable[[ChunkRecord], None],
    ) -> None:
        """``window``: the context length; ``shapes``: watch content shapes (llm-foundry's
        CH015/CH016, JSONL only)."""
        self.place = place
        self.record = ChunkRecord(lines=lines)
        self.window = window
        self.shapes = ContentShapes() if shapes else None
        self.save = save
        self.drops = DropTally()
        self.kept: dict[tuple[str, tuple[str, ...]], int] = {}  # valid rows per (task, codes)
        self.stats: dict[str, Any] = {}
        self.examples: list[dict[str, Any]] = []
        self.expected: int | None = None
        self.taken = 0
        self.lock = threading.Lock()

    def close(self, batches: int, content: bool) -> None:
        """The chunk gave ``batches`` batches; save once all are taken."""
        self.record.content = content
        with self.lock:
            self.expected = batches
            done = self.taken == batches
        if done:
            self._finish()

    def take(self, verdicts: BatchVerdicts) -> None:
        """Keep what the fold took from one folded batch of the chunk."""
        record = self.record
        for found in verdicts.notes:
            self._finding(found)
        for found_in_row in verdicts.unparsed:
            for found in found_in_row:
                self._finding(found)
            record.rows += 1
            record.invalid += 1
        if verdicts.clean is not None:
            self._clean(verdicts)
        self._rows(verdicts.rows)
        record.task = verdicts.task
        with self.lock:
            self.taken += 1
            done = self.taken == self.expected
        if done:
            self._finish()

    def _clean(self, verdicts: BatchVerdicts) -> None:
        clean = verdicts.clean
        assert clean is not None
        count = len(clean.positions)
        self.record.rows += count
        self.drops.add(clean.task, (), rows=count)
        if clean.hashes is not None:
            positions = [p - self.place.base for p in clean.positions]
            hashes = [int(h) for h in clean.hashes.tolist()]
            keys = clean.keys if clean.keys is not None and any(clean.keys) else None
            self.record.copies.append(["clean", clean.task, positions, hashes, keys])

    def _rows(self, rows: list[RowVerdict]) -> None:
        """The examples' findings, accounting, drops, tokens, copies and shapes."""
        # This runs for every row of a cold run: rows with nothing but a verdict (most)
        # are taken by comprehensions, the others one by one.
        record, kept = self.record, self.kept
        for verdict in rows:
            task = verdict.task
            if verdict.findings:
                for found in verdict.findings:
                    self._finding(found)
                if task is not None and not verdict.failed:
                    kept[(task, verdict.codes)] = kept.get((task, verdict.codes), 0) + 1
            elif task is not None and not verdict.failed:
                kept[(task, ())] = kept.get((task, ()), 0) + 1
            if task is not None and (
                verdict.tokens is not None or verdict.document_tokens is not None
            ):
                self._tokens(verdict, task)
        record.rows += len(rows)
        record.invalid += sum([v.failed for v in rows])
        self._copies([v for v in rows if v.digest is not None])
        if self.shapes is not None:
            by, base, see = self.place.by, self.place.base, self.shapes.see
            for verdict in rows:
                if verdict.where.get(by) is not None:
                    see(verdict.value, verdict.where[by] - base)

    def _copies(self, rows: list[RowVerdict]) -> None:
        """The digests the duplicate step saw, with the rows' positions (and keys)."""
        if not rows:
            return
        by, base = self.place.by, self.place.base
        positions = [v.where[by] - base for v in rows]
        digests = [v.digest for v in rows]
        keys = [v.where.get("key") for v in rows] if by == "row" else []
        self.record.copies.append(["rows", positions, digests, keys if any(keys) else None])

    def _finding(self, found: Pending) -> None:
        rule, severity, message, pointer, where = found
        at, others = self.place.relative(where), self.place.others(where)
        self.record.findings.append([rule.code, severity.label, message, pointer, at, others])

    def _tokens(self, verdict: RowVerdict, task: str) -> None:
        """The fold's token statistics and ``on_example`` counts of one example, kept."""
        counts = count_example(self.stats, verdict, task, self.window)
        if counts is not None:
            self._example(verdict, counts)

    def _example(self, verdict: RowVerdict, counts: dict[str, Any]) -> None:
        where = verdict.where
        self.examples.append(
            {"at": self.place.relative(where), "where": self.place.others(where), "counts": counts}
        )

    def _finish(self) -> None:
        record = self.record
        for (task, codes), count in self.kept.items():
            self.drops.add(task, codes, rows=count)
        dropped = self.drops.dropped
        record.drops = {task: [n, dropped[task]] for task, n in self.drops.kept.items()}
        record.stats = {task: stats_fields(stats) for task, stats in self.stats.items()}
        if self.examples:
            record.examples = orjson.dumps(self.examples).decode()
        if self.shapes is not None:
            shapes = self.shapes
            keys = [[list(k), line] for k, line in shapes.key_sets.items()]
            record.shapes = [shapes.first_string, shapes.first_list, keys]
        self.save(record)
