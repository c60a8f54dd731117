"""The consumer of validation results: each checked row either goes to a shard or is counted out.

``RowSink`` is the driver's ``on_row`` hook. A row is written only when it is
valid and the token stage did not drop it; everything else is counted by
reason (its first error code, ``dropped:<reason>``, ``duplicate``) so that
``examples in == written + left out``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftdata.errors import UsageError
from ftdata.rules import catalog
from ftdata.writers import FILE_BYTES, ShardInfo, records
from ftdata.writers.jsonl import service_shape
from ftdata.writers.split import Splitter

FORMATS = ("mds", "parquet", "jsonl", "text")
PROGRESS_EVERY = 1000


@dataclass
class SinkOptions:
    """How rows become files (see ``ftdata.prepare`` for each option)."""

    format: str = "mds"
    tokenize: bool = True
    rename_completion: bool = False
    compression: str | None = "zstd"
    hashes: tuple[str, ...] = ("sha1",)
    shard_bytes: int = 1 << 26
    file_bytes: int = FILE_BYTES
    pad_last_window: bool = False
    context_length: int | None = None


@dataclass
class SinkCounts:
    """What the sink did, for the manifest."""

    seen: int = 0
    written: Counter[str] = field(default_factory=Counter)  # split -> examples (text: documents)
    left_out: Counter[str] = field(default_factory=Counter)  # reason -> examples
    tokens_written: int = 0
    truncated_written: int = 0
    windows: Counter[str] = field(default_factory=Counter)  # split -> token windows
    padding_tokens: int = 0
    tail_tokens_dropped: int = 0

    def merge(self, other: SinkCounts) -> None:
        """Add another sink's counts (a Spark partition's) to these."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, Counter):
                mine.update(value)
            else:
                setattr(self, name, mine + value)


def error_test(settings) -> Callable[[str], bool]:
    """Whether a finding code is an error under ``settings``' policy (unknown codes are not)."""
    from ftdata.findings import Severity

    policy = settings.policy()

    def is_error(code: str) -> bool:
        try:
            rule = catalog.get(code)
        except KeyError:
            return False
        return policy.get(code, rule.severity) is Severity.ERROR

    return is_error


class RowSink:
    """Routes valid rows to per-split writers; counts the others."""

    def __init__(
        self,
        folder: Path,
        options: SinkOptions,
        splitter: Splitter,
        is_error: Callable[[str], bool],
        tokenizer: Any = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """``tokenizer`` (the token stage's) is needed for pre-training MDS/Parquet only."""
        if options.format not in FORMATS:
            raise UsageError(f"--format takes {', '.join(FORMATS)}, not {options.format!r}")
        self.folder, self.options, self.splitter = folder, options, splitter
        self.is_error, self.tokenizer, self.progress = is_error, tokenizer, progress
        self.counts = SinkCounts()
        self.task: str | None = None
        self._writers: dict[str, Any] = {}
        self._windows: dict[str, records.TokenWindows] = {}
        self._drops = catalog.drop_reasons()

    def __call__(self, row) -> None:
        """Take one ``RowOutcome``."""
        counts = self.counts
        counts.seen += 1
        if self.progress is not None and counts.seen % PROGRESS_EVERY == 0:
            self.progress(counts.seen)
        if not row.valid:
            errors = [c for c in row.codes if self.is_error(c)] or list(row.codes) or ["invalid"]
            counts.left_out[errors[0]] += 1
            return
        outcome = row.tokens
        if outcome is not None and outcome.counts is not None and outcome.counts.dropped:
            counts.left_out[f"dropped:{outcome.counts.drop_reason}"] += 1
            return
        reason = next((self._drops[c] for c in row.codes if c in self._drops), None)
        if reason is not None:  # e.g. PR004 without a tokenizer: training would drop it
            counts.left_out[f"dropped:{reason}"] += 1
            return
        self._check_task(row.task)
        shaped = (
            row.example
            if row.task == "pretraining"
            else service_shape(row.task, row.example, self.options.rename_completion)
        )
        side = self.splitter.assign(row.task, shaped, row.location)
        if side is None:
            counts.left_out["duplicate"] += 1
            return
        self._write(side, row, shaped)

    def _check_task(self, task: str) -> None:
        """One output holds one kind of record; refuse a mix that cannot share it.

        JSONL is read back as one task per file (a mix is SC002), so there the
        task itself must not change; MDS and Parquet need the same columns.
        """
        fmt = self.options.format
        if (fmt == "jsonl" and task == "pretraining") or (fmt == "text" and task != "pretraining"):
            raise UsageError(f"--format {fmt} does not take {task} data")
        if self.task is None:
            if task == "pretraining" and fmt in ("mds", "parquet") and self.tokenizer is None:
                raise UsageError("pre-training shards hold token ids: give --model or --tokenizer")
            self.task = task
        elif self._record_kind(task) != self._record_kind(self.task):
            raise UsageError(
                f"cannot write {task} and {self.task} examples into one --format "
                f"{fmt} output; prepare each task into its own --out"
            )

    def _record_kind(self, task: str) -> tuple:
        """What must be the same for two examples to share an output."""
        if self.options.format in ("jsonl", "text"):
            return (task,)
        return (records.columns_for(task, self.options.tokenize), task == "pretraining")

    def _write(self, side: str, row, shaped) -> None:
        counts, fmt = self.counts, self.options.format
        if row.task == "pretraining":
            counts.written[side] += 1
            if fmt == "text":
                self._writer(side).write(shaped)
                return
            windows = self._windows.setdefault(
                side,
                records.TokenWindows(
                    self._window_length(), self.tokenizer.eos_token_id, self.options.pad_last_window
                ),
            )
            for window in windows.add_document(records.document_ids(self.tokenizer, shaped)):
                self._put_window(side, window)
            return
        if fmt == "jsonl":
            record = shaped
        elif self.options.tokenize:
            if row.tokens is None or row.tokens.turns is None:
                raise UsageError("tokenized shards need --model or --tokenizer (or --no-tokenize)")
            record = records.turns_record(row.tokens.turns)
        else:
            record = records.plain_record(row.task, shaped)
        self._writer(side).write(record)
        counts.written[side] += 1
        if row.tokens is not None and row.tokens.counts is not None:
            counts.tokens_written += row.tokens.counts.tokens
            counts.truncated_written += int(row.tokens.counts.truncated)

    def _window_length(self) -> int:
        if not self.options.context_length:
            raise UsageError("pre-training windows need a context length (--context-length)")
        return self.options.context_length

    def _put_window(self, side: str, window) -> None:
        self._writer(side).write({"tokens": window})
        self.counts.windows[side] += 1
        self.counts.tokens_written += len(window)

    def _writer(self, side: str):
        writer = self._writers.get(side)
        if writer is None:
            writer = self._writers[side] = self._open(side)
        return writer

    def _open(self, side: str):
        from ftdata.writers.jsonl import JsonlShardWriter
        from ftdata.writers.mds import MDSWriter
        from ftdata.writers.parquet import ParquetShardWriter
        from ftdata.writers.text import TextShardWriter

        opts, folder, prefix = self.options, self.folder / side, f"{side}/"
        assert self.task is not None  # a writer opens for an example, whose task is known by then
        if opts.format == "mds":
            return MDSWriter(
                folder,
                records.columns_for(self.task, opts.tokenize),
                prefix=prefix,
                compression=opts.compression,
                hashes=opts.hashes,
                size_limit=opts.shard_bytes,
            )
        if opts.format == "parquet":
            return ParquetShardWriter(
                folder,
                records.columns_for(self.task, opts.tokenize),
                prefix=prefix,
                file_bytes=opts.file_bytes,
            )
        if opts.format == "jsonl":
            return JsonlShardWriter(folder, stem=side, prefix=prefix, file_bytes=opts.file_bytes)
        return TextShardWriter(folder, prefix=prefix, max_bytes=opts.file_bytes)

    def close(self) -> list[ShardInfo]:
        """Flush the last windows and close every writer; return every ``ShardInfo``."""
        for side, windows in sorted(self._windows.items()):
            for window in windows.finish():
                self._put_window(side, window)
            self.counts.padding_tokens += windows.padding
            self.counts.tail_tokens_dropped += windows.dropped_tail
        shards: list[ShardInfo] = []
        for side in sorted(self._writers):
            shards += self._writers[side].close()
        return shards
