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

from ftdata.reshape.changes import Change
from ftdata.reshape.outputs import Targets, Writers, line
from ftdata.rules.context import classify
from ftdata.sources.jsonl import BOM, find_duplicate_key, parse_line
from ftdata.sources.lines import ReadFailure, iter_lines, open_binary

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
        return {"source": self.source, "task": self.task, "examples_in": self.examples_in,
                "written": self.written, "rejected": self.rejected,
                "changes_by_code": dict(sorted(self.changes.items())),
                "rejected_by_code": dict(sorted(self.rejected_by_code.items()))}


class Run:
    """One pass over ``source``: every example ends written or rejected."""

    def __init__(self, source: str, rewrite: Rewrite, options: Options,
                 writers: Writers | None, on_change: Callable[[dict], None] | None = None) -> None:
        self.source, self.rewrite, self.options = source, rewrite, options
        self.writers, self.on_change = writers, on_change
        self.summary = Summary(source)
        # Records in input order, each [line, what to write or None while being checked];
        # written from the front as soon as decided, so the files follow the input's order.
        self._queue: deque[list] = deque()
        self._pending: dict[int, list] = {}  # position in the checked stream -> its queue entry

    def execute(self) -> Summary:
        """Read, rewrite, check and write everything; return the accounting."""
        from ftdata.api import validate

        # DS002 is left to the fix that drops duplicates; the run keeps no example in memory.
        validate(self._examples(), profile=self.options.profile, model=self.options.model,
                 context_length=self.options.context_length, ignore=("DS002",),
                 keep_per_code=1, on_row=self._verdict)
        for entry in self._pending.values():  # never expected: a row the checker did not report
            entry[1] = self._rejected(entry[0], ["FT900"], None, None)
        self._pending.clear()
        self._flush()
        return self.summary

    def _examples(self) -> Iterator[dict]:
        """The rewritten examples to check, numbered as the checker numbers them."""
        position = 0
        for number, data, changes, cut_short in self._lines():
            self.summary.examples_in += 1
            value, code = _parse(data, cut_short)
            if code is not None:
                self._log(changes)
                self._reject(number, [code], value, data)
                continue
            done = self.rewrite(value, number)
            self._log(changes + done.changes)
            example = done.example
            codes = [code for code, _ in done.refused] or self._task_codes(example)
            if codes:
                self._reject(number, codes, example if done.example is not None else value, data)
                continue
            entry = [number, None]
            self._queue.append(entry)
            self._pending[position] = entry
            position += 1
            yield example

    def _task_codes(self, example: dict | None) -> list[str]:
        """SC001/SC002 for an example whose keys fit no task or not the file's task."""
        task = classify(example)
        if task is None:
            return ["SC001"]
        if self.summary.task is None:
            self.summary.task = task
        return [] if task == self.summary.task else ["SC002"]

    def _lines(self) -> Iterator[tuple[int, bytes, list[Change], bool]]:
        """Non-blank lines, their normalisations (BOM, CRLF), and whether the line has no end."""
        try:
            with open_binary(self.source) as stream:
                for raw in iter_lines(stream, self.options.max_line_bytes):
                    if raw.data is None:
                        self.summary.examples_in += 1
                        self._reject(raw.number, ["LD008"], None, b"")
                        continue
                    data, changes = _normalise(raw.number, raw.data)
                    if not data.strip():
                        self._log([*changes, Change(raw.number, "LD009", "drop-blank-line", "")])
                        continue
                    yield raw.number, data, changes, not raw.terminated
        except ReadFailure as failure:
            self.summary.examples_in += 1
            self._reject(failure.line, ["LD012"], None, failure.reason.encode())

    def _verdict(self, outcome) -> None:
        """Write a checked example to the output or, with its error codes, to the rejects."""
        entry = self._pending.pop(outcome.location["row"])
        if outcome.valid:
            self.summary.written += 1
            entry[1] = ("out", outcome.example)
        else:
            entry[1] = self._rejected(entry[0], sorted(set(outcome.codes)), outcome.example, None)
        self._flush()

    def _reject(self, number: int, codes: list[str], example: object, data: bytes | None) -> None:
        self._queue.append([number, self._rejected(number, codes, example, data)])
        self._flush()

    def _rejected(self, number: int, codes: list[str], example: object, data: bytes | None):
        """Count a rejected example; return its record for the rejects file."""
        self.summary.rejected += 1
        self.summary.rejected_by_code.update(set(codes))
        record: dict[str, Any] = {"source": self.source, "line": number, "codes": codes}
        if example is not None:
            record["example"] = example
        elif data is not None:
            record["text"] = data.decode("utf-8", errors="backslashreplace")
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
            record = change.to_dict(self.source)
            if self.writers is not None:
                self.writers.changes.write(line(record))
            if self.on_change is not None:
                self.on_change(record)


def _parse(data: bytes, cut_short: bool) -> tuple[object, str | None]:
    """``(object, None)`` for a line holding one JSON object, else what was read and its LD code."""
    value, problem = parse_line(data, last_unterminated=cut_short)
    if problem is not None:
        return None, problem[0].code
    if not isinstance(value, dict):
        return None, "LD002"
    if find_duplicate_key(data, value) is not None:
        return value, "LD006"
    return value, None


def _normalise(number: int, data: bytes) -> tuple[bytes, list[Change]]:
    """Strip a leading byte-order mark and a CR before the newline, logging each."""
    changes = []
    if number == 1 and data.startswith(BOM):
        data = data[len(BOM):]
        changes.append(Change(number, "LD010", "remove-byte-order-mark", "", "\ufeff", ""))
    if data.endswith(b"\r"):
        data = data[:-1]
        changes.append(Change(number, None, "crlf-to-lf", "", "\r\n", "\n"))
    return data, changes


def run(source: str, rewrite: Rewrite, options: Options, targets: Targets | None,
        on_change: Callable[[dict], None] | None = None) -> Summary:
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
