"""The executor side of the Spark path: one partition in, a partial result out.

Everything here is plain Python + pyarrow (no pyspark), so it is tested without
a cluster. A partition's Arrow record batches become :class:`Batch`es exactly
as a local table (or JSONL line) would, and a :class:`PartitionChecker` runs
the local driver (:class:`ftdata.core.driver.Runner`) over them, with its
duplicate step replaced by one that keeps digests for the Spark driver. Rows
are named by the partition (``file = "partition-00003"``) and their 0-based
index within it, plus ``key = "id=..."`` when an ``id_column`` is given.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from ftdata.config import Settings
from ftdata.core.check import canonical
from ftdata.core.driver import Runner
from ftdata.core.options import Options
from ftdata.core.verdicts import BatchVerdicts
from ftdata.findings import Severity
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
    data = raw if raw is not None else canonical(value)
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


class PartitionChecker:
    """One partition's run: the local driver, with duplicates left to the Spark driver.

    Rows that never became examples are named by the partition and key, as
    parsed rows are by their batch. ``annotate`` runs without DS002 (it needs
    every partition); ``on_row`` receives every example (a writer's sink).
    """

    def __init__(
        self, spec: Spec, partition: int, annotate: bool = False, on_row=None, dedupe: bool = True
    ) -> None:
        """``dedupe=False`` leaves DS002 out (``prepare``'s first pass, ``annotate``)."""
        self.spec = spec
        self.label = partition_label(partition)
        self.keys: dict[int, str] = {}
        self.digests: list[tuple[int, int, str | None]] = []  # (digest, row, key), per batch
        loaded = None
        if spec.tokens is not None and spec.tokens.requested:
            loaded = (open_shipped_stage(spec), spec.skipped)
        self.runner = Runner(
            Options(spec.settings, spec.tokens),
            on_row=on_row,
            loaded=loaded,
            digest=row_digest,
            duplicates=lambda _: self,
            dedupe=dedupe and not annotate,
            place_row=self.place_row,
        )
        self.summary = self.runner.start_source(spec.source, "spark", spec.task)
        self.more_state: Callable[[], dict] | None = None  # a writer's part of the state

    def place_row(self, row: int) -> dict:
        """Where an input row of this partition is: the partition, and its key if any."""
        return {"file": self.label, "key": self.keys.get(row)}

    def step(self, verdicts: BatchVerdicts) -> None:
        """The duplicate step: copies may sit in other partitions, so keep only digests."""
        for verdict in verdicts.rows:
            if verdict.digest is not None:
                where = verdict.where
                self.digests.append((verdict.digest, where["row"], where.get("key")))

    def flush(self) -> None:
        """Nothing waits here: the Spark driver compares the digests."""

    def check_batch(self, batch: Batch) -> BatchVerdicts:
        """Check and fold one batch of this partition; return its verdicts."""
        return self.runner.check_batch(batch, self.summary, "spark")

    def state(self) -> bytes:
        """The partial result: builder state and token statistics, pickled."""
        return pickle.dumps(self.state_dict())

    def state_dict(self) -> dict:
        """What ``state`` pickles (a writing partition adds its own parts)."""
        runner = self.runner
        state = {
            "builder": runner.builder.state(),
            "stats": runner.fold.stats if runner.token_settings is not None else {},
            "drops": runner.fold.drops,
            "identity": stage_identity(runner.stage),
        }
        if self.more_state is not None:
            state.update(self.more_state())
        return state


def stage_identity(stage) -> tuple[str, str] | None:
    """(tokenizer sha256, template sha256) of a token stage, if there is one."""
    return (stage.tokenizer.sha256, stage.template.sha256) if stage is not None else None


# Per worker process: reused by its later tasks. Key: (tokenizer sha256, settings, threads).
_STAGES: dict[tuple[bytes, TokenSettings, int], TokenStage] = {}


def open_shipped_stage(spec: Spec) -> TokenStage | None:
    """Rebuild the token stage from the shipped bytes, with ``spec.threads`` encoder threads.

    A Python worker runs many tasks one after another; the stage (and its text
    cache, warm like a local run's) is kept for the next task of the same job.
    """
    shipped, settings = spec.tokenizer, spec.tokens
    if shipped is None or settings is None:  # not counting, or no tokenizer on the driver
        return None
    key = (hashlib.sha256(shipped).digest(), settings, spec.threads)
    if key not in _STAGES:
        _STAGES.clear()  # one tokenizer at a time: bounded memory
        _STAGES[key] = _load_stage(shipped, settings, spec.threads)
    return _STAGES[key]


def _load_stage(shipped: bytes, settings: TokenSettings, threads: int) -> TokenStage:
    # One encoder thread per task slot: Spark already runs one task per core, so more
    # threads would only compete (the Rust pool is bounded by driver.worker_partition).
    tokenizer = pickle.loads(shipped)
    tokenizer.set_threads(threads)
    return TokenStage(settings, tokenizer)


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
    context: dict[str, object] = {"file": checker.label}
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
            verdicts = checker.check_batch(convert(piece, spec, start, checker))
            checker.keys.clear()  # bounded memory: keys are needed only within the batch
            if annotate:
                yield _annotated(piece, verdicts, start)
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


def _annotated(piece: pa.RecordBatch, verdicts: BatchVerdicts, start: int) -> pa.RecordBatch:
    rows = range(start, start + piece.num_rows)
    codes, failed = row_codes(verdicts)
    counted = {}
    for verdict in verdicts.rows:
        outcome = verdict.tokens
        if outcome is not None and outcome.error is None:
            counted[verdict.where["row"]] = (outcome.counts.tokens, outcome.counts.trainable_tokens)
    columns = [
        pa.array([row not in failed for row in rows], pa.bool_()),
        pa.array([sorted(codes.get(row, ())) for row in rows], pa.list_(pa.string())),
        pa.array([counted[row][0] if row in counted else None for row in rows], pa.int64()),
        pa.array([counted[row][1] if row in counted else None for row in rows], pa.int64()),
    ]
    return pa.RecordBatch.from_arrays(
        [*piece.columns, *columns], names=[*piece.schema.names, *ANNOTATIONS.names]
    )


def row_codes(verdicts: BatchVerdicts) -> tuple[dict[int, set[str]], set[int]]:
    """Per input row of a batch: the codes of every finding naming it, and the rows with an
    error finding (whatever part of the check found it)."""
    codes: dict[int, set[str]] = {}
    failed: set[int] = set()
    found = [*verdicts.notes, *(f for row in verdicts.unparsed for f in row)]
    found += [f for verdict in verdicts.rows for f in verdict.findings or ()]
    for rule, severity, _, _, where in found:
        row = where.get("row")
        if row is not None:
            codes.setdefault(row, set()).add(rule.code)
            if severity is Severity.ERROR:
                failed.add(row)
    return codes, failed


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
