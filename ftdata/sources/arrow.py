"""Arrow tables as sources: bounded record batches become batches of Python examples.

Every table source (in-memory frames, Parquet, Delta) is a list of *parts*:
a stream of record batches with an optional data file name and the row
count its metadata declares. :class:`TableSource` projects and renames the
columns and runs the table-level schema checks once. For each record batch,
rows proven clean on Arrow (``vectorised.py``) are counted without becoming
Python objects; the others are converted in slices of at most ``batch_rows``
rows with ``to_pylist()``, so the same rules serve every source. Rows are
numbered from 0 within each part (a data file, or the whole table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ftdata.errors import SourceError
from ftdata.rules import load
from ftdata.rules.context import CheckContext
from ftdata.sources.base import Batch, CleanRows, Problem
from ftdata.sources.normalise import normalise_batch
from ftdata.sources.table_options import TableOptions, plan_columns
from ftdata.sources.table_schema import schema_problems

# Errors a reader may raise mid-stream; a Rust panic (pyo3 PanicException) is a
# BaseException, so it is matched by name rather than missed.
_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit)


@dataclass(slots=True)
class Part:
    """One stream of record batches: a data file, or a whole in-memory table."""

    batches: Callable[[], Iterable[pa.RecordBatch]]
    file: str | None = None
    declared_rows: int | None = None
    label: str = ""  # how errors name it (a path or URI); ``file`` or the source if empty
    path: str | None = None  # the local file it reads, if it reads one (the cache keys on it)


@dataclass(slots=True)
class TableSource:
    """Examples from Arrow data, in bounded batches with table locations."""

    name: str
    schema: pa.Schema
    parts: Callable[[], Iterable[Part]]
    options: TableOptions
    kind: str = "table"
    version: int | None = None
    notes: list[Problem] = field(default_factory=list)
    rows_read: int = 0

    def batches(self) -> Iterator[Batch]:
        """Yield the table-level findings, then every row as a Python example."""
        first, reader = self.start()
        yield first
        for part in self.parts():
            yield from self.part_batches(part, reader)

    def start(self) -> tuple[Batch, _Rows]:
        """The table-level findings, and the reader of the parts' rows."""
        chosen, names = plan_columns(self.schema.names, self.options)
        projected = pa.schema([self.schema.field(c).with_name(names[c]) for c in chosen])
        first = Batch(notes=list(self.notes))
        first.notes += schema_problems(projected, self.options.task, self.options.profile)
        reader = _Rows(
            self.options, chosen, [names[c] for c in chosen], _proof_task(projected, self.options)
        )
        return first, reader

    def context(self, part: Part) -> dict[str, object]:
        """The location fields every row of ``part`` has: the table version and data file."""
        context: dict[str, object] = {}
        if self.version is not None:
            context["version"] = self.version
        if part.file is not None:
            context["file"] = part.file
        return context

    def part_batches(self, part: Part, reader: _Rows) -> Iterator[Batch]:
        """The batches of one part (a data file, or the whole table), rows numbered from 0."""
        row = 0
        context = self.context(part)
        for record_batch in _guarded(part, self.name):
            yield from reader.batches(record_batch, row, context)
            row += record_batch.num_rows
        self.rows_read += row
        if part.declared_rows is not None and row != part.declared_rows:
            where = part.label or part.file or self.name
            message = f"read {row:,} rows of {where}, which declares {part.declared_rows:,}"
            yield Batch(notes=[Problem(load.ROW_COUNT_MISMATCH, None, message)])


def _proof_task(schema: pa.Schema, options: TableOptions) -> str | None:
    """The task whose clean rows may be proven on Arrow, or ``None`` to convert every row."""
    if not options.vectorise:
        return None
    from ftdata.sources.vectorised import table_task

    task = table_task(schema)
    return task if options.task in (None, task) else None


class _Rows:
    """Turns one record batch into batches: proven-clean rows, then Python examples."""

    def __init__(
        self, options: TableOptions, chosen: list[str], names: list[str], proof: str | None
    ) -> None:
        self.options, self.chosen, self.names, self.proof = options, chosen, names, proof
        self.context = CheckContext(profile=options.profile)

    def batches(
        self, record_batch: pa.RecordBatch, row: int, context: dict[str, object]
    ) -> Iterator[Batch]:
        """Batches of the rows of ``record_batch``, the first of which is row ``row``."""
        data = normalise_batch(record_batch.select(self.chosen)).rename_columns(self.names)
        keys = None
        if self.options.id_column is not None:
            column = self.options.id_column
            keys = [f"{column}={value}" for value in record_batch.column(column).to_pylist()]
        if self.proof is None:
            step = self.options.batch_rows
            for start in range(0, data.num_rows, step):
                piece = data.slice(start, step)
                picked = range(start, start + piece.num_rows)
                yield self._examples(piece, picked, row, context, keys)
            return
        yield from self._proven(data, row, context, keys)

    def _proven(self, data, row, context, keys) -> Iterator[Batch]:
        from ftdata.sources.vectorised import clean_rows, row_hashes

        proof = self.proof
        assert proof is not None  # called only for a table whose rows can be proven clean
        mask = clean_rows(data, proof, self.context)
        clean = np.flatnonzero(mask)
        if len(clean):
            hashes = row_hashes(data, mask, proof) if self.options.hash_clean_rows else None
            rows = CleanRows(
                proof,
                (clean + row).tolist(),
                hashes,
                [keys[i] for i in clean] if keys is not None else None,
            )
            yield Batch(context=context, clean=rows)
        rest = np.flatnonzero(~mask)
        step = self.options.batch_rows
        for start in range(0, len(rest), step):
            picked = rest[start : start + step]
            yield self._examples(data.take(pa.array(picked)), picked.tolist(), row, context, keys)

    def _examples(self, piece, picked, row, context, keys) -> Batch:
        values = piece.to_pylist()
        return Batch(
            positions=[row + i for i in picked],
            values=values,
            raws=[None] * len(values),
            context=context,
            keys=[keys[i] for i in picked] if keys is not None else None,
        )


def _guarded(part: Part, source: str) -> Iterator[pa.RecordBatch]:
    """The part's record batches; any read failure becomes a ``SourceError`` naming it."""
    where = part.label or part.file or source
    try:
        for item in prefetch(part.batches()):
            yield item if isinstance(item, pa.RecordBatch) else pa.record_batch(item)
    except _FATAL:
        raise
    except SourceError:
        raise
    except BaseException as exc:  # noqa: BLE001 - includes Rust panics; re-raised as ours
        raise SourceError(f"cannot read {where}: {type(exc).__name__}: {_first_line(exc)}") from exc


def prefetch(items: Iterable, depth: int = 2) -> Iterator:
    """``items``, produced by a background thread at most ``depth`` ahead.

    Decoding Parquet releases the GIL, so reading the next record batch
    overlaps with checking this one (measured: reading was half the time of a
    Delta run). Errors of the producer are raised here, in order.
    """
    import queue
    import threading

    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            outcome: tuple[object, BaseException | None] = (done, None)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            outcome = (done, exc)
        while not stop.is_set():
            try:
                buffer.put(outcome, timeout=0.1)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=produce, name="ftdata-read", daemon=True)
    worker.start()
    try:
        while True:
            item, error = buffer.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:500] if text else "no detail"


def from_table(name: str, table: pa.Table | pa.RecordBatch, options: TableOptions) -> TableSource:
    """A source over an in-memory ``pyarrow.Table`` (or one record batch)."""
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    part = Part(lambda: table.to_batches(max_chunksize=options.read_rows))
    return TableSource(name, table.schema, lambda: [part], options)


def from_reader(name: str, reader: pa.RecordBatchReader, options: TableOptions) -> TableSource:
    """A source over a ``RecordBatchReader`` (read once, as it streams)."""
    part = Part(lambda: reader)
    return TableSource(name, reader.schema, lambda: [part], options)
