"""The fold: verdicts added to the result, with every piece of state a run keeps.

Counts (rows, valid, invalid, per code), kept findings (capped per code), the
drop tally (DS007 without a tokenizer), the token statistics and the
``on_row``/``on_example`` callbacks all live here; the core that makes the
verdicts has none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftdata.config import Settings
from ftdata.core import token_report
from ftdata.core.verdicts import BatchVerdicts, RowVerdict
from ftdata.drops import DropTally
from ftdata.findings import Severity
from ftdata.result import Result, ResultBuilder, SourceSummary
from ftdata.rules import dataset
from ftdata.rules.registry import Rule
from ftdata.wording import joined

if TYPE_CHECKING:
    from ftdata.tokens.counting.batches import Outcome, TokenSettings, TokenStage
    from ftdata.tokens.counting.statistics import TokenStats

# (token settings, the stage or None, why it is missing): what the dataset's TK findings need.
TokenRun = tuple["TokenSettings", "TokenStage | None", "str | None"]


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """One example after every check: for writers, which consume only what is valid.

    ``tokens`` is the token stage's ``Outcome`` (counts and turn ids) when a
    model or tokenizer was given and the example reached it.
    """

    task: str
    example: object
    location: dict[str, Any]
    valid: bool
    codes: tuple[str, ...]
    tokens: Outcome | None = None


class Fold:
    """Adds batch verdicts to one run's result, in the order they come."""

    def __init__(
        self,
        settings: Settings,
        *,
        window: int | None = None,
        on_row: Callable[[RowOutcome], None] | None = None,
        on_example: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """``window``: the token stage's context length (for truncation statistics)."""
        self.builder = ResultBuilder(settings.policy(), settings.keep_per_code)
        self.names: list[str] = []  # the sources, in the order they started
        self.summaries: list[SourceSummary] = []
        self.drops = DropTally()  # DS007 from structural drop findings (PR004)
        self.stats: dict[str, TokenStats] = {}
        self.window = window
        self.on_row = on_row
        self.on_example = on_example

    def start_source(self, name: str, kind: str, task: str | None) -> SourceSummary:
        """Begin accounting for a source and return its summary."""
        summary = self.builder.add_source(name, kind, task)
        self.names.append(name)
        self.summaries.append(summary)
        return summary

    def emit_at(self, rule: Rule, message: str, where: dict[str, Any]) -> bool:
        """One finding that belongs to no verdict (DS002 found late, CH015); whether an error."""
        return self.builder.emit(rule, message, **where)

    def add(self, verdicts: BatchVerdicts, summary: SourceSummary) -> None:
        """Fold one batch: its notes, unparsed rows, Arrow-clean rows and examples."""
        record = self.builder.record
        for found in verdicts.notes:
            record(*found)
        for found_in_row in verdicts.unparsed:
            for found in found_in_row:
                record(*found)
            summary.count(failed=True)
        if verdicts.clean is not None:
            self._clean(verdicts, summary)
        drops, on_row = self.drops, self.on_row
        for verdict in verdicts.rows:
            if verdict.findings:
                for found in verdict.findings:
                    record(*found)
            if verdict.task is not None:
                if not verdict.failed:
                    drops.add(verdict.task, verdict.codes)
                if verdict.tokens is not None or verdict.document_tokens is not None:
                    self._token_stats(verdict, verdict.task)
                if on_row is not None:
                    on_row(
                        RowOutcome(
                            verdict.task,
                            verdict.value,
                            verdict.where,
                            not verdict.failed,
                            verdict.codes,
                            verdict.tokens,
                        )
                    )
            summary.count(verdict.failed)

    def _clean(self, verdicts: BatchVerdicts, summary: SourceSummary) -> None:
        """Rows a table proved clean on Arrow: valid, but for copies found at error severity."""
        clean = verdicts.clean
        assert clean is not None  # called only for a batch with Arrow-clean rows
        rows = len(clean.positions)
        summary.rows += rows
        summary.valid += rows - verdicts.clean_copies
        summary.invalid += verdicts.clean_copies
        self.drops.add(clean.task, (), rows=rows)

    def _token_stats(self, verdict: RowVerdict, task: str) -> None:
        """Add a counted example of ``task`` to its statistics and tell ``on_example``."""
        counts = count_example(self.stats, verdict, task, self.window)
        if counts is not None and self.on_example is not None:
            self.on_example({**token_report.located(verdict.where), **counts})

    def finish(self, tokens: TokenRun | None = None) -> None:
        """Emit the dataset-level findings once every source is folded.

        ``tokens`` is ``(token settings, stage, why skipped)`` when the token
        stage was requested.
        """
        builder = self.builder
        builder.start_dataset_findings()
        everything = tuple(self.names)
        by_task: dict[str | None, tuple[str, ...]] = {}
        for summary in self.summaries:  # a task's thresholds concern its own sources only
            by_task[summary.task] = (*by_task.get(summary.task, ()), summary.source)
        if tokens is not None:
            settings, stage, skipped = tokens
            token_report.dataset_findings(
                builder.emit, settings, stage, skipped, self.stats, everything, by_task
            )
        names = joined(everything)
        tokenized = tokens is not None and tokens[1] is not None
        for rule, message in self.drops.findings() if not tokenized else ():
            builder.emit(rule, message, source=names, sources=everything)
        rows, invalid = builder.totals()
        if rows == 0:
            message = f"no examples found in {names}"
            builder.emit(dataset.EMPTY_INPUT, message, source=names, sources=everything)
        elif invalid == rows:
            message = (
                f"all {rows:,} examples have errors"
                if rows > 1
                else "the only example has an error"
            ) + "; none is left to train on"
            builder.emit(dataset.NO_VALID, message, source=names, sources=everything)

    def result(self, fail_on: Severity, extra: dict[str, Any] | None = None) -> Result:
        """The finished result."""
        return self.builder.build(fail_on, extra)


def count_example(
    stats: dict[str, TokenStats], verdict: RowVerdict, task: str, window: int | None
) -> dict[str, Any] | None:
    """Add a counted example to its task's ``stats``; return its per-example counts (the
    ``on_example`` record without its location), or None when it was not counted.

    ``window`` is the context length. Shared by the fold and the incremental cache's recorder,
    which keeps the same statistics for a chunk.
    """
    # Here, not at the top: a run without a token stage never loads the statistics.
    from ftdata.tokens.counting.statistics import TokenStats

    if verdict.document_tokens is not None:
        total = verdict.document_tokens
        stats.setdefault("pretraining", TokenStats("pretraining")).add_document(total)
        return {
            "tokens": total,
            "prompt_tokens": 0,
            "trainable_tokens": total,
            "trainable_in_window": total,
            "truncated": False,
            "dropped": False,
        }
    outcome = verdict.tokens
    if outcome is None or outcome.error is not None:  # not counted, or it failed
        return None
    counts = outcome.counts
    task_stats = stats.setdefault(task, TokenStats(task))
    task_stats.add(counts, window)
    if outcome.roles is not None:
        task_stats.add_roles(outcome.roles)
    record: dict[str, Any] = {
        "tokens": counts.tokens,
        "prompt_tokens": counts.prompt_tokens,
        "trainable_tokens": counts.trainable_tokens,
        "trainable_in_window": counts.trainable_in_window,
        "truncated": counts.truncated,
        "dropped": counts.dropped,
    }
    if outcome.roles is not None:
        record["roles"] = outcome.roles
    return record
