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
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from ftdata.core.driver import Runner
from ftdata.errors import UsageError
from ftdata.findings import Severity
from ftdata.result import Result
from ftdata.rules import dataset
from ftdata.rules.context import classify
from ftdata.sources.base import Batch
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
    notes: list
    kind: str = "spark"

    def batches(self) -> Iterator[Batch]:
        """One batch of table-level findings (the rows are checked on the executors)."""
        yield Batch(notes=list(self.notes))


def run_partition(batches, spec: Spec, annotate: bool):
    """The mapInArrow function: module-level so that executors import it by name."""
    from pyspark import TaskContext

    yield from check_partition(batches, spec, TaskContext.get().partitionId(), annotate)


def mapper(spec: Spec, annotate: bool):
    """``run_partition`` bound to a spec, ready for ``df.mapInArrow``."""
    return functools.partial(run_partition, spec=spec, annotate=annotate)


def arrow_schema(df):
    """The Arrow schema of a Spark DataFrame's rows (as mapInArrow hands them over)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema)


def table_notes(df, options) -> tuple[list[str], list]:
    """Example key names, and the table-level findings on the projected schema (once)."""
    import pyarrow as pa

    from ftdata.sources.table_options import plan_columns
    from ftdata.sources.table_schema import schema_problems

    chosen, renamed = plan_columns(list(df.columns), options)
    schema = arrow_schema(df)
    projected = pa.schema([schema.field(c).with_name(renamed[c]) for c in chosen])
    return projected.names, schema_problems(projected, options.task, options.profile)


def detect_task(df, spec_task: str | None, json_column: str | None, names: list[str]) -> str | None:
    """The source's task, fixed before partitions run: forced, else from columns or rows.

    A typed row holds every column, so its keys are the column names. JSON rows
    are read in order (partition by partition, stopping early) until one fits.
    """
    if spec_task is not None:
        return spec_task
    if json_column is None:
        return classify(dict.fromkeys(names))
    from ftdata.sources.jsonl import parse_line

    for (text,) in df.select(json_column).toLocalIterator():
        data = text.encode("utf-8") if isinstance(text, str) else (text or b"")
        value, problem = parse_line(data.rstrip(b"\r")) if data.strip() else (None, True)
        if problem is None and (task := classify(value)) is not None:
            return task
    return None


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
        first = partition_label(copy["first_partition"])
        message = f"duplicate of {source} file {first} row {copy['first_row']}"
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
