"""``ftdata.convert``: rewrite ShareGPT, Alpaca, OpenAI or mapped JSONL into the service's shape."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from ftdata.errors import UsageError
from ftdata.reshape.detect import detect
from ftdata.reshape.formats import FORMATS, rewrite_for
from ftdata.reshape.outputs import Targets
from ftdata.reshape.reading import open_input
from ftdata.reshape.result import RewriteResult, validate_output
from ftdata.reshape.stream import MAX_LINE_BYTES, Options, run


def convert(
    source: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str],
    format: str | None = None,  # noqa: A002 - the CLI's --from
    rename: Mapping[str, str] | None = None,
    roles: Mapping[str, str] | None = None,
    template: str | None = None,
    template_no_input: str | None = None,
    rejects: str | os.PathLike[str] | None = None,
    change_log: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    profile: str | None = None,
    model: str | None = None,
    context_length: int | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    on_change: Callable[[dict[str, Any]], None] | None = None,
) -> RewriteResult:
    """Convert ``source`` (a JSONL file, a Delta or Parquet table) into the service's shape.

    The JSONL file ``out`` receives the converted examples.

    ``format`` is ``sharegpt``, ``alpaca``, ``openai`` or ``columns``; ``None``
    detects it from the first examples (``RewriteResult.detected`` says what
    was found and why). ``rename`` maps new key names to the input's
    before converting (``{"prompt": "question"}``, as ``validate``'s ``rename``);
    ``roles`` adds ShareGPT speakers (``{"bot": "assistant"}``); ``template`` and
    ``template_no_input`` replace the Alpaca prompt templates (``{instruction}`` and
    ``{input}`` are filled in). Examples that cannot be converted, or stay invalid, go to
    ``rejects`` (default ``OUT.rejects.jsonl``) with their codes; every change
    goes to ``change_log`` (default ``OUT.changes.jsonl``) and to
    ``on_change``. The output is then validated (with ``model`` if given).
    ``dry_run`` writes nothing. Raises ``UsageError`` for a missing source, an
    existing target or an undetectable format; problems in the data are rejects.
    """
    source = str(source)
    renames = {old: new for new, old in (rename or {}).items()}  # the rewrite maps old -> new
    detected = None
    if format is None:
        format, reason = detect(source, open_input(source), max_line_bytes)
        if format is None and renames:
            format, reason = "columns", "no known format; keys renamed by the mapping"
        if format is None:
            raise UsageError(
                f"{source}: cannot tell the format ({reason}); pass --from {'|'.join(FORMATS)}"
            )
        detected = f"{format} ({reason})"
    rewrite = rewrite_for(
        format, renames=renames, roles=roles, template=template, template_no_input=template_no_input
    )
    options = Options(
        profile=profile,
        model=model,
        context_length=context_length,
        dry_run=dry_run,
        max_line_bytes=max_line_bytes,
    )
    targets = Targets.beside(source, out, rejects, change_log, dry_run=dry_run)
    summary = run(source, rewrite, options, targets, on_change)
    validation = None if dry_run else validate_output(targets, options, summary.task)
    return RewriteResult("convert", summary, targets, options, detected, format, validation)
