"""The checking core: batches of examples in, findings and row accounting out.

One :class:`Checker` serves every source kind; it knows nothing about files,
so the same code runs in-process and, later, on executors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

from ftdata.config import Settings
from ftdata.drops import DropTally
from ftdata.duplicates import DuplicateTracker
from ftdata.findings import Severity, list_keys
from ftdata.gc_tuning import fewer_collections
from ftdata.result import ResultBuilder, SourceSummary
from ftdata.rules import catalog, content_parts, dataset, internal, registry, schema
from ftdata.rules.content_parts import ContentShapes
from ftdata.rules.context import CheckContext, classify
from ftdata.rules.fastpath import is_clean
from ftdata.rules.registry import Rule
from ftdata.sources.base import Batch, Problem
from ftdata.tokens.counting.batches import TokenSettings
from ftdata.tokens.counting.foundry import readable
from ftdata.wording import article, joined


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """One example after every check: for writers, which consume only what is valid.

    ``tokens`` is the token stage's ``Outcome`` (counts and turn ids) when a
    model or tokenizer was given and the example reached it.
    """

    task: str
    example: object
    location: dict
    valid: bool
    codes: tuple[str, ...]
    tokens: object = None


class Checker:
    """Applies the enabled rules to every example of every source."""

    def __init__(
        self,
        settings: Settings,
        tokens: TokenSettings | None = None,
        on_example=None,
        on_row: Callable[[RowOutcome], None] | None = None,
        pipeline: bool = False,
    ) -> None:
        """``pipeline`` encodes a batch's tokens on a worker thread while the next
        batch is checked (see ``ftdata.token_pipeline``); results are the same."""
        self.settings = settings
        self.on_row = on_row
        self.builder = ResultBuilder(settings.policy(), settings.keep_per_code)
        enabled = self.builder.enabled
        self.checks = {task: list(catalog.iter_checks(task, enabled)) for task in registry.TASKS}
        self.dedupe = enabled(dataset.DUPLICATE)
        self._source_names: list[str] = []
        self._summaries: list[SourceSummary] = []
        # At error severity DS002 decides a row's validity, so it cannot wait.
        immediate = settings.policy().get(dataset.DUPLICATE.code) is Severity.ERROR
        self.duplicates = DuplicateTracker(self.builder, self._source_names, immediate)
        self.tokens = None
        self._pending_token_codes: dict[int, list[str]] = {}
        if tokens is not None and tokens.requested:
            from ftdata.tokens.check import TokenChecker

            self.tokens = TokenChecker(tokens, self.builder, on_example)
        self._context = CheckContext(profile=settings.profile)
        self._drops = DropTally()  # DS007 from structural drop findings (PR004)
        self._watch_shapes = settings.profile == "llm-foundry" and (
            enabled(content_parts.MIXED_CONTENT) or enabled(content_parts.PART_KEYS_DIFFER)
        )
        self._shapes: ContentShapes | None = None
        self._pipeline = None
        if pipeline and self.tokens is not None and self.tokens.stage is not None:
            from ftdata.token_pipeline import TokenPipeline

            self._pipeline = TokenPipeline(self.tokens.stage, self._finish_rows)

    @property
    def context(self) -> CheckContext:
        """The profile, and whether a tokenizer counts the examples (subclasses may attach one)."""
        tokenized = self.tokens is not None and self.tokens.stage is not None
        if self._context.tokenized != tokenized:
            self._context = CheckContext(self._context.profile, tokenized)
        return self._context

    def check_source(self, source, task: str | None = None) -> SourceSummary:
        """Check every batch of one source and return its accounting.

        ``task`` forces the source's task; ``None`` detects it from the examples.
        """
        summary = self.builder.add_source(source.name, source.kind, task)
        self._source_names.append(source.name)
        # Under llm-foundry, how the file's contents load (CH015/CH016) is a fact of the file.
        self._shapes = ContentShapes() if self._watch_shapes and source.kind == "jsonl" else None
        self._summaries.append(summary)
        with fewer_collections():
            for batch in source.batches():
                self.check_batch(batch, summary, source.kind)
            if self._pipeline is not None:
                self._pipeline.flush()
            self.duplicates.flush()  # a source's findings are all emitted before the next one
        for rule, message in self._shapes.findings() if self._shapes is not None else ():
            self.builder.emit(rule, message, source=summary.source)
        if summary.task is None and source.kind == "text":
            summary.task = "pretraining"
        return summary

    def check_batch(self, batch: Batch, summary: SourceSummary, kind: str) -> None:
        """Check one batch: notes, unparsed rows, each example, then its tokens."""
        by_line = "line" if kind == "jsonl" else "row"
        for note in batch.notes:
            self._emit(note, summary.source)
        for problem in batch.problems:  # rows that never became examples
            self.builder.start_row()
            self._emit(problem, summary.source)
            self.builder.fail_row()
            self.builder.end_row(summary)
        if batch.clean is not None:
            self._count_clean(batch, summary, by_line)
        outcomes = []  # (failed so far, what the token stage should count)
        for index, value in enumerate(batch.values):
            self.builder.start_row()
            # A text document's findings point at its own file, not at the corpus.
            owner = str(value) if kind == "text" else summary.source
            for problem in batch.attached.get(index, ()):
                self._emit(problem, owner)
            countable = None
            if kind == "text":
                countable = ("pretraining", value, {"source": owner})
            else:
                where = {by_line: batch.positions[index], "source": summary.source}
                if batch.context or batch.keys is not None:  # table rows: version, file, key
                    where.update(batch.location(index))
                countable = self._check_example(value, summary, where, batch.raws[index])
                if self._shapes is not None:
                    self._shapes.see(value, batch.positions[index])
                if countable is None:  # fits no task (or not this source's): never an example
                    self.builder.fail_row()
            outcomes.append((self.builder.row_failed, countable, self.builder.row_codes))
        self.duplicates.end_batch(outcomes)
        if self._pipeline is not None:
            self._pipeline.submit(outcomes, summary)
        else:
            self._finish_rows(outcomes, summary)

    def _count_clean(self, batch: Batch, summary: SourceSummary, by_line: str) -> None:
        """Count rows a table source proved clean on Arrow; only duplicates can still be found."""
        clean = batch.clean
        if summary.task is None:
            summary.task = clean.task
        summary.rows += len(clean.positions)  # valid, unless a duplicate finding is an error
        self._drops.add(clean.task, (), rows=len(clean.positions))
        if not self.dedupe or clean.hashes is None:
            return
        context, positions, keys = batch.context, clean.positions, clean.keys

        def where(index: int) -> dict:
            found = {by_line: positions[index], "source": summary.source, **context}
            if keys is not None:
                found["key"] = keys[index]
            return found

        self.duplicates.clean_rows(
            clean.hashes, positions, context.get("file") or by_line, where, summary
        )

    def _finish_rows(self, outcomes: list, summary: SourceSummary, counted_chats=None) -> None:
        """Run the token stage over the rows still valid, then count every row."""
        counted: dict[int, tuple[bool, object]] = {}
        if self.tokens is not None:
            counted = self._count_tokens(outcomes, counted_chats)
        for index, (failed, countable, codes) in enumerate(outcomes):
            token_error, token_outcome = counted.get(index, (False, None))
            self.builder.resume_row(failed or token_error, codes + self._token_codes(index))
            if countable is not None and not self.builder.row_failed:
                self._drops.add(countable[0], self.builder.row_codes)
            if self.on_row is not None and countable is not None:
                task, value, where = countable
                self.on_row(
                    RowOutcome(
                        task,
                        value,
                        where,
                        not self.builder.row_failed,
                        tuple(self.builder.row_codes),
                        token_outcome,
                    )
                )
            self.builder.end_row(summary)

    def _token_codes(self, index: int) -> list[str]:
        return self._pending_token_codes.get(index, [])

    def _count_tokens(self, outcomes: list, counted_chats=None) -> dict[int, tuple[bool, object]]:
        """Token-count the rows without errors; remember the codes each one got.

        ``counted_chats`` is ``(chats, stage outcomes)`` when the pipeline has
        already counted the chats; otherwise they are counted here.
        """
        counted: dict[int, tuple[bool, object]] = {}
        self._pending_token_codes = {}
        examples = [(i, c) for i, (failed, c, _) in enumerate(outcomes) if not failed and c]
        for index, (task, value, where) in examples:
            if task != "pretraining":
                continue
            self.builder.start_row()
            counted[index] = (self.tokens.count_document(value, where), None)
            self._pending_token_codes[index] = self.builder.row_codes
        if counted_chats is None:
            chats = [(i, c) for i, c in examples if c[0] != "pretraining"]
            results = self.tokens.count_batch([c for _, c in chats], with_codes=True)
        else:
            chats, stage_outcomes = counted_chats
            results = self.tokens.report_batch([c for _, c in chats], stage_outcomes)
        for (index, _), (error, outcome, codes) in zip(chats, results, strict=True):
            counted[index] = (error, outcome)
            self._pending_token_codes[index] = codes
        return counted

    def _check_example(self, value, summary, where, raw):
        """Run the rules on one example; return what the token stage should count, if valid."""
        task = classify(value)
        if summary.task is None and task is not None:
            summary.task = task
        if task is None:
            keys = list_keys(value) if isinstance(value, dict) else f"{{{type(value).__name__}}}"
            self.builder.emit(schema.UNKNOWN_TYPE, f"keys {keys} fit no task", **where)
            return None
        if task != summary.task:
            message = f"this {task} example is in {article(summary.task)} source"
            self.builder.emit(schema.WRONG_TASK, message, **where)
            return None
        if not is_clean(task, value, self.context):
            self._run_checks(self.checks[task], value, where)
            # A selection may have switched off the rules that reject a shape the token
            # stage cannot read ({"messages": "hi"}, a number as prompt): never an example.
            if self.tokens is not None and not readable(task, value):
                return None
        if self.dedupe:
            self._check_duplicate(value, raw, where)
        return (task, value, where)

    def _run_checks(self, checks: Iterable[Rule], value: dict, where: dict) -> None:
        context = self.context
        emit = self.builder.emit
        for rule in checks:
            try:
                for pointer, message in rule.check(value, context):
                    emit(rule, message, pointer=pointer, **where)
            except Exception as exc:  # a rule bug must not end the run
                emit(
                    internal.RULE_CRASHED,
                    f"{rule.code} raised {type(exc).__name__}: {exc}",
                    **where,
                )

    def _check_duplicate(self, value: dict, raw: bytes | None, where: dict) -> None:
        """Note the example's digest; DS002 follows at the end of the batch or later."""
        self.duplicates.note(hash(raw if raw is not None else _canonical(value)), where)

    def _emit(self, problem: Problem, source: str) -> None:
        self.builder.emit(
            problem.rule,
            problem.message,
            source=problem.source or source,
            line=problem.line,
            row=problem.row,
            pointer=problem.pointer,
        )

    def finish(self) -> None:
        """Emit the dataset-level findings once every source is checked."""
        if self._pipeline is not None:
            self._pipeline.close()
        self.duplicates.flush()  # check_source flushes; this covers batches checked directly
        self.builder.start_dataset_findings()
        everything = tuple(self._source_names)
        by_task: dict[str | None, tuple[str, ...]] = {}
        for summary in self._summaries:  # a task's thresholds concern its own sources only
            by_task[summary.task] = (*by_task.get(summary.task, ()), summary.source)
        if self.tokens is not None:
            self.tokens.finish(everything, by_task)
        names = joined(everything)
        for rule, message in self._drops.findings() if not self.context.tokenized else ():
            self.builder.emit(rule, message, source=names, sources=everything)
        rows, invalid = self.builder.totals()
        if rows == 0:
            self.builder.emit(
                dataset.EMPTY_INPUT,
                f"no examples found in {names}",
                source=names,
                sources=everything,
            )
        elif invalid == rows:
            message = (
                f"all {rows:,} examples have errors"
                if rows > 1
                else "the only example has an error"
            ) + "; none is left to train on"
            self.builder.emit(dataset.NO_VALID, message, source=names, sources=everything)


def _canonical(value: object) -> bytes | tuple:
    """A stable, hashable form of an in-memory example, for duplicate detection."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # a value JSON cannot hold: never repr() it (it may raise or be huge)
        pass
    try:
        return _frozen(value)
    except RecursionError:  # nested past Python's stack: counted as unique
        return ("deep", id(value))


def _frozen(value: object) -> tuple:
    """Equal examples give equal tuples (type-tagged, keys sorted); other objects count by id."""
    if isinstance(value, dict):
        return ("o", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("a", tuple(_frozen(v) for v in value))
    if type(value) in (str, int, float, bool) or value is None:
        return (type(value).__name__, value)
    return ("?", type(value).__qualname__, id(value))
