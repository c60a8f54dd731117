"""ftdata on Spark: validate and count tokens over a Spark DataFrame with ``mapInArrow``.

``validate(df)`` returns the same :class:`~ftdata.result.Result` as
``ftdata.validate`` on the same rows; ``annotate(df)`` adds per-row verdict
columns so that bad rows can be filtered in Spark. Both run the local
checking core (:class:`ftdata.engine.Checker`) on the executors; pyspark is
imported only when they are called (``pip install 'ftdata[spark]'``).

Rows are named by their partition and 0-based index within it
(``file="partition-00003", row=17``), plus ``key="id=..."`` when ``id_column``
is given - use one for locations that survive a re-partitioning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ftdata.config import Settings, settings_from, token_settings_from
from ftdata.result import Result
from ftdata.tokens.stage import TokenSettings

__all__ = ["validate", "annotate"]


def _settings(settings, token_settings, options: dict[str, Any]) -> tuple[Settings, TokenSettings]:
    token_keys = ("model", "tokenizer", "context_length", "epochs", "date", "target_responses",
                  "target_prompts", "per_role")
    tokens = {k: options.pop(k, None) for k in token_keys}
    if settings is None:
        settings = settings_from({}, **{k: (tuple(v) if k in ("select", "ignore") and v is not None
                                            else v) for k, v in options.items()})
    if token_settings is None:
        token_settings = token_settings_from({}, **tokens)
    return settings, token_settings


def _prepare(df, json_column, id_column, columns, rename, name, settings, token_settings,
             threads):
    """The driver's Checker and the executors' Spec (shared by validate and annotate)."""
    from ftdata.engine import Checker
    from ftdata.errors import UsageError
    from ftdata.sources.table_options import TableOptions
    from ftdata.spark import driver
    from ftdata.spark.partition import Spec

    checker = Checker(settings, token_settings)
    driver.refuse_error_duplicates(checker, settings)
    options = TableOptions(columns=tuple(columns) if columns is not None else None,
                           rename=dict(rename or {}), id_column=id_column,
                           profile=settings.profile, task=settings.task)
    names, notes = [], []
    if json_column is not None:
        missing = [c for c in (json_column, id_column) if c and c not in df.columns]
        if missing:
            raise UsageError(f"the DataFrame has no column {', '.join(map(repr, missing))}")
    else:
        names, notes = driver.table_notes(df, options)
    detected = driver.detect_task(df, settings.task, json_column, names)
    checker.check_source(driver.DriverSource(name, notes), task=detected)
    tokenizer, skipped = driver.shipped_tokenizer(checker)
    spec = Spec(settings, token_settings if token_settings.requested else None, tokenizer, skipped,
                detected, name, options, json_column, threads)
    return checker, spec


def validate(df, *, task: str | None = None, model: str | None = None,
             tokenizer: str | None = None, id_column: str | None = None,
             json_column: str | None = None, columns: Iterable[str] | None = None,
             rename: Mapping[str, str] | None = None, name: str = "<spark DataFrame>",
             profile: str | None = None, select: Iterable[str] | None = None,
             ignore: Iterable[str] | None = None, severity: Mapping[str, str] | None = None,
             fail_on: str | None = None, keep_per_code: int | None = None,
             context_length: int | None = None, epochs: float | None = None, date: Any = None,
             target_responses: str | None = None, target_prompts: str | None = None,
             per_role: bool | None = None,
             settings: Settings | None = None, token_settings: TokenSettings | None = None,
             tokenizer_threads: int = 1) -> Result:
    """Check a Spark DataFrame on the executors and return the merged :class:`Result`.

    The options mean what they mean for ``ftdata.validate``. The DataFrame
    holds typed rows (``messages`` as ``array<struct<role, content>>``, or
    ``prompt``/``response``/``completion`` strings), or, with ``json_column``,
    one JSON document per row (e.g. ``spark.read.text("x.jsonl")`` and
    ``json_column="value"``), parsed and checked as JSONL lines are.
    ``tokenizer_threads`` is the encoder threads per task (default 1: Spark
    already runs one task per core). Counts, token totals and percentiles are
    exact; duplicates (DS002) are found across partitions.
    """
    options = dict(task=task, profile=profile, select=select, ignore=ignore,
                   severity=dict(severity) if severity is not None else None, fail_on=fail_on,
                   keep_per_code=keep_per_code, model=model, tokenizer=tokenizer,
                   context_length=context_length, epochs=epochs, date=date,
                   target_responses=target_responses, target_prompts=target_prompts,
                   per_role=per_role)
    settings, token_settings = _settings(settings, token_settings, options)
    checker, spec = _prepare(df, json_column, id_column, columns, rename, name, settings,
                             token_settings, tokenizer_threads)
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
    return driver.finish(checker, settings.fail_on)


def annotate(df, *, task: str | None = None, model: str | None = None,
             tokenizer: str | None = None, id_column: str | None = None,
             json_column: str | None = None, columns: Iterable[str] | None = None,
             rename: Mapping[str, str] | None = None, profile: str | None = None,
             select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
             severity: Mapping[str, str] | None = None, context_length: int | None = None,
             date: Any = None, target_responses: str | None = None,
             target_prompts: str | None = None,
             settings: Settings | None = None, token_settings: TokenSettings | None = None,
             tokenizer_threads: int = 1):
    """The DataFrame with four columns added per row (lazily; nothing runs until an action).

    ``ftdata_ok`` (no error finding), ``ftdata_codes`` (sorted codes of the
    row's findings), ``ftdata_tokens`` and ``ftdata_trainable_tokens`` (null
    when the row was not counted). Per-row codes leave out what only the
    whole dataset shows: duplicates (DS002; use ``dropDuplicates``) and the
    DS thresholds. ``df.where("ftdata_ok")`` keeps the rows training accepts.
    """
    from pyspark.sql.types import ArrayType, BooleanType, LongType, StringType, StructField

    options = dict(task=task, profile=profile, select=select, ignore=ignore,
                   severity=dict(severity) if severity is not None else None, fail_on=None,
                   keep_per_code=1, model=model, tokenizer=tokenizer,
                   context_length=context_length, epochs=None, date=date,
                   target_responses=target_responses, target_prompts=target_prompts)
    settings, token_settings = _settings(settings, token_settings, options)
    _, spec = _prepare(df, json_column, id_column, columns, rename, "<spark DataFrame>",
                       settings, token_settings, tokenizer_threads)
    from ftdata.spark import driver

    added = [StructField("ftdata_ok", BooleanType(), False),
             StructField("ftdata_codes", ArrayType(StringType(), False), False),
             StructField("ftdata_tokens", LongType(), True),
             StructField("ftdata_trainable_tokens", LongType(), True)]
    schema = df.schema.__class__([*df.schema.fields, *added])
    return df.mapInArrow(driver.mapper(spec, annotate=True), schema)
