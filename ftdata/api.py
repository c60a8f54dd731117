"""The library entry points. They return values and never print."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ftdata.config import Settings, find_config, settings_from
from ftdata.engine import Checker
from ftdata.result import Result
from ftdata.sources import open_sources


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
    settings: Settings | None = None,
    use_config: bool = False,
) -> Result:
    """Check fine-tuning data and return a :class:`~ftdata.result.Result`.

    ``source`` is a path (file, folder, glob, ``-``), a list of paths, or
    in-memory examples (a list of dicts). ``task`` forces ``chat``,
    ``instruction`` or ``pretraining`` (default: detected per source).
    ``profile`` is ``databricks`` (the documented service rules, default) or
    ``llm-foundry`` (what the training engine accepts). ``select``/``ignore``
    take rule codes, names, families or globs; ``severity`` maps them to new
    levels. ``tasks`` maps globs to tasks (``{"data/chat/*": "chat"}``), applied
    per source when ``task`` is not given. ``use_config`` reads
    ``[tool.ftdata]`` from the nearest pyproject.toml (explicit arguments
    win). Raises ``UsageError`` for a missing path or a bad option; problems
    in the data are findings.
    """
    if settings is None:
        table = find_config()[1] if use_config else {}
        settings = settings_from(
            table,
            task=task,
            profile=profile,
            select=tuple(select) if select is not None else None,
            ignore=tuple(ignore) if ignore is not None else None,
            severity=dict(severity) if severity is not None else None,
            fail_on=fail_on,
            keep_per_code=keep_per_code,
            max_line_bytes=max_line_bytes,
            tasks=dict(tasks) if tasks is not None else None,
        )
    checker = Checker(settings)
    sources = open_sources(source, task=settings.task, max_line_bytes=settings.max_line_bytes,
                           task_for=settings.task_for)
    for item in sources:
        checker.check_source(item, task=settings.task_for(item.name))
    checker.finish()
    return checker.builder.build(settings.fail_on)
