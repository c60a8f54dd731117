"""The shared rewrite loop of ``convert`` and ``fix``: read, rewrite, check, write.

Lines are read once, in order. Each line that parses goes through the
command's rewrite; what comes out is checked by the same rules as
``ftdata.validate`` (fed as a stream, so memory stays bounded) and lands in
the output when valid, else in the rejects with its codes. Nothing is dropped
silently: ``examples_in == written + rejected`` always holds.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ftdata.api import validate
from ftdata.reshape.changes import Change
from ftdata.reshape.outputs import Targets, Writers, line
from ftdata.reshape.reading import Item, items, open_input
from ftdata.rules.catalog import drop_reasons
from ftdata.rules.context import classify

MAX_LINE_BYTES = 32 * 1024 * 1024


@dataclass(slots=True)
class Rewritten:
    """What a rewrite made of one example: the new example and its changes, or a refusal.

    ``refused`` lists ``(code, message)`` pairs; a refused example goes to the
    rejects as the rewrite left it (``example``), or as read when that is ``None``.
    """

    example: dict | None
    changes: list[Change] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


Rewrite = Callable[[dict, int], Rewritten]


@dataclass(slots=True)
class Options:
    """How the rewritten examples are checked (and the output validated)."""

    profile: str | None = None
    model: str | None = None
    context_length: int | None = None
    dry_run: bool = False
    max_line_bytes: int = MAX_LINE_BYTES


@dataclass(slots=True)
class Summary:
    """The accounting of one run: ``examples_in == written + rejected``."""

    source: str
    examples_in: int = 0
    written: int = 0
    rejected: int = 0
    changes: Counter = field(default_factory=Counter)
    rejected_by_code: Counter = field(default_factory=Counter)
    task: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain values (codes sorted)."""
        return {
            "source": self.source,
            "task": self.task,
            "examples_in": self.examples_in,
            "written": self.written,
            "rejected": self.rejected,
            "changes_by_code": dict(sorted(self.changes.items())),
            "rejected_by_code": dict(sorted(self.rejected_by_code.items())),
        }


class Run:
    """One pass over ``source``: every example ends written or rejected."""

    def __init__(
        self,
        source: str,
        rewrite: Rewrite,
        options: Options,
        writers: Writers | None,
        on_change: Callable[[dict], None] | None = None,
    ) -> None:
        self.source, self.rewrite, self.options = source, rewrite, options
        self.writers, self.on_change = writers, on_change
        self.summary = Summary(source)
        self.table = open_input(source)
        self.unit = "line" if self.table is None else "row"
        # Records in input order, each [line, what to write or None while being checked];
        # written from the front as soon as decided, so the files follow the input's order.
        self._queue: deque[list] = deque()
        self._pending: dict[int, list] = {}  # position in the checked stream -> its queue entry

    def execute(self) -> Summary:
        """Read, rewrite, check and write everything; return the accounting."""
        # DS002 is left to the fix that drops duplicates; the run keeps no example in memory.
        validate(
            self._examples(),
            profile=self.options.profile,
            model=self.options.model,
            context_length=self.options.context_length,
            ignore=("DS002",),
            keep_per_code=1,
            on_row=self._verdict,
        )
        for entry in self._pending.values():  # never expected: a row the checker did not report
            entry[1] = self._rejected(entry[0], ["FT900"], None)
        self._pending.clear()
        self._flush()
        return self.summary

    def _examples(self) -> Iterator[dict]:
        """The rewritten examples to check, numbered as the checker numbers them."""
        position = 0
        for item in self._items():
            self.summary.examples_in += 1
            self._log(item.changes)
            if item.code is not None:
                self._reject(item, [item.code], item.value)
                continue
            done = self.rewrite(item.value, item.position)
            self._log(done.changes)
            codes = [code for code, _ in done.refused] or self._task_codes(done.example)
            if codes:
                self._reject(item, codes, item.value if done.example is None else done.example)
                continue
            assert done.example is not None  # only a refusal leaves no example
            entry = [item, None]
            self._queue.append(entry)
            self._pending[position] = entry
            position += 1
            yield done.example

    def _items(self) -> Iterator[Item]:
        return items(self.source, self.table, self.options.max_line_bytes, self._log)

    def _task_codes(self, example: dict | None) -> list[str]:
        """SC001/SC002 for an example whose keys fit no task or not the file's task."""
        task = classify(example)
        if task is None:
            return ["SC001"]
        if self.summary.task is None:
            self.summary.task = task
        return [] if task == self.summary.task else ["SC002"]

    def _verdict(self, outcome) -> None:
        """Write a checked example to the output or, with its error codes, to the rejects."""
        entry = self._pending.pop(outcome.location["row"])
        dropped = _dropped_by_training(outcome)
        if outcome.valid and dropped:
            # Valid, but training would leave it out (llm-foundry drops it silently):
            # an output of such examples alone would fail DS007, so it is rejected.
            entry[1] = self._rejected(entry[0], dropped, outcome.example)
        elif outcome.valid:
            self.summary.written += 1
            entry[1] = ("out", outcome.example)
        else:
            entry[1] = self._rejected(entry[0], sorted(set(outcome.codes)), outcome.example)
        self._flush()

    def _reject(self, item: Item, codes: list[str], example: object) -> None:
        self._queue.append([item, self._rejected(item, codes, example)])
        self._flush()

    def _rejected(self, item: Item, codes: list[str], example: object):
        """Count a rejected example; return its record for the rejects file."""
        self.summary.rejected += 1
        self.summary.rejected_by_code.update(set(codes))
        record: dict[str, Any] = {
            "source": self.source,
            self.unit: item.position,
            **item.where,
            "codes": codes,
        }
        if example is not None:
            record["example"] = example
        elif item.text is not None:
            record["text"] = item.text.decode("utf-8", errors="backslashreplace")
        return ("rejects", record)

    def _flush(self) -> None:
        """Write the decided records at the front of the queue, in input order."""
        queue = self._queue
        while queue and queue[0][1] is not None:
            target, value = queue.popleft()[1]
            if self.writers is not None:
                getattr(self.writers, target).write(line(value))

    def _log(self, changes: list[Change]) -> None:
        for change in changes:
            self.summary.changes[change.code or change.fix] += 1
            record = change.to_dict(self.source, self.unit)
            if self.writers is not None:
                self.writers.changes.write(line(record))
            if self.on_change is not None:
                self.on_change(record)


def run(
    source: str,
    rewrite: Rewrite,
    options: Options,
    targets: Targets | None,
    on_change: Callable[[dict], None] | None = None,
) -> Summary:
    """Run one rewrite; write and publish the files unless ``options.dry_run``."""
    writers = None if options.dry_run or targets is None else Writers(targets)
    try:
        summary = Run(source, rewrite, options, writers, on_change).execute()
    except BaseException:
        if writers is not None:
            writers.discard()
        raise
    if writers is not None:
        writers.publish()
    return summary


def _dropped_by_training(outcome) -> list[str]:
    """The codes by which training would drop a valid example (empty turns, all truncated)."""
    codes = sorted(set(outcome.codes) & set(drop_reasons()))
    counts = getattr(outcome.tokens, "counts", None)
    if not codes and counts is not None and counts.dropped:
        codes = sorted(set(outcome.codes) & {"TK004", "TK007"}) or ["TK004"]
    return codes
