"""``ftdata.fix``: repair what the fixable rules report, safe fixes by default."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from ftdata.errors import UsageError
from ftdata.reshape.fixes import FIXERS, FixContext, apply
from ftdata.reshape.outputs import Targets
from ftdata.reshape.result import RewriteResult, validate_output
from ftdata.reshape.stream import MAX_LINE_BYTES, Options, Rewrite, Rewritten, run


def fix(
    source: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str],
    fixes: Iterable[str] | None = None,
    unsafe_fixes: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    change_log: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    profile: str | None = None,
    model: str | None = None,
    context_length: int | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    on_change: Callable[[dict[str, Any]], None] | None = None,
) -> RewriteResult:
    """Fix ``source`` (a JSONL file, a Delta or Parquet table) into the JSONL file ``out``.

    The input is never modified.

    The ``safe`` fixes always apply (see ``ftdata rules``: the ``fixable``
    column): a role spelled with other case or padding (CH006), extra keys
    (SC003, CH005), a byte-order mark (LD010) and CRLF line ends, exact
    duplicates (DS002). ``fixes`` adds ``opt-in`` fixes by code, name or glob
    (``["CH009", "CH011"]``); ``unsafe_fixes`` adds all of them. TK001 folds a
    system message into the first user turn only for a ``model`` whose chat
    template rejects it. Examples that stay invalid go to ``rejects`` with
    their codes; every change goes to ``change_log``. The output is then
    validated. Raises ``UsageError`` for a bad selector or target.
    """
    source = str(source)
    codes = chosen_fixes(fixes, unsafe_fixes)
    context = FixContext(
        profile=profile or "databricks", system_rejected="TK001" in codes and _rejects_system(model)
    )
    options = Options(
        profile=profile,
        model=model,
        context_length=context_length,
        dry_run=dry_run,
        max_line_bytes=max_line_bytes,
    )
    targets = Targets.beside(source, out, rejects, change_log, dry_run=dry_run)
    summary = run(source, _rewrite(codes, context), options, targets, on_change)
    validation = None if dry_run else validate_output(targets, options, summary.task)
    return RewriteResult(
        "fix", summary, targets, options, format=",".join(codes), validation=validation
    )


def chosen_fixes(selectors: Iterable[str] | None, unsafe: bool) -> tuple[str, ...]:
    """The codes of the fixes to apply: every safe one, plus the opt-in ones selected."""
    from ftdata.rules import catalog, registry

    fixable = [r for r in catalog.all_rules() if r.fix is not None]
    chosen = {r.code for r in fixable if r.fix == "safe" or unsafe}
    for selector in selectors or ():
        matched = [r.code for r in fixable if registry.matches(selector, r)]
        if not matched:
            names = ", ".join(r.code for r in fixable)
            raise UsageError(f"--fix {selector!r} names no fixable rule (fixable: {names})")
        chosen.update(matched)
    return tuple(sorted(chosen))


def _rewrite(codes: tuple[str, ...], context: FixContext) -> Rewrite:
    """The per-example rewrite: the fixes, then the duplicate check (DS002) if chosen."""
    seen: dict[bytes, int] = {}  # 16-byte digest -> first line: about 100 bytes per example
    per_example = tuple(c for c in codes if c in FIXERS)

    def rewrite(example: dict[str, Any], line: int) -> Rewritten:
        draft = apply(example, line, per_example, context)
        if draft.dropped:
            return Rewritten(draft.example, draft.changes, draft.dropped)
        if "DS002" in codes:
            first = seen.setdefault(_digest(draft.example), line)
            if first != line:
                return Rewritten(
                    draft.example, draft.changes, [("DS002", f"duplicate of line {first}")]
                )
        return Rewritten(draft.example, draft.changes)

    return rewrite


def _digest(example: dict[str, Any]) -> bytes:
    try:
        data = orjson.dumps(example, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        data = repr(example).encode()
    return hashlib.blake2b(data, digest_size=16).digest()


def _rejects_system(model: str | None) -> bool:
    """Whether ``model``'s chat template refuses a conversation starting with a system message."""
    if model is None:
        return False
    from ftdata.tokens.chat_templates.jinja_render import TemplateRenderError
    from ftdata.tokens.counting.batches import TokenSettings, TokenStage

    probe = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": "a"},
    ]
    try:
        TokenStage(TokenSettings(model=model)).template.render(probe)
    except TemplateRenderError:
        return True
    return False
