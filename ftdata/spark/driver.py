"""The driver side of the Spark path: settings, the shipped tokenizer, and the merge.

The driver opens the same :class:`~ftdata.core.driver.Runner` as a local run.
Its token stage resolves the tokenizer once, here; the tokenizer travels to the
executors as pickled bytes inside the mapInArrow closure, so workers never look
for a model themselves. Partial results are merged into the driver's fold,
duplicates (DS002) are found by a Spark aggregation over per-row digests, and
then the Runner's own ``finish()`` emits the dataset-level findings once.
"""

from __future__ import annotations

import functools
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from ftdata.core.driver import Runner
from ftdata.errors import UsageError
from ftdata.findings import Severity
from ftdata.result import Result
from ftdata.rules import dataset
from ftdata.rules.context import first_task, task_of_keys
from ftdata.sources.base import Batch, Problem
from ftdata.spark.partition import (
    Spec,
    check_partition,
    loads_state,
    partition_label,
    stage_identity,
)


@dataclass
class DriverSource:
    """The DataFrame as the driver's Runner sees it: a name and its table-level notes."""

    name: str
    notes: list[Problem]
    kind: str = "spark"

    def batches(self) -> Iterator[Batch]:
        """One batch of table-level findings (the rows are checked on the executors)."""
        yield Batch(notes=list(self.notes))


def run_partition(batches, spec: Spec, annotate: bool):
    """The mapInArrow function: module-level so that executors import it by name."""
    yield from check_partition(batches, spec, worker_partition(spec.threads), annotate)


def worker_partition(threads: int) -> int:
    """In a Spark task's worker process: bound the Rust encoder pool; return the partition.

    The ``tokenizers`` library sizes its thread pool from ``RAYON_NUM_THREADS``
    once per process and offers no other knob, so it is set here, in the
    Python worker that Spark owns (and reuses for this job's later tasks), and
    never by library code that a user's own process runs.
    """
    from pyspark import TaskContext

    os.environ["RAYON_NUM_THREADS"] = str(threads)
    context = TaskContext.get()
    if context is None:  # only mapInArrow calls this, inside a task: a misuse otherwise
        raise RuntimeError("worker_partition runs only inside a Spark task")
    return context.partitionId()


def mapper(spec: Spec, annotate: bool):
    """``run_partition`` bound to a spec, ready for ``df.mapInArrow``."""
    return functools.partial(run_partition, spec=spec, annotate=annotate)


def arrow_schema(df):
    """The Arrow schema of a Spark DataFrame's rows (as mapInArrow hands them over)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema)


def table_notes(df, options) -> tuple[list[str], list[Problem]]:
    """Example key names, and the table-level findings on the projected schema (once)."""
    import pyarrow as pa

    from ftdata.sources.table_options import plan_columns
    from ftdata.sources.table_schema import schema_problems

    chosen, renamed = plan_columns(list(df.columns), options)
    schema = arrow_schema(df)
    projected = pa.schema([schema.field(c).with_name(renamed[c]) for c in chosen])
    return projected.names, schema_problems(projected, options.task, options.profile)


def detect_task(
    df,
    spec_task: str | None,
    json_column: str | None,
    names: list[str],
    max_line_bytes: int | None = None,
) -> str | None:
    """The source's task, fixed before partitions run: forced, else from columns or rows.

    A typed row holds every column, so its keys are the column names. JSON rows
    are read in order (partition by partition, stopping early) until one fits.
    """
    if spec_task is not None:
        return spec_task
    if json_column is None:
        return task_of_keys(names)
    cells = (text for (text,) in df.select(json_column).toLocalIterator())
    return json_rows_task(cells, max_line_bytes)


def json_rows_task(
    cells: Iterable[str | bytes | bytearray | None], max_line_bytes: int | None
) -> str | None:
    """The task of JSON rows: that of the first row that an executor reads as an example of one."""
    from ftdata.sources.json_line import read_json_line

    def examples():
        for cell in cells:
            # toLocalIterator gives a string column as str, a binary one as bytearray
            data = (
                cell.encode("utf-8", "surrogatepass")
                if isinstance(cell, str)
                else bytes(cell or b"")
            )
            if max_line_bytes is None or len(data) <= max_line_bytes:
                yield read_json_line(data, first=True).value  # as partition._take_json

    return first_task(examples())


def shipped_tokenizer(checker: Runner) -> tuple[bytes | None, str | None]:
    """The driver's loaded tokenizer as bytes, and why it is missing (TK008) if it is."""
    if checker.token_settings is None:
        return None, None
    stage = checker.stage
    return (pickle.dumps(stage.tokenizer) if stage else None), checker.skipped


def refuse_error_duplicates(checker: Runner, settings) -> None:
    """DS002 raised to error would change row validity after the fact; not supported here."""
    if checker.dedupe and settings.policy().get(dataset.DUPLICATE.code) is Severity.ERROR:
        raise UsageError(
            "ftdata.spark does not support DS002 at error severity; "
            "drop duplicates with DataFrame.dropDuplicates() instead"
        )


def merge_partials(checker: Runner, out) -> None:
    """Fold every partition's state into the driver's Runner, in partition order."""
    for partition, state in collect_states(out):
        merge_state(checker, partition, state)


def collect_states(out) -> list[tuple[int, dict]]:
    """(partition, unpickled state) of every partition's state row, in partition order."""
    from pyspark.sql import functions as F

    rows = out.where(F.col("state").isNotNull()).select("partition", "state").collect()
    return [
        (row["partition"], loads_state(row["state"]))
        for row in sorted(rows, key=lambda r: r["partition"])
    ]


def merge_state(checker: Runner, partition: int, state: dict) -> None:
    """Fold one partition's findings, drop tally and token statistics into ``checker``."""
    expected = stage_identity(checker.stage)
    if state["identity"] != expected:  # e.g. another ftdata version on the executors
        raise UsageError(
            f"partition {partition} counted with tokenizer/template "
            f"{state['identity']}, the driver with {expected}"
        )
    fold = checker.fold
    fold.builder.merge(state["builder"])
    fold.drops.merge(state.get("drops"))  # DS007 without a tokenizer, as a local run
    if checker.token_settings is not None:
        for task, stats in state["stats"].items():
            merge_stats(fold.stats.setdefault(task, type(stats)(task)), stats)


def merge_stats(into, other) -> None:
    """Add ``other``'s TokenStats to ``into``: counts add, per-example arrays concatenate."""
    for item in fields(into):
        mine, theirs = getattr(into, item.name), getattr(other, item.name)
        if item.name == "task":
            continue
        if isinstance(mine, dict):  # role -> per-example counts
            for key, value in theirs.items():
                mine.setdefault(key, type(value)(value.typecode)).extend(value)
        elif isinstance(mine, int):
            setattr(into, item.name, mine + theirs)
        else:  # array("q"): exact percentiles keep every count (8 bytes per example)
            mine.extend(theirs)


def emit_duplicates(checker: Runner, out, source: str) -> None:
    """DS002 for every example whose digest an earlier row (partition, row order) has."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    digests = out.where(F.col("digest").isNotNull()).select("digest", "partition", "row", "key")
    first = F.min(F.struct("partition", "row")).over(Window.partitionBy("digest"))
    copies = digests.withColumn("first", first).where(
        (F.col("partition") != F.col("first.partition")) | (F.col("row") != F.col("first.row"))
    )
    keep = checker.settings.keep_per_code
    # One job: the first `keep` copies in (partition, row) order plus one row with the total
    # (Spark reuses the digest shuffle for both halves of the union).
    kept_rows = (
        copies.orderBy("partition", "row")
        .limit(keep)
        .select(
            "partition",
            "row",
            "key",
            F.col("first.partition").alias("first_partition"),
            F.col("first.row").alias("first_row"),
            F.lit(None).cast("long").alias("total"),
        )
    )
    count_row = copies.agg(F.count("*").alias("total")).select(
        *[
            F.lit(None).cast(kind).alias(name)
            for name, kind in (
                ("partition", "int"),
                ("row", "long"),
                ("key", "string"),
                ("first_partition", "int"),
                ("first_row", "long"),
            )
        ],
        "total",
    )
    collected = kept_rows.unionByName(count_row).collect()
    total = next(r["total"] for r in collected if r["total"] is not None)
    kept = sorted(
        (r for r in collected if r["total"] is None), key=lambda r: (r["partition"], r["row"])
    )
    for copy in kept:
        original = partition_label(copy["first_partition"])
        message = f"duplicate of {source} file {original} row {copy['first_row']}"
        checker.builder.emit(
            dataset.DUPLICATE,
            message,
            source=source,
            row=copy["row"],
            file=partition_label(copy["partition"]),
            key=copy["key"],
        )
    for _ in range(total - len(kept)):  # beyond the cap only the count matters
        checker.builder.emit(dataset.DUPLICATE, "", source=source)


def finish(checker: Runner, fail_on) -> Result:
    """The dataset-level findings and the Result, exactly as ``ftdata.validate`` ends."""
    checker.finish()
    extra: dict[str, Any] = {}
    report = checker.token_report()
    if report is not None:
        extra["tokens"] = report
    return checker.builder.build(fail_on, extra)
