"""The library entry points. They return values and never print."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ftdata.config import CACHE_KEYS, SETTING_KEYS, TOKEN_KEYS, Settings
from ftdata.core.driver import run
from ftdata.core.options import TABLE_KEYS, Options, build_options, given_options
from ftdata.result import Result
from ftdata.tokens.counting.batches import TokenSettings


def validate(
    source: Any,
    *,
    task: str | None = None,
    profile: str | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    severity: Mapping[str, str] | None = None,
    fail_on: str | None = None,
    keep_per_code: int | None = None,
    max_line_bytes: int | None = None,
    tasks: Mapping[str, str] | None = None,
    model: str | None = None,
    tokenizer: str | None = None,
    context_length: int | None = None,
    epochs: float | None = None,
    date: Any = None,
    target_responses: str | None = None,
    target_prompts: str | None = None,
    per_role: bool | None = None,
    chat_template: str | None = None,
    settings: Settings | None = None,
    token_settings: TokenSettings | None = None,
    on_example: Callable[[dict[str, Any]], None] | None = None,
    use_config: bool = False,
    version: int | None = None,
    timestamp: str | None = None,
    storage_options: Mapping[str, str] | None = None,
    columns: Iterable[str] | None = None,
    rename: Mapping[str, str] | None = None,
    id_column: str | None = None,
    on_row: Callable[[Any], None] | None = None,
    progress: Callable[[Any], None] | None = None,
    cache_dir: str | None = None,
    options: Options | None = None,
) -> Result:
    """Check fine-tuning data and return a :class:`~ftdata.result.Result`.

    ``source`` is a path (file, folder, glob, ``-``), a list of paths,
    in-memory examples (a list or iterable of dicts; a record JSON cannot
    hold is a finding), or JSONL as ``bytes`` or a file object (binary or
    text, left open). ``task`` forces ``chat``,
    ``instruction`` or ``pretraining`` (default: detected per source).
    ``profile`` is ``databricks`` (the documented service rules, default) or
    ``llm-foundry`` (what the training engine accepts). ``select``/``ignore``
    take rule codes, names, families or globs; ``severity`` maps them to new
    levels. ``tasks`` maps globs to tasks (``{"data/chat/*": "chat"}``), applied
    per source when ``task`` is not given. ``use_config`` reads
    ``[tool.ftdata]`` from the nearest pyproject.toml (explicit arguments
    win). ``model`` (a supported model name) and/or ``tokenizer`` (a path)
    turn on the token stage: counts with the real tokenizer and chat template,
    truncation/drop at ``context_length`` (default: the model's), the dataset
    thresholds, and a billed-token estimate for ``epochs`` (default 3);
    ``date`` pins the date that templates embed; ``on_example`` receives the
    counts of every counted example (its location plus ``tokens``,
    ``prompt_tokens``, ``trainable_tokens`` (before truncation),
    ``trainable_in_window`` (what training learns from: after truncation at the
    context length, 0 when dropped), ``truncated``, ``dropped``, and with
    ``per_role`` the content tokens per role, ``roles``); ``per_role`` also encodes
    every message content alone for per-role statistics (costs a second encode
    of the contents); ``chat_template`` replaces the chat template of the model
    or tokenizer: a built-in template id (``mistral-instruct``,
    ``mistral-instruct-legacy``, ... as ``ftdata models`` lists them) or a path
    to a Jinja file, a ``tokenizer_config.json`` or a model folder; every
    report names the template used (``tokens.template``). Raises ``UsageError`` for a
    missing path or a bad option; problems
    in the data are findings.

    Tables: ``source`` may also be a Delta table folder or URI, a Parquet file
    or folder, or an in-memory ``pyarrow.Table``/``RecordBatchReader``, polars
    ``DataFrame``/``LazyFrame``, pandas ``DataFrame``, ``datasets.Dataset`` or
    ``datasets.DatasetDict`` (one source per split).
    ``version`` or ``timestamp`` (ISO 8601) pick a Delta version;
    ``storage_options`` go to deltalake as given; ``columns`` keeps only these
    columns; ``rename`` maps new names to table columns (``{"prompt":
    "question"}``); ``id_column`` names each row in findings. A table that
    cannot be read raises ``SourceError`` naming the table or data file.

    ``on_row`` receives every example after all its checks as an
    ``ftdata.core.fold.RowOutcome`` (task, example, location, valid, codes); it
    makes table rows reach Python (no Arrow-only proof of clean rows).
    ``progress`` receives a ``ftdata.progress.Tick`` after every batch read
    (bytes of plain files, else rows), e.g. to drive a progress bar.

    ``cache_dir`` turns on the incremental cache in that folder (also
    ``cache-dir`` in ``[tool.ftdata]`` with ``use_config``): JSONL chunks seen
    before under the same settings are not checked again, and the result is
    the one a run without the cache gives. ``ftdata.incremental.store.
    default_cache_dir()`` is the command line's default folder.

    ``options`` is an ``ftdata.core.options.Options`` holding every choice
    above at once (then give none of the option keywords).
    """
    given = {k: v for k, v in locals().items() if k in _KEYWORDS}
    checked = given_options(options, {**given, "use_config": use_config or None})
    if checked is None:
        checked = build_options(use_config=use_config, **given)
    return run(source, checked, on_example=on_example, on_row=on_row, progress=progress)


# The keywords that build an Options (the rest are the source and callbacks).
_KEYWORDS = frozenset(
    {*SETTING_KEYS, *TOKEN_KEYS, *TABLE_KEYS, *CACHE_KEYS, "settings", "token_settings"}
)
