"""The executor side of the Spark path: one partition in, a partial result out.

Everything here is plain Python + pyarrow (no pyspark), so it is tested without
a cluster. A partition's Arrow record batches become :class:`Batch`es exactly
as a local table (or JSONL line) would, and a :class:`PartitionChecker` - the
local :class:`Checker` with two hooks - checks them. Rows are named by the
partition (``file = "partition-00003"``) and their 0-based index within it,
plus ``key = "id=..."`` when an ``id_column`` is given.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from ftdata.config import Settings
from ftdata.engine import Checker, _canonical
from ftdata.result import ResultBuilder
from ftdata.sources.base import Batch, Problem
from ftdata.sources.json_line import read_json_line, too_long
from ftdata.sources.normalise import normalise_batch
from ftdata.sources.table_options import TableOptions, plan_columns
from ftdata.tokens.counting.batches import TokenSettings, TokenStage

BATCH_ROWS = 1024  # as TableOptions.batch_rows: rows turned into Python objects at a time


@dataclass(frozen=True)
class Spec:
    """What every partition needs; pickled once into the mapInArrow closure."""

    settings: Settings
    tokens: TokenSettings | None
    tokenizer: bytes | None  # the driver's LoadedTokenizer, pickled; None: not counting
    skipped: str | None  # why no tokenizer was found (TK008), as on the driver
    task: str | None  # fixed on the driver, so partitions cannot disagree
    source: str
    options: TableOptions = field(default_factory=TableOptions)
    json_column: str | None = None
    threads: int = 1


def partition_label(partition: int) -> str:
    """How findings name a partition (zero-padded so that names sort in partition order)."""
    return f"partition-{partition:05d}"


def row_digest(value: object, raw: bytes | None) -> int:
    """A stable 64-bit digest of an example (Python's ``hash`` differs per process)."""
    data = raw if raw is not None else _canonical(value)
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


class RowBuilder(ResultBuilder):
    """A ResultBuilder that also remembers, per row of the partition, its codes and errors."""

    def __init__(self, policy, keep: int, label: str, keys: dict[int, str], record: bool) -> None:
        super().__init__(policy, keep)
        self.label = label
        self.keys = keys
        self.record = record  # per-row records are for annotate only (bounded by its batches)
        self.codes: dict[int, set[str]] = {}
        self.failed: set[int] = set()

    def emit(
        self,
        rule,
        message,
        *,
        source,
        line=None,
        row=None,
        version=None,
        pointer="",
        file=None,
        key=None,
    ) -> bool:
        """Record the finding, naming the partition (rows that did not parse lack it)."""
        if row is not None and file is None:
            file, key = self.label, key or self.keys.get(row)
        is_error = super().emit(
            rule,
            message,
            source=source,
            line=line,
            row=row,
            version=version,
            pointer=pointer,
            file=file,
            key=key,
        )
        if self.record and row is not None and self.enabled(rule):
            self.codes.setdefault(row, set()).add(rule.code)
            if is_error:
                self.failed.add(row)
        return is_error


class PartitionChecker(Checker):
    """The local Checker, with duplicates left to the driver and (to annotate) per-row records."""

    def __init__(self, spec: Spec, partition: int, annotate: bool = False) -> None:
        super().__init__(spec.settings)
        self.label = partition_label(partition)
        self.keys: dict[int, str] = {}
        self.builder = RowBuilder(
            spec.settings.policy(),
            spec.settings.keep_per_code,
            self.label,
            self.keys,
            record=annotate,
        )
        # Annotations are per row; duplicates need every partition, so they are validate's.
        self.dedupe &= not annotate
        self.digests: list[tuple[int, int, str | None]] = []  # (digest, row, key), per batch
        self.counted: dict[int, tuple[int, int]] = {}  # row -> (tokens, trainable)
        if spec.tokens is not None and spec.tokens.requested:
            from ftdata.tokens.check import TokenChecker

            loaded = (open_shipped_stage(spec), spec.skipped)
            on_example = self._counted if annotate else None
            self.tokens = TokenChecker(spec.tokens, self.builder, on_example, loaded)
        self.summary = self.builder.add_source(spec.source, "spark", spec.task)

    def _check_duplicate(self, value, raw, where) -> None:
        # Copies may sit in other partitions: only a digest is kept, compared on the driver.
        self.digests.append((row_digest(value, raw), where["row"], where.get("key")))

    def _counted(self, record: dict) -> None:
        self.counted[record["row"]] = (record["tokens"], record["trainable_tokens"])

    def state(self) -> bytes:
        """The partial result: builder state and token statistics, pickled."""
        return pickle.dumps(self.state_dict())

    def state_dict(self) -> dict:
        """What ``state`` pickles (subclasses add their own parts)."""
        stats = self.tokens.stats if self.tokens is not None else {}
        return {
            "builder": self.builder.state(),
            "stats": stats,
            "drops": self._drops,
            "identity": stage_identity(self.tokens),
        }


def stage_identity(tokens) -> tuple[str, str] | None:
    """(tokenizer sha256, template sha256) of a TokenChecker's stage, if it has one."""
    stage = tokens.stage if tokens is not None else None
    return (stage.tokenizer.sha256, stage.template.sha256) if stage is not None else None


_STAGES: dict[tuple, TokenStage] = {}  # per worker process: reused by its later tasks


def open_shipped_stage(spec: Spec) -> TokenStage | None:
    """Rebuild the token stage from the shipped bytes, with ``spec.threads`` encoder threads.

    A Python worker runs many tasks one after another; the stage (and its text
    cache, warm like a local run's) is kept for the next task of the same job.
    """
    if spec.tokenizer is None:
        return None
    key = (hashlib.sha256(spec.tokenizer).digest(), spec.tokens, spec.threads)
    if key not in _STAGES:
        _STAGES.clear()  # one tokenizer at a time: bounded memory
        _STAGES[key] = _load_stage(spec)
    return _STAGES[key]


def _load_stage(spec: Spec) -> TokenStage:
    # One encoder thread per task slot: Spark already runs one task per core, so more
    # threads would only compete (the Rust pool is bounded by driver.worker_partition).
    tokenizer = pickle.loads(spec.tokenizer)
    tokenizer.set_threads(spec.threads)
    return TokenStage(spec.tokens, tokenizer)


def table_batch(piece: pa.RecordBatch, spec: Spec, start: int, checker: PartitionChecker) -> Batch:
    """Typed rows as examples, converted exactly as a local table source converts them."""
    chosen, names = plan_columns(piece.schema.names, spec.options)
    if spec.options.id_column is not None:
        column = spec.options.id_column
        for offset, value in enumerate(piece.column(column).to_pylist()):
            checker.keys[start + offset] = f"{column}={value}"
    data = normalise_batch(piece.select(chosen)).rename_columns([names[c] for c in chosen])
    values = data.to_pylist()
    count = len(values)
    context = {"file": checker.label}
    keys = [checker.keys.get(start + i) for i in range(count)] if checker.keys else None
    return Batch(
        positions=list(range(start, start + count)),
        values=values,
        raws=[None] * count,
        context=context,
        keys=keys,
    )


def json_batch(piece: pa.RecordBatch, spec: Spec, start: int, checker: PartitionChecker) -> Batch:
    """Rows holding one JSON document each (a JSONL line), read exactly as JSONL lines are."""
    if spec.options.id_column is not None:
        column = spec.options.id_column
        for offset, value in enumerate(piece.column(column).to_pylist()):
            checker.keys[start + offset] = f"{column}={value}"
    batch = Batch(context={"file": checker.label})
    limit = spec.settings.max_line_bytes
    for offset, data in enumerate(json_rows(piece.column(spec.json_column))):
        _take_json(batch, start + offset, data, limit)
    if checker.keys:
        batch.keys = [checker.keys.get(p) for p in batch.positions]
    return batch


def json_rows(column: pa.Array) -> list[bytes | None]:
    """The column's rows as bytes: a string column is viewed as binary, never decoded here.

    Spark does not check that a string holds UTF-8; decoding it would raise
    on the first bad byte, where the JSONL reader reports invalid UTF-8 (LD003).
    """
    if pa.types.is_string(column.type):
        column = column.cast(pa.binary())
    elif pa.types.is_large_string(column.type):
        column = column.cast(pa.large_binary())
    return column.to_pylist()


def _take_json(batch: Batch, row: int, data: bytes | None, limit: int) -> None:
    """Add one JSON row as the JSONL source adds a line, located by ``row``.

    Each row is read as the first line of a file: a row is a document of its
    own (rows of many files, in any order), so a UTF-8 byte-order mark that
    starts it is skipped and noted, as at the start of a JSONL file. A null
    row is a blank line.
    """
    data = data or b""
    if len(data) > limit:  # as the JSONL source's --max-line-bytes
        rule, message = too_long(len(data), limit)
        batch.problems.append(Problem(rule, None, message, row=row))
        return
    read = read_json_line(data, first=True)
    for rule, message in read.notes:
        batch.notes.append(Problem(rule, None, message, row=row))
    if read.problem is not None:
        batch.problems.append(Problem(read.problem[0], None, read.problem[1], row=row))
    elif read.value is not None:
        batch.add(row, read.value, read.data)
        for rule, message in read.attached:
            batch.attach(Problem(rule, None, message, row=row))


def check_partition(
    batches: Iterator[pa.RecordBatch],
    spec: Spec,
    partition: int,
    annotate: bool = False,
    checker: PartitionChecker | None = None,
) -> Iterator[pa.RecordBatch]:
    """Check one partition; yield annotated input batches, or the partial result rows.

    ``checker`` is a prepared one (``ftdata.spark.write``'s, whose rows go to a sink).
    """
    checker = checker or PartitionChecker(spec, partition, annotate)
    convert = json_batch if spec.json_column else table_batch
    start = 0
    for record_batch in batches:
        for offset in range(0, record_batch.num_rows, BATCH_ROWS):
            piece = record_batch.slice(offset, BATCH_ROWS)
            checker.check_batch(convert(piece, spec, start, checker), checker.summary, "spark")
            checker.keys.clear()  # bounded memory: keys are needed only within the batch
            if annotate:
                yield _annotated(piece, checker, start)
            elif checker.digests:
                yield digest_rows(checker, partition)
            start += piece.num_rows
    if not annotate:
        yield state_row(checker, partition)


ANNOTATIONS = pa.schema(
    [
        ("ftdata_ok", pa.bool_()),
        ("ftdata_codes", pa.list_(pa.string())),
        ("ftdata_tokens", pa.int64()),
        ("ftdata_trainable_tokens", pa.int64()),
    ]
)


def _annotated(piece: pa.RecordBatch, checker: PartitionChecker, start: int) -> pa.RecordBatch:
    rows = range(start, start + piece.num_rows)
    builder, counted = checker.builder, checker.counted
    columns = [
        pa.array([row not in builder.failed for row in rows], pa.bool_()),
        pa.array([sorted(builder.codes.get(row, ())) for row in rows], pa.list_(pa.string())),
        pa.array([counted[row][0] if row in counted else None for row in rows], pa.int64()),
        pa.array([counted[row][1] if row in counted else None for row in rows], pa.int64()),
    ]
    for row in rows:  # bounded memory: a row's records are not needed once it is written
        builder.codes.pop(row, None)
        counted.pop(row, None)
    return pa.RecordBatch.from_arrays(
        [*piece.columns, *columns], names=[*piece.schema.names, *ANNOTATIONS.names]
    )


PARTIAL = pa.schema(
    [
        ("partition", pa.int32()),
        ("state", pa.binary()),
        ("digest", pa.int64()),
        ("row", pa.int64()),
        ("key", pa.string()),
    ]
)
PARTIAL_DDL = "partition int, state binary, digest bigint, row bigint, key string"  # = PARTIAL


def digest_rows(checker: PartitionChecker, partition: int) -> pa.RecordBatch:
    """One row per example of the batch just checked: its duplicate digest and position."""
    digests, checker.digests = checker.digests, []
    return pa.RecordBatch.from_arrays(
        [
            pa.array([partition] * len(digests), pa.int32()),
            pa.nulls(len(digests), pa.binary()),
            pa.array([d for d, _, _ in digests], pa.int64()),
            pa.array([r for _, r, _ in digests], pa.int64()),
            pa.array([k for _, _, k in digests], pa.string()),
        ],
        schema=PARTIAL,
    )


def state_row(checker: PartitionChecker, partition: int) -> pa.RecordBatch:
    """The partition's last output row: its pickled partial result (digest null)."""
    return pa.RecordBatch.from_arrays(
        [
            pa.array([partition], pa.int32()),
            pa.array([checker.state()], pa.binary()),
            pa.nulls(1, pa.int64()),
            pa.nulls(1, pa.int64()),
            pa.nulls(1, pa.string()),
        ],
        schema=PARTIAL,
    )


def loads_state(data: bytes) -> dict:
    """A partition's pickled state (written by our own executor code)."""
    return pickle.loads(data)


__all__ = ["Spec", "check_partition", "partition_label", "row_digest"]
