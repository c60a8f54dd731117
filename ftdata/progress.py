"""Progress of long runs: how much input has been read, and a bar that shows it.

The library only reports :class:`Tick` values to a callback (it never prints):
``track`` wraps the opened sources so that every batch read advances the count.
Plain local files (JSONL, text folders) are measured in bytes against their
total size; anything else (tables, stdin, compressed files) in rows, with no
total. :class:`ProgressBar` is the command line's renderer (tqdm, imported only
when a bar is shown), used only when stderr is a terminal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

COMPRESSED = (".gz", ".zst")


@dataclass(frozen=True, slots=True)
class Tick:
    """Progress so far: ``done`` of ``total`` ``unit`` ("B" or "rows"), now at ``source``."""

    source: str
    done: int
    total: int | None
    unit: str


def track(sources: Iterable[Any], callback: Callable[[Tick], None]) -> list[Any]:
    """The sources, each wrapped to report a :class:`Tick` after every batch it yields."""
    sources = list(sources)
    sizes = [_size(source) for source in sources]
    known = [size for size in sizes if size is not None]
    in_bytes = len(known) == len(sizes)
    counter = _Counter(callback, sum(known) if in_bytes else None, "B" if in_bytes else "rows")
    return [
        _Tracked(source, size if in_bytes else None, counter)
        for source, size in zip(sources, sizes, strict=True)
    ]


def _size(source: Any) -> int | None:
    """Bytes of a plain local file source (JSONL file, text folder), else None."""
    try:
        if source.kind == "jsonl" and source.path != "-" and not source.path.endswith(COMPRESSED):
            return os.path.getsize(source.path)
        if source.kind == "text":
            return sum(os.path.getsize(path) for path in source.files)
    except (AttributeError, OSError, TypeError):
        return None
    return None


class _Counter:
    """The running count shared by every tracked source of one run."""

    def __init__(self, callback: Callable[[Tick], None], total: int | None, unit: str) -> None:
        self.callback, self.total, self.unit, self.done = callback, total, unit, 0

    def add(self, source: str, amount: int) -> None:
        self.done += amount
        self.callback(Tick(source, self.done, self.total, self.unit))


class _Tracked:
    """A source whose ``batches()`` advance the run's count; everything else is the source's."""

    def __init__(self, source: Any, size: int | None, counter: _Counter) -> None:
        self._source, self._size, self._counter = source, size, counter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)

    @property
    def wrapped(self) -> Any:
        """The source whose batches are counted."""
        return self._source

    def batches(self) -> Iterator[Any]:
        """The source's batches, counting each before it is handed on."""
        return self.counted(self._source.batches())

    def counted(self, batches: Iterable[Any]) -> Iterator[Any]:
        """``batches`` (the source's, however read), counting each before it is handed on."""
        name, counted = self._source.name, 0
        for batch in batches:
            amount = self._measure(batch)
            if self._size is not None:  # a last line without a newline: never count past the end
                amount = min(amount, self._size - counted)
            counted += amount
            self._counter.add(name, amount)
            yield batch
        if self._size is not None:
            # Blank and unparsable lines carry no bytes in a batch: settle at the file's size.
            self._counter.add(name, max(0, self._size - counted))

    def _measure(self, batch: Any) -> int:
        if batch.replay is not None:  # a cached chunk: its bytes, or its rows
            replayed = batch.replay
            return int(replayed.size if self._size is not None else replayed.record.rows)
        if self._size is None:
            clean = len(batch.clean.positions) if batch.clean is not None else 0
            return len(batch.values) + len(batch.problems) + clean
        if self._source.kind == "text":
            return sum(_file_size(path) for path in batch.values)
        return sum(len(raw) + 1 for raw in batch.raws if raw is not None)  # +1: the newline


def _file_size(path: Any) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class ProgressBar:
    """A tqdm bar on ``stream`` fed with :class:`Tick` values; ``close`` leaves a final line."""

    def __init__(self, command: str, stream: TextIO) -> None:
        self.command, self.stream = command, stream
        self._bar: Any = None
        self._source: str | None = None
        self._sources = 0

    def __call__(self, tick: Tick) -> None:
        """Advance the bar to ``tick`` (tqdm itself limits redraws to a few per second)."""
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=tick.total,
                unit=tick.unit,
                unit_scale=True,
                file=self.stream,
                desc=f"ftdata {self.command}",
                dynamic_ncols=True,
                mininterval=0.25,
                leave=True,
            )
        if tick.source != self._source:
            self._source, self._sources = tick.source, self._sources + 1
            self._bar.set_postfix_str(_short(tick.source), refresh=False)
        self._bar.update(tick.done - self._bar.n)

    def close(self) -> None:
        """Finish the bar with what was done: the amount read and the sources."""
        if self._bar is None:
            return
        self._bar.set_description_str(f"ftdata {self.command}: done")
        self._bar.set_postfix_str(f"{self._sources} source(s)", refresh=False)
        self._bar.close()


def _short(name: str, width: int = 40) -> str:
    """The end of a long source name (it tells sources apart best), control characters escaped."""
    name = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    return name if len(name) <= width else "…" + name[-(width - 1) :]
