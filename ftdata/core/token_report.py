"""Dataset-level token findings (the model, the thresholds) and the report's ``tokens`` section.

Both read the token statistics the fold kept; neither knows about rows.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from ftdata.rules import dataset, tokens
from ftdata.rules.dataset import MAX_TOKENS, PRETRAINING_MIN_TOKENS
from ftdata.wording import joined

if TYPE_CHECKING:
    from ftdata.tokens.counting.statistics import TokenStats


def dataset_findings(
    emit,
    settings,
    stage,
    skipped: str | None,
    stats: dict[str, TokenStats],
    sources: tuple[str, ...],
    by_task: dict[str | None, tuple[str, ...]],
) -> None:
    """Emit the model's and the thresholds' findings through ``emit`` (a builder's).

    Each finding names the sources it concerns: all of them for the model,
    only the task's own (``by_task``) for that task's thresholds.
    """
    model = stage.model if stage else None
    if settings.model and model is None and skipped is None:
        return
    _deprecation(emit, settings, sources)
    if stage is None:
        emit(
            tokens.TOKENS_SKIPPED,
            skipped or "no tokenizer",
            source=joined(sources),
            sources=sources,
        )
        return
    for task, task_stats in sorted(stats.items()):
        _thresholds(emit, task, task_stats, stage.max_seq_len, by_task.get(task, sources))


def _deprecation(emit, settings, sources: tuple[str, ...]) -> None:
    from ftdata.tokens.models import get_model

    if settings.model:
        note = get_model(settings.model).deprecation_message()
        if note:
            emit(dataset.DEPRECATED_MODEL, note, source=joined(sources), sources=sources)


def _thresholds(emit, task: str, stats: TokenStats, window, sources: tuple[str, ...]) -> None:
    emit = partial(emit, sources=sources)
    source = joined(sources)
    total = stats.total
    if total >= MAX_TOKENS:
        emit(dataset.TOO_MANY_TOKENS, f"{task}: {total:,} tokens (10B or more)", source=source)
    if task == "pretraining":
        if total < PRETRAINING_MIN_TOKENS:
            emit(
                dataset.SMALL_CORPUS,
                f"{total:,} tokens; {PRETRAINING_MIN_TOKENS - total:,} "
                "short of the recommended 1.5M",
                source=source,
            )
        return
    if window is not None and total < window:
        emit(
            dataset.TOO_FEW_TOKENS,
            f"{task}: {total:,} tokens in total; at least one context "
            f"length ({window:,}) is needed, {window - total:,} missing",
            source=source,
        )
    count = len(stats.per_example)
    if count and stats.dropped == count:
        why = (
            f"empty turns, or no trainable token within {window:,} tokens"
            if window is not None
            else "empty turns"
        )  # no length: only empty turns drop
        emit(
            dataset.ALL_DROPPED,
            f"{task}: all {count:,} counted examples would be dropped ({why})",
            source=source,
        )


def report(stage, skipped: str | None, stats: dict[str, TokenStats], epochs: float) -> dict:
    """The ``tokens`` section of the report."""
    if stage is None:
        return {"requested": True, "skipped": skipped}
    identity = stage.identity()
    window = stage.max_seq_len
    by_task = {
        task: _task_section(task_stats, window, epochs)
        for task, task_stats in sorted(stats.items())
    }
    totals = {
        key: sum(section[key] for section in by_task.values())
        for key in (
            "total",
            "trainable",
            "trainable_in_window",
            "truncated_examples",
            "dropped_examples",
            "billed_tokens",
        )
    }
    from ftdata.tokens.counting.statistics import TokenStats  # only runs that count tokens

    overall = TokenStats("all")
    for task_stats in stats.values():
        overall.per_example.extend(task_stats.per_example)
    return {
        "requested": True,
        **identity,
        **totals,
        "epochs": epochs,
        "per_example": overall.summary(),
        "by_task": by_task,
    }


def located(where: dict) -> dict:
    """The location with the source first, for per-example records."""
    return {"source": where["source"], **{k: v for k, v in where.items() if k != "source"}}


def _task_section(stats: TokenStats, window: int | None, epochs: float) -> dict[str, Any]:
    reaching = stats.reaching_model
    section: dict[str, Any] = {
        "total": stats.total,
        "prompt": stats.prompt,
        "trainable": stats.trainable,
        "trainable_in_window": stats.trainable_in_window,
        "truncated_examples": stats.truncated,
        "tokens_lost_to_truncation": stats.tokens_lost,
        "dropped_examples": stats.dropped,
        "tokens_reaching_model": reaching,
        "billed_tokens": int(round(reaching * epochs)),
        "per_example": stats.summary(),
        "histogram": stats.histogram(),
    }
    if stats.roles:
        section["per_role"] = stats.role_summaries()
    if stats.task == "pretraining" and window:
        section["full_windows"] = stats.total // window
        section["tokens_reaching_model"] = section["full_windows"] * window
        section["trainable_in_window"] = section["tokens_reaching_model"]
        section["billed_tokens"] = int(round(section["tokens_reaching_model"] * epochs))
    return section
