"""The driver side of ``ftdata.spark.prepare``: run the write tasks, then publish what won.

The output's life cycle is the local one (``ftdata.writers.outdir``): a locked
hidden temporary sibling of ``out``, an ownership manifest, one locked
exclusive publish. Inside the temporary folder the executors write one folder
per task attempt under ``.attempts/``, and their partial results go through
Spark's own committed writer into ``.partials/`` (Parquet), so only the
attempts that won appear there. The driver then moves each winner's
``train/``/``eval/`` into ``train/part-NNNNN/`` (``eval/part-NNNNN/``),
merges MDS indexes into one ``index.json`` per split, removes both scratch
folders (this run wrote them, inside its own temporary folder) and publishes.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftdata.errors import UsageError
from ftdata.spark import driver
from ftdata.spark.write import DIGESTS_DDL, WriteSpec, digest_partition, write_partition

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ftdata.core.driver import Runner
    from ftdata.preparation import PrepareResult

SPARK_FORMATS = ("mds", "parquet", "jsonl")  # text: a corpus is re-cut into files locally
SCRATCH = (".attempts", ".partials")


def local_out(out: str | os.PathLike) -> Path:
    """``out`` as a path the driver and every executor see; URIs are refused."""
    text = os.fspath(out)
    if "://" in text or text.startswith("dbfs:"):
        raise UsageError(
            f"--out {text}: ftdata.spark.prepare writes to a path that the driver "
            "and every executor see (e.g. /Volumes/..., /dbfs/..., a shared mount); "
            "object-store URIs are not supported yet"
        )
    path = Path(text)
    if path.name in ("", ".", ".."):
        raise UsageError(f"--out needs a folder name, not {text!r}")
    return path


def run_writes(df, spec: WriteSpec, tmp: Path):
    """Run every write task; return the committed partial results as a DataFrame."""
    from ftdata.spark.partition import PARTIAL_DDL

    partials = str(tmp / ".partials")
    df.mapInArrow(functools.partial(_write_task, spec=spec), PARTIAL_DDL).write.mode(
        "error"
    ).parquet(partials)
    return df.sparkSession.read.parquet(partials)


def _write_task(batches, spec: WriteSpec):
    from pyspark import TaskContext

    from ftdata.spark.documents import write_documents

    partition = driver.worker_partition(spec.check.threads)
    context = TaskContext.get()
    assert context is not None  # Spark runs this function in a task
    run = write_documents if spec.text_column else write_partition
    yield from run(batches, spec, partition, context.taskAttemptId())


def _digest_task(batches, spec: WriteSpec):
    from ftdata.spark.documents import digest_documents

    run = digest_documents if spec.text_column else digest_partition
    yield from run(batches, spec, driver.worker_partition(spec.check.threads))


def find_copies(df, spec: WriteSpec) -> dict[int, frozenset[int]]:
    """Rows to leave out as ``duplicate``: every copy after the first in (partition, row) order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    digests = df.mapInArrow(functools.partial(_digest_task, spec=spec), DIGESTS_DDL)
    first = F.min(F.struct("partition", "row")).over(Window.partitionBy("digest"))
    copies = digests.withColumn("first", first).where(
        (F.col("partition") != F.col("first.partition")) | (F.col("row") != F.col("first.row"))
    )
    found: dict[int, set[int]] = {}
    for row in copies.select("partition", "row").toLocalIterator():
        found.setdefault(row["partition"], set()).add(row["row"])
    return {partition: frozenset(rows) for partition, rows in found.items()}


def gather(checker, partials, splitter, counts) -> list:
    """Merge every winning attempt's state; return [(partition, folder, shards, task)]."""
    winners = []
    for partition, state in driver.collect_states(partials):
        driver.merge_state(checker, partition, state)
        counts.merge(state["counts"])
        splitter.absorb(state["splitter"])
        winners.append((partition, state["folder"], state["shards"], state["task"]))
    tasks = {task for *_, task in winners if task is not None}
    if len(tasks) > 1:
        raise UsageError(
            f"partitions hold different tasks ({', '.join(sorted(tasks))}); "
            "prepare each task into its own --out"
        )
    return winners


def lay_out(tmp: Path, winners: list, fmt: str) -> list:
    """Move the winners' files into ``<split>/part-NNNNN/``; return every ``ShardInfo``."""
    from ftdata.writers import ShardInfo

    shards = []
    for partition, folder, infos, _ in winners:
        part = f"part-{partition:05d}"
        for side in ("train", "eval"):
            source = tmp / ".attempts" / folder / side
            if source.is_dir():
                (tmp / side).mkdir(exist_ok=True)
                os.rename(source, tmp / side / part)
        for info in infos:
            side, _, name = info.path.partition("/")
            shards.append(ShardInfo(f"{side}/{part}/{name}", info.bytes, info.sha256, info.samples))
    for name in SCRATCH:
        shutil.rmtree(tmp / name, ignore_errors=True)  # this run's own scratch, in its folder
    if fmt == "mds":
        for side in ("train", "eval"):
            if (tmp / side).is_dir():
                merge_index(tmp / side)
    return shards


def merge_index(folder: Path) -> None:
    """One ``index.json`` over every ``part-NNNNN/index.json``, basenames made relative to it.

    This is the layout of mosaicml-streaming's index merging, so a reader given
    ``folder`` reads every partition's shards, partition by partition.
    """
    merged = []
    for part in sorted(p for p in folder.iterdir() if p.is_dir()):
        index = json.loads((part / "index.json").read_text("utf-8"))
        for shard in index["shards"]:
            for key in ("raw_data", "zip_data"):
                if shard.get(key):
                    shard[key] = {**shard[key], "basename": f"{part.name}/{shard[key]['basename']}"}
            merged.append(shard)
    text = json.dumps({"shards": merged, "version": 2}, sort_keys=True)
    (folder / "index.json").write_text(text, "utf-8")


def options_of(kwargs: dict[str, Any], given=None) -> dict[str, Any]:
    """The manifest's ``options`` (what determines the output), as the local ones.

    ``given`` is the Options passed instead of the checking keywords: its choices
    (and column options) are recorded in their place.
    """
    keys = (
        "format",
        "model",
        "tokenizer",
        "context_length",
        "tokenize",
        "eval_fraction",
        "seed",
        "dedupe",
        "strict",
        "compression",
        "hashes",
        "shard_bytes",
        "file_bytes",
        "task",
        "profile",
        "id_column",
        "columns",
        "rename",
        "json_column",
        "text_column",
        "pad_last_window",
    )
    options = {key: kwargs.get(key) for key in keys}
    if options["columns"] is not None:  # any iterable: recorded as the list it was
        options["columns"] = list(options["columns"])
    options["rename"] = dict(options["rename"] or {})
    options["hashes"] = sorted(set(options["hashes"] or ()))
    options["runner"] = "spark"
    if given is not None:
        from ftdata.prepare_options import from_options

        table = given.table
        options.update(from_options(given))
        options["id_column"] = table.id_column
        options["columns"] = list(table.columns) if table.columns is not None else None
        options["rename"] = dict(table.rename)
    return options


def execute(
    df: DataFrame,
    out: Path,
    checker: Runner,
    write: WriteSpec,
    options: dict[str, Any],
    *,
    force: bool,
    allow_empty: bool,
    name: str,
) -> PrepareResult:
    """Write, merge and publish as the local ``prepare`` does; return its ``PrepareResult``."""
    from ftdata.preparation import PrepareResult
    from ftdata.writers import guards, outdir

    try:
        outdir.recover_locked(out)  # a run killed mid-publish: bring back or clear its output
        expected = outdir.check_out(out, force)
        with guards.cleanup_on_signals():
            tmp, lock = outdir.new_temp(out)
            published = False
            try:
                status, manifest, result = _write(
                    df, tmp, checker, write, options, allow_empty, name, out
                )
                if status == "written":
                    outdir.publish(tmp, out, expected)
                    published = True
            finally:
                outdir.release(tmp, lock, remove=not published)
    except OSError as exc:
        if guards.is_output_error(exc, out):
            raise guards.output_error(exc, out) from exc
        raise
    return PrepareResult(out, status, manifest, result)


def _write(df, tmp: Path, checker, write: WriteSpec, options, allow_empty, name, out):
    """Run the tasks into ``tmp`` and lay it out; (status, manifest, result)."""
    from dataclasses import replace

    from ftdata.preparation import write_manifest
    from ftdata.writers.sink import SinkCounts
    from ftdata.writers.split import Splitter

    write = replace(write, attempts=str(tmp / ".attempts"))
    if options["dedupe"]:  # the first pass needs no tokenizer: copies share their verdict
        first = replace(write, check=replace(write.check, tokens=None, tokenizer=None))
        write = replace(write, copies=find_copies(df, first))
    partials = run_writes(df, write, tmp)
    counts, splitter = SinkCounts(), Splitter(write.eval_fraction, write.seed)
    winners = gather(checker, partials, splitter, counts)
    if checker.dedupe:
        driver.emit_duplicates(checker, partials, name)
    shards = lay_out(tmp, winners, write.sink.format)
    result = _result(checker, splitter, counts, bool(shards) or allow_empty, write, out)
    if options["strict"] and result.summary["errors"]:
        return "refused", None, result
    if not shards and not allow_empty:
        return "empty", None, result
    identity = checker.stage.identity() if checker.stage is not None else None
    inputs: list[dict[str, Any]] = [{"in_memory": "spark DataFrame", "name": name}]
    manifest = write_manifest(tmp, options, inputs, identity, result, counts, shards)
    return "written", manifest, result


def _result(checker, splitter, counts, wrote: bool, write: WriteSpec, out: Path):
    """The dataset-level findings and the Result, in the local ``prepare``'s order."""
    from ftdata import preparation as local
    from ftdata.rules import dataset

    checker.finish()
    local.emit_leaks(checker.builder, splitter)
    if not wrote:
        rows = checker.builder.totals()[0]
        why = local.why_nothing(counts, rows, write.sink.context_length)
        checker.builder.emit(dataset.NOTHING_WRITTEN, why, source=str(out))
    return checker.result()
