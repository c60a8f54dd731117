"""The executor side of ``ftdata.spark.prepare``: check, tokenize and write one task attempt.

A partition is checked exactly as ``ftdata.spark.validate`` checks it (the
same :class:`PartitionChecker`), and every checked row goes to the same
:class:`RowSink` a local ``prepare`` uses. Each task *attempt* writes into a
folder of its own, ``<attempts>/p<partition>-t<task attempt id>``, so that a
retried or speculative attempt never writes over another one; the attempt's
last output row names its folder, and the driver publishes only the folders
named by the rows Spark committed (the attempts that won).

With ``dedupe`` a cheaper first pass (no tokenizer) yields the content digest
of every row that would reach the splitter; the driver finds the copies across
partitions and ships, per partition, the rows to leave out as ``duplicate``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from ftdata.spark.partition import PartitionChecker, Spec, check_partition
from ftdata.writers.sink import RowSink, SinkOptions, error_test
from ftdata.writers.split import Splitter, content_key, h64

if TYPE_CHECKING:
    pass

DIGESTS = pa.schema([("partition", pa.int32()), ("digest", pa.int64()), ("row", pa.int64())])
DIGESTS_DDL = "partition int, digest bigint, row bigint"  # = DIGESTS


@dataclass(frozen=True)
class WriteSpec:
    """What every write task needs besides the checking ``Spec``."""

    check: Spec
    sink: SinkOptions
    eval_fraction: float
    seed: int
    attempts: str  # the folder holding one folder per task attempt
    copies: dict[int, frozenset[int]] = field(default_factory=dict)  # partition -> rows to drop
    text_column: str | None = None  # pre-training: one document per row of this column


def signed64(digest: int) -> int:
    """An unsigned 64-bit digest as the signed value of the same bits (Spark's ``bigint``)."""
    return digest - (1 << 64) if digest >= 1 << 63 else digest


class PresetSplitter(Splitter):
    """The local content-hash split, with the duplicates decided across partitions beforehand."""

    def __init__(self, eval_fraction: float, seed: int, copies: frozenset[int]) -> None:
        """``copies``: rows of this partition that repeat an example kept earlier."""
        super().__init__(eval_fraction, seed, dedupe=False)
        self.copies = copies

    def assign(self, task: str, shaped, where: dict) -> str | None:
        """None for a known copy (the sink counts it as ``duplicate``), else the split."""
        if where.get("row") in self.copies:
            return None
        return super().assign(task, shaped, where)


class DigestSplitter(Splitter):
    """Records (digest, row) of every example that reaches it and writes nothing."""

    def __init__(self) -> None:
        """An empty record."""
        super().__init__()
        self.seen: list[tuple[int, int]] = []

    def assign(self, task: str, shaped, where: dict) -> None:
        """Record the example's content digest (as the local splitter's dedupe key)."""
        self.seen.append((signed64(h64(content_key(task, shaped))), where["row"]))
        return None


def writing_partition(spec: WriteSpec, partition: int, folder: Path) -> PartitionChecker:
    """A partition's run whose rows go to a RowSink writing into the attempt's folder.

    Its state adds what was written: counts, shards, folder, prompts.
    """
    checker = PartitionChecker(spec.check, partition)
    splitter = PresetSplitter(
        spec.eval_fraction, spec.seed, spec.copies.get(partition, frozenset())
    )
    stage = checker.runner.stage  # the sink needs the run's token stage, opened first
    sink = RowSink(
        folder,
        spec.sink,
        splitter,
        error_test(spec.check.settings),
        stage.tokenizer if stage is not None else None,
    )
    checker.runner.fold.on_row = sink

    def written() -> dict:
        shards = sink.close()  # the state row comes last: every row has been written
        return {
            "counts": sink.counts,
            "shards": shards,
            "folder": folder.name,
            "task": sink.task,
            "splitter": splitter,
        }

    checker.more_state = written
    return checker


def attempt_folder(spec: WriteSpec, partition: int, attempt: int) -> Path:
    """This task attempt's own folder (``attempt``: Spark's id, unique in the application)."""
    return Path(spec.attempts) / f"p{partition:05d}-t{attempt}"


def write_partition(
    batches: Iterator[pa.RecordBatch], spec: WriteSpec, partition: int, attempt: int
) -> Iterator[pa.RecordBatch]:
    """Check and write one partition; yield the validate partial rows (state last)."""
    checker = writing_partition(spec, partition, attempt_folder(spec, partition, attempt))
    yield from check_partition(batches, spec.check, partition, checker=checker)


def digest_partition(
    batches: Iterator[pa.RecordBatch], spec: WriteSpec, partition: int
) -> Iterator[pa.RecordBatch]:
    """The first pass of ``dedupe``: (partition, digest, row) of every example to be written."""
    splitter = DigestSplitter()
    sink = RowSink(Path(spec.attempts), spec.sink, splitter, error_test(spec.check.settings))
    checker = PartitionChecker(spec.check, partition, on_row=sink, dedupe=False)  # DS002: pass 2
    for _ in check_partition(batches, spec.check, partition, checker=checker):
        if splitter.seen:
            yield _digest_batch(partition, splitter)
    if splitter.seen:
        yield _digest_batch(partition, splitter)


def _digest_batch(partition: int, splitter: DigestSplitter) -> pa.RecordBatch:
    seen, splitter.seen = splitter.seen, []
    return pa.RecordBatch.from_arrays(
        [
            pa.array([partition] * len(seen), pa.int32()),
            pa.array([d for d, _ in seen], pa.int64()),
            pa.array([r for _, r in seen], pa.int64()),
        ],
        schema=DIGESTS,
    )
