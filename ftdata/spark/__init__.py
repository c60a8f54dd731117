"""ftdata on Spark: validate and count tokens over a Spark DataFrame with ``mapInArrow``.

``validate(df)`` returns the same :class:`~ftdata.result.Result` as
``ftdata.validate`` on the same rows; ``annotate(df)`` adds per-row verdict
columns so that bad rows can be filtered in Spark; ``prepare(df, out=...)``
writes the same training-ready shards as ``ftdata.prepare``, from the executors
(chat and instruction rows, or one pre-training document per row of a text
column). All run the local driver (:class:`ftdata.core.driver.Runner`) on
the executors; pyspark is imported only when they are called
(``pip install 'ftdata[spark]'``).

Rows are named by their partition and 0-based index within it
(``file="partition-00003", row=17``), plus ``key="id=..."`` when ``id_column``
is given - use one for locations that survive a re-partitioning.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ftdata.config import Settings
from ftdata.core.options import Options, build_options, given_options
from ftdata.result import Result
from ftdata.tokens.counting.batches import TokenSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ftdata.core.driver import Runner
    from ftdata.preparation import PrepareResult
    from ftdata.sources.base import Problem
    from ftdata.spark.partition import Spec

__all__ = ["validate", "annotate", "prepare"]


def _options(options: Options | None, given: dict[str, Any]) -> Options:
    """The run's options: ``options`` as given, else built from the keywords (one way)."""
    checked = given_options(options, given)
    return checked if checked is not None else build_options(**given)


def _prepare(
    df: DataFrame, json_column: str | None, name: str, run_options: Options, threads: int
) -> tuple[Runner, Spec]:
    """The driver's Runner and the executors' Spec (shared by validate and annotate)."""
    from ftdata.core.driver import Runner
    from ftdata.errors import UsageError
    from ftdata.spark import driver
    from ftdata.spark.partition import Spec

    settings = run_options.settings
    checker = Runner(run_options)
    driver.refuse_error_duplicates(checker, settings)
    options = replace(run_options.table, profile=settings.profile, task=settings.task)
    id_column = options.id_column
    names: list[str] = []
    notes: list[Problem] = []
    if json_column is not None:
        missing = [c for c in (json_column, id_column) if c and c not in df.columns]
        if missing:
            raise UsageError(f"the DataFrame has no column {', '.join(map(repr, missing))}")
        kind = df.schema[json_column].dataType.typeName()
        if kind not in ("string", "binary"):  # JSON text, as a JSONL line
            raise UsageError(f"json_column {json_column!r} is a {kind} column, not JSON text")
    else:
        names, notes = driver.table_notes(df, options)
    detected = driver.detect_task(df, settings.task, json_column, names, settings.max_line_bytes)
    checker.check_source(driver.DriverSource(name, notes), task=detected)
    tokenizer, skipped = driver.shipped_tokenizer(checker)
    spec = Spec(
        settings,
        run_options.token_settings,
        tokenizer,
        skipped,
        detected,
        name,
        options,
        json_column,
        threads,
    )
    return checker, spec


def validate(
    df: DataFrame,
    *,
    task: str | None = None,
    model: str | None = None,
    tokenizer: str | None = None,
    id_column: str | None = None,
    json_column: str | None = None,
    columns: Iterable[str] | None = None,
    rename: Mapping[str, str] | None = None,
    name: str = "<spark DataFrame>",
    profile: str | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    severity: Mapping[str, str] | None = None,
    fail_on: str | None = None,
    keep_per_code: int | None = None,
    context_length: int | None = None,
    epochs: float | None = None,
    date: Any = None,
    target_responses: str | None = None,
    target_prompts: str | None = None,
    per_role: bool | None = None,
    settings: Settings | None = None,
    token_settings: TokenSettings | None = None,
    tokenizer_threads: int = 1,
    options: Options | None = None,
) -> Result:
    """Check a Spark DataFrame on the executors and return the merged :class:`Result`.

    The options mean what they mean for ``ftdata.validate``. The DataFrame
    holds typed rows (``messages`` as ``array<struct<role, content>>``, or
    ``prompt``/``response``/``completion`` strings), or, with ``json_column``,
    one JSON document per row (e.g. ``spark.read.text("x.jsonl")`` and
    ``json_column="value"``), read by the JSONL source's own line reader
    (same findings and messages; a row is a document of its own, so a
    byte-order mark that starts it is noted and skipped as at a file's start).
    ``tokenizer_threads`` is the encoder threads per task (default 1: Spark
    already runs one task per core). Counts, token totals and percentiles are
    exact; duplicates (DS002) are found across partitions. ``options`` (an
    ``ftdata.core.options.Options``) replaces every rule, token and column option.
    """
    given = dict(
        task=task,
        profile=profile,
        select=select,
        ignore=ignore,
        severity=severity,
        fail_on=fail_on,
        keep_per_code=keep_per_code,
        model=model,
        tokenizer=tokenizer,
        context_length=context_length,
        epochs=epochs,
        date=date,
        target_responses=target_responses,
        target_prompts=target_prompts,
        per_role=per_role,
        settings=settings,
        token_settings=token_settings,
        id_column=id_column,
        columns=columns,
        rename=rename,
    )
    run_options = _options(options, given)
    checker, spec = _prepare(df, json_column, name, run_options, tokenizer_threads)
    from ftdata.spark import driver
    from ftdata.spark.partition import PARTIAL_DDL

    out = df.mapInArrow(driver.mapper(spec, annotate=False), PARTIAL_DDL)
    if checker.dedupe:
        out = out.persist()  # read twice (states, digests): count tokens only once
    try:
        driver.merge_partials(checker, out)
        if checker.dedupe:
            driver.emit_duplicates(checker, out, name)
    finally:
        if checker.dedupe:
            out.unpersist()
    return driver.finish(checker, run_options.settings.fail_on)


def annotate(
    df: DataFrame,
    *,
    task: str | None = None,
    model: str | None = None,
    tokenizer: str | None = None,
    id_column: str | None = None,
    json_column: str | None = None,
    columns: Iterable[str] | None = None,
    rename: Mapping[str, str] | None = None,
    profile: str | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    severity: Mapping[str, str] | None = None,
    context_length: int | None = None,
    date: Any = None,
    target_responses: str | None = None,
    target_prompts: str | None = None,
    settings: Settings | None = None,
    token_settings: TokenSettings | None = None,
    tokenizer_threads: int = 1,
    options: Options | None = None,
) -> DataFrame:
    """The DataFrame with four columns added per row (lazily; nothing runs until an action).

    ``ftdata_ok`` (no error finding), ``ftdata_codes`` (sorted codes of the
    row's findings), ``ftdata_tokens`` and ``ftdata_trainable_tokens`` (null
    when the row was not counted). Per-row codes leave out what only the
    whole dataset shows: duplicates (DS002; use ``dropDuplicates``) and the
    DS thresholds. ``df.where("ftdata_ok")`` keeps the rows training accepts.
    """
    from pyspark.sql.types import ArrayType, BooleanType, LongType, StringType, StructField

    given = dict(
        task=task,
        profile=profile,
        select=select,
        ignore=ignore,
        severity=severity,
        model=model,
        tokenizer=tokenizer,
        context_length=context_length,
        date=date,
        target_responses=target_responses,
        target_prompts=target_prompts,
        settings=settings,
        token_settings=token_settings,
        id_column=id_column,
        columns=columns,
        rename=rename,
    )
    run_options = _options(options, given)
    if options is None and settings is None:  # annotate reports per row: one finding kept
        run_options = replace(run_options, settings=replace(run_options.settings, keep_per_code=1))
    _, spec = _prepare(df, json_column, "<spark DataFrame>", run_options, tokenizer_threads)
    from ftdata.spark import driver

    added = [
        StructField("ftdata_ok", BooleanType(), False),
        StructField("ftdata_codes", ArrayType(StringType(), False), False),
        StructField("ftdata_tokens", LongType(), True),
        StructField("ftdata_trainable_tokens", LongType(), True),
    ]
    schema = df.schema.__class__([*df.schema.fields, *added])
    return df.mapInArrow(driver.mapper(spec, annotate=True), schema)


def prepare(
    df: DataFrame,
    *,
    out: str | os.PathLike[str],
    format: str = "mds",  # noqa: A002 (the CLI's --format)
    model: str | None = None,
    tokenizer: str | None = None,
    context_length: int | None = None,
    tokenize: bool = True,
    eval_fraction: float = 0.0,
    seed: int = 0,
    dedupe: bool = False,
    strict: bool = False,
    force: bool = False,
    compression: str | None = "zstd",
    hashes: tuple[str, ...] = ("sha1",),
    shard_bytes: int = 1 << 26,
    file_bytes: int | None = None,
    task: str | None = None,
    profile: str | None = None,
    date: Any = None,
    id_column: str | None = None,
    json_column: str | None = None,
    columns: Iterable[str] | None = None,
    rename: Mapping[str, str] | None = None,
    text_column: str | None = None,
    pad_last_window: bool = False,
    name: str = "<spark DataFrame>",
    allow_empty: bool = False,
    tokenizer_threads: int = 1,
    options: Options | None = None,
) -> PrepareResult:
    """Write ``df``'s valid examples to ``out`` from the executors; a ``PrepareResult``.

    The options mean what they mean for ``ftdata.prepare`` (formats ``mds``,
    ``parquet``, ``jsonl``; chat and instruction rows) and the rows are read as
    ``validate`` reads them. The same rows are written and left out, with the
    same reasons, the same train/eval split and the same token ids as a local
    run over the same rows; ``dedupe`` keeps the first copy in (partition, row)
    order. Each split holds one folder per partition (``train/part-00003/``);
    for MDS a merged ``train/index.json`` lists every partition's shards.
    ``out`` must be a path the driver and every executor see (local mode, or a
    shared mount such as ``/Volumes/...``); URIs are refused. ``text_column``
    makes it a pre-training corpus, one document per row, cut into windows of
    the context length per partition: each partition's last partial window is
    dropped, or EOS-padded with ``pad_last_window``. ``options`` (an
    ``ftdata.core.options.Options``) replaces the checking and column keywords;
    the manifest records its choices.
    """
    from ftdata.errors import UsageError
    from ftdata.spark import shards
    from ftdata.writers import FILE_BYTES
    from ftdata.writers.sink import SinkOptions

    if format not in shards.SPARK_FORMATS:
        raise UsageError(
            f"ftdata.spark.prepare writes {', '.join(shards.SPARK_FORMATS)}, not {format!r}"
        )
    if not 0 <= eval_fraction < 1:
        raise UsageError("--eval-fraction must be at least 0 and below 1")
    target = shards.local_out(out)
    file_bytes = FILE_BYTES if file_bytes is None else file_bytes
    columns = list(columns) if columns is not None else None  # read twice: options, plan
    given = dict(
        task=task,
        profile=profile,
        model=model,
        tokenizer=tokenizer,
        context_length=context_length,
        date=date,
        id_column=id_column,
        columns=columns,
        rename=rename,
    )
    run_options = _options(options, given)
    writing = dict(
        format=format,
        tokenize=tokenize,
        eval_fraction=eval_fraction,
        seed=seed,
        dedupe=dedupe,
        strict=strict,
        compression=compression,
        hashes=hashes,
        shard_bytes=shard_bytes,
        file_bytes=file_bytes,
        json_column=json_column,
        text_column=text_column,
        pad_last_window=pad_last_window,
    )
    recorded = shards.options_of({**given, **writing}, run_options if options is not None else None)
    if tokenize and format != "jsonl" and run_options.token_settings is None:
        raise UsageError(
            f"--format {format} tokenizes: give --model or --tokenizer, or tokenize=False"
        )
    if text_column is not None:
        checker, spec = _documents_plan(df, text_column, name, run_options, tokenizer_threads)
    else:
        checker, spec = _prepare(df, json_column, name, run_options, tokenizer_threads)
    if spec.task == "pretraining" and text_column is None:
        raise UsageError("pre-training rows need text_column= (one document per row)")
    stage = checker.stage
    if checker.token_settings is not None and stage is None:
        raise UsageError(f"no tokenizer for the model: {checker.skipped}")
    sink = SinkOptions(
        format=format,
        tokenize=tokenize,
        compression=compression,
        hashes=tuple(hashes),
        shard_bytes=shard_bytes,
        file_bytes=file_bytes,
        pad_last_window=pad_last_window,
        context_length=stage.max_seq_len if stage is not None else context_length,
    )
    write = shards.WriteSpec(spec, sink, eval_fraction, seed, attempts="", text_column=text_column)
    return shards.execute(
        df, target, checker, write, recorded, force=force, allow_empty=allow_empty, name=name
    )


def _documents_plan(
    df: DataFrame, column: str, name: str, run_options: Options, threads: int
) -> tuple[Runner, Spec]:
    """The driver's Runner and the executors' Spec for a corpus of one document per row."""
    from ftdata.core.driver import Runner
    from ftdata.errors import UsageError
    from ftdata.spark import driver
    from ftdata.spark.partition import Spec

    if column not in df.columns:
        raise UsageError(f"the DataFrame has no column {column!r}")
    if run_options.token_settings is None:
        raise UsageError("pre-training shards hold token ids: give --model or --tokenizer")
    checker = Runner(run_options)
    checker.check_source(driver.DriverSource(name, []), task="pretraining")
    tokenizer, skipped = driver.shipped_tokenizer(checker)
    spec = Spec(run_options.settings, run_options.tokens, tokenizer, skipped, "pretraining", name)
    return checker, spec
