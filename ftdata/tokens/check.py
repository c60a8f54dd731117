"""Token findings and statistics: the token stage's results turned into TK/DS findings.

The checker hands over the examples that passed every structural rule; this
module counts them in batches, reports per-example token findings, folds the
statistics, and at the end checks the dataset thresholds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ftdata.result import ResultBuilder
from ftdata.rules import dataset, tokens
from ftdata.rules.dataset import MAX_TOKENS, PRETRAINING_MIN_TOKENS
from ftdata.tokens.counting.batches import TokenSettings, TokenStage, open_stage
from ftdata.tokens.counting.statistics import TokenStats
from ftdata.wording import joined


class TokenChecker:
    """Counts valid examples, emits token findings, keeps per-task statistics."""

    def __init__(
        self,
        settings: TokenSettings,
        builder: ResultBuilder,
        on_example: Callable[[dict[str, Any]], None] | None = None,
        loaded: tuple[TokenStage | None, str | None] | None = None,
    ) -> None:
        """``loaded`` is an already opened ``(stage, why skipped)``; by default it is opened here.

        (Spark executors pass the stage built from the tokenizer the driver shipped.)
        """
        self.settings = settings
        self.builder = builder
        self.on_example = on_example
        self.stage: TokenStage | None
        self.stage, self.skipped = loaded if loaded is not None else open_stage(settings)
        self.stats: dict[str, TokenStats] = {}
        self._source_of_stats = ""

    def count_batch(self, pending: list[tuple[str, dict, dict]], with_codes: bool = False):
        """Count ``(task, example, where)`` rows; return, per row, whether an error was found.

        With ``with_codes``, each row gives ``(error, outcome, codes reported)`` instead.
        """
        if self.stage is None or not pending:
            nothing = [(False, None, []) if with_codes else False for _ in pending]
            return nothing
        outcomes = self.stage.count_examples([(task, example) for task, example, _ in pending])
        results = self.report_batch(pending, outcomes)
        return results if with_codes else [error for error, _, _ in results]

    def report_batch(self, pending: list[tuple[str, dict, dict]], outcomes: list):
        """Findings and statistics for rows already counted: ``(error, outcome, codes)`` each."""
        results = []
        for (task, _, where), outcome in zip(pending, outcomes, strict=True):
            self.builder.start_row()
            error = self._report(task, outcome, where)
            results.append((error, outcome, self.builder.row_codes))
        return results

    def _report(self, task: str, outcome, where: dict) -> bool:
        emit = self.builder.emit
        for where_in, literal in outcome.special_tokens:
            emit(
                tokens.SPECIAL_TOKEN_TEXT,
                f"{literal!r} in the text is read as a control token",
                pointer=where_in,
                **where,
            )
        for where_in in outcome.lists_as_text:
            emit(
                tokens.LIST_AS_TEXT,
                "the chat template renders this list of parts as its "
                "Python text; training learns that text",
                pointer=where_in,
                **where,
            )
        if outcome.error is not None:
            kind, message = outcome.error
            if kind == "tokenizer":
                return emit(tokens.TOKENIZER_ERROR, message, **where)
            rule = tokens.TEMPLATE_ERROR if kind == "template" else tokens.NOT_PREFIX_CONSISTENT
            return emit(rule, f"chat template: {message}", **where)
        counts = outcome.counts
        stats = self.stats.setdefault(task, TokenStats(task))
        stats.add(counts, self.stage.max_seq_len)
        if outcome.roles is not None:
            stats.add_roles(outcome.roles)
        if self.on_example is not None:
            record = {
                **_located(where),
                "tokens": counts.tokens,
                "prompt_tokens": counts.prompt_tokens,
                "trainable_tokens": counts.trainable_tokens,
                "trainable_in_window": counts.trainable_in_window,
                "truncated": counts.truncated,
                "dropped": counts.dropped,
            }
            if outcome.roles is not None:
                record["roles"] = outcome.roles
            self.on_example(record)
        if outcome.doubled_bos:
            emit(tokens.DOUBLED_BOS, "the example starts with two BOS tokens", **where)
        if counts.truncated and not counts.dropped:  # a dropped example is not trained at all
            emit(
                tokens.TRUNCATED,
                f"{counts.tokens:,} tokens; {counts.tokens_lost:,} past "
                f"the context length of {self.stage.max_seq_len:,} are cut",
                **where,
            )
        if counts.drop_reason == "empty_turn":
            emit(
                tokens.EMPTY_TRAINABLE,
                f"{_empty_side(task, outcome.turns)}; training drops it",
                **where,
            )
        elif counts.dropped:
            emit(
                tokens.DROPPED,
                f"no trainable token within the first {self.stage.max_seq_len:,}"
                " tokens; training drops it",
                **where,
            )
        return False

    def count_document(self, path: object, where: dict) -> bool:
        """Count one pre-training document; only a text the tokenizer fails on makes it invalid."""
        from ftdata.tokens.encoding.safe_encode import EncoderPanic

        if self.stage is None:
            return False
        try:
            total, literal = self.stage.count_document(path)
        except EncoderPanic as exc:
            return self.builder.emit(tokens.TOKENIZER_ERROR, str(exc), **where)
        self.stats.setdefault("pretraining", TokenStats("pretraining")).add_document(total)
        if self.on_example is not None:
            self.on_example(
                {
                    **_located(where),
                    "tokens": total,
                    "prompt_tokens": 0,
                    "trainable_tokens": total,
                    "trainable_in_window": total,
                    "truncated": False,
                    "dropped": False,
                }
            )
        if literal is not None:
            self.builder.emit(
                tokens.SPECIAL_TOKEN_TEXT,
                f"{literal!r} in the text is read as a control token",
                **where,
            )
        return False

    def finish(
        self, sources: tuple[str, ...], by_task: dict[str | None, tuple[str, ...]] | None = None
    ) -> None:
        """Dataset-level token findings: the model, the thresholds, all-dropped.

        Each finding names the sources it concerns: all of them for the model,
        only the task's own (``by_task``) for that task's thresholds.
        """
        model = self.stage.model if self.stage else None
        if self.settings.model and model is None and self.skipped is None:
            return
        self._deprecation(sources)
        if self.stage is None:
            self.builder.emit(
                tokens.TOKENS_SKIPPED,
                self.skipped or "no tokenizer",
                source=joined(sources),
                sources=sources,
            )
            return
        for task, stats in sorted(self.stats.items()):
            self._thresholds(task, stats, (by_task or {}).get(task, sources))

    def _deprecation(self, sources: tuple[str, ...]) -> None:
        from ftdata.tokens.models import get_model

        if self.settings.model:
            note = get_model(self.settings.model).deprecation_message()
            if note:
                self.builder.emit(
                    dataset.DEPRECATED_MODEL, note, source=joined(sources), sources=sources
                )

    def _thresholds(self, task: str, stats: TokenStats, sources: tuple[str, ...]) -> None:
        emit = partial(self.builder.emit, sources=sources)
        source = joined(sources)
        total, window = stats.total, self.stage.max_seq_len
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

    def report(self) -> dict[str, Any]:
        """The ``tokens`` section of the report."""
        if self.stage is None:
            return {"requested": True, "skipped": self.skipped}
        identity = self.stage.identity()
        window = self.stage.max_seq_len
        by_task = {
            task: _task_section(stats, window, self.settings.epochs)
            for task, stats in sorted(self.stats.items())
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
        overall = TokenStats("all")
        for stats in self.stats.values():
            overall.per_example.extend(stats.per_example)
        return {
            "requested": True,
            **identity,
            **totals,
            "epochs": self.settings.epochs,
            "per_example": overall.summary(),
            "by_task": by_task,
        }


def _empty_side(task: str, turns) -> str:
    """Which text of which turn tokenized to nothing, for TK007's message."""
    for number, turn in enumerate(turns or (), start=1):
        for side, ids in (("prompt", turn.prompt), ("response", turn.response)):
            if not ids:
                where = "" if task == "instruction" else f" of turn {number}"
                return f"the {side}{where} tokenizes to no token"
    return "a turn tokenizes to nothing"


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _located(where: dict) -> dict:
    """The location with the source first, for per-example records."""
    return {"source": where["source"], **{k: v for k, v in where.items() if k != "source"}}


def _task_section(stats: TokenStats, window: int | None, epochs: float) -> dict[str, Any]:
    reaching = stats.reaching_model
    section = {
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
