"""The checking core: batches of examples in, findings and row accounting out.

One :class:`Checker` serves every source kind; it knows nothing about files,
so the same code runs in-process and, later, on executors.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from ftdata.config import Settings
from ftdata.result import ResultBuilder, SourceSummary
from ftdata.rules import dataset, internal, registry, schema
from ftdata.rules.context import CheckContext, classify
from ftdata.rules.fastpath import is_clean
from ftdata.rules.registry import Rule
from ftdata.sources.base import Batch, Problem


class Checker:
    """Applies the enabled rules to every example of every source."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.context = CheckContext(profile=settings.profile)
        self.builder = ResultBuilder(settings.policy(), settings.keep_per_code)
        enabled = self.builder.enabled
        self.checks = {task: list(registry.iter_checks(task, enabled)) for task in registry.TASKS}
        self.dedupe = enabled(dataset.DUPLICATE)
        self._seen: dict[int, tuple[int, int]] = {}
        self._source_names: list[str] = []

    def check_source(self, source, task: str | None = None) -> SourceSummary:
        """Check every batch of one source and return its accounting.

        ``task`` forces the source's task; ``None`` detects it from the examples.
        """
        summary = self.builder.add_source(source.name, source.kind, task)
        self._source_names.append(source.name)
        for batch in source.batches():
            self.check_batch(batch, summary, source.kind)
        if summary.task is None and source.kind == "text":
            summary.task = "pretraining"
        return summary

    def check_batch(self, batch: Batch, summary: SourceSummary, kind: str) -> None:
        """Check one batch: unparsed rows, notes, then each example."""
        by_line = "line" if kind == "jsonl" else "row"
        for note in batch.notes:
            self._emit(note, summary.source)
        for problem in batch.problems:
            self.builder.start_row()
            self._emit(problem, summary.source)
            self.builder.end_row(summary)
        for index, value in enumerate(batch.values):
            position = batch.positions[index]
            self.builder.start_row()
            # A text document's findings point at its own file, not at the corpus.
            owner = str(value) if kind == "text" else summary.source
            for problem in batch.attached.get(index, ()):
                self._emit(problem, owner)
            if kind != "text":
                self._check_example(value, position, summary, by_line, batch.raws[index])
            self.builder.end_row(summary)

    def _check_example(self, value, position, summary, by_line, raw) -> None:
        where = {by_line: position, "source": summary.source}
        task = classify(value)
        if summary.task is None and task is not None:
            summary.task = task
        if task is None:
            keys = ", ".join(sorted(value)) if isinstance(value, dict) else type(value).__name__
            self.builder.emit(schema.UNKNOWN_TYPE, f"keys {{{keys}}} fit no task", **where)
            return
        if task != summary.task:
            message = f"this {task} example is in a {summary.task} source"
            self.builder.emit(schema.WRONG_TASK, message, **where)
            return
        if not is_clean(task, value, self.context):
            self._run_checks(self.checks[task], value, where)
        if self.dedupe:
            self._check_duplicate(value, raw, where)

    def _run_checks(self, checks: Iterable[Rule], value: dict, where: dict) -> None:
        context = self.context
        emit = self.builder.emit
        for rule in checks:
            try:
                for pointer, message in rule.check(value, context):
                    emit(rule, message, pointer=pointer, **where)
            except Exception as exc:  # a rule bug must not end the run
                emit(internal.RULE_CRASHED, f"{rule.code} raised {type(exc).__name__}: {exc}",
                     **where)

    def _check_duplicate(self, value: dict, raw: bytes | None, where: dict) -> None:
        key = hash(raw if raw is not None else _canonical(value))
        position = where.get("line", where.get("row"))
        first = self._seen.setdefault(key, (len(self._source_names) - 1, position))
        if first[1] != position or first[0] != len(self._source_names) - 1:
            source = self._source_names[first[0]]
            label = "line" if "line" in where else "row"
            message = f"duplicate of {source} {label} {first[1]}"
            self.builder.emit(dataset.DUPLICATE, message, **where)

    def _emit(self, problem: Problem, source: str) -> None:
        self.builder.emit(
            problem.rule, problem.message, source=source, line=problem.line,
            row=problem.row, pointer=problem.pointer,
        )

    def finish(self) -> None:
        """Emit the dataset-level findings once every source is checked."""
        self.builder.start_dataset_findings()
        rows, invalid = self.builder.totals()
        names = ", ".join(self._source_names) or "the input"
        if rows == 0:
            self.builder.emit(dataset.EMPTY_INPUT, f"no examples found in {names}", source=names)
        elif invalid == rows:
            message = f"all {rows} examples have errors; none is left to train on"
            self.builder.emit(dataset.NO_VALID, message, source=names)


def _canonical(value: object) -> bytes:
    """Stable bytes of an in-memory example, for duplicate detection."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return repr(value).encode()
