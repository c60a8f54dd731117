"""A Delta table or Parquet files read through the cache: one record per local data file.

A data file's record is keyed by the run's fingerprint, how the table is read
(its schema and the reader's options), the file's name in the table, the rows
its metadata declares, its real path and its identity (device, inode, size,
times): Delta data files are never rewritten in place, so an unchanged file
is not read again. Its rows are numbered within the file; its ``version`` is
the one being read. Parts that are no local file (remote tables, a deltalake
scan over deletion vectors, in-memory tables) are read as ever.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftdata.incremental.recorder import Place
from ftdata.incremental.replay import Replayed
from ftdata.incremental.run_cache import RunCache, identity
from ftdata.sources.base import Batch

if TYPE_CHECKING:
    from ftdata.result import SourceSummary
    from ftdata.sources.arrow import Part, TableSource


class CachedTable:
    """The batches of one table source for one run, with its cache."""

    def __init__(self, source: TableSource, cache: RunCache, summary: SourceSummary) -> None:
        self.source = source
        self.cache = cache
        self.summary = summary
        self.facts = f"{source.options!r}\n{source.schema}".encode("utf-8", "surrogateescape")

    def batches(self) -> Iterator[Batch]:
        """The table's findings, then per part a replayed record or its batches, recorded."""
        first, reader = self.source.start()
        yield first
        for part in self.source.parts():
            before = identity(part.path) if part.path is not None else None
            if before is None:
                yield from self.source.part_batches(part, reader)
                continue
            key = self._key(part, before)
            record = self.cache.record(key)
            context = self.source.context(part)
            if record is not None:
                yield Batch(replay=Replayed(record, 0, before[2], by="row", context=context))
                continue
            yield from self._recorded(part, reader, key, before)

    def _key(self, part: Part, before: list[int]) -> str:
        assert part.path is not None
        facts = (
            self.facts,
            str(part.file).encode("utf-8", "surrogateescape"),
            str(part.declared_rows).encode(),
            os.path.realpath(part.path).encode("utf-8", "surrogateescape"),
            repr(before).encode(),
        )
        return self.cache.part_key(facts, task=self.summary.task)

    def _recorded(self, part: Part, reader, key: str, before: list[int]) -> Iterator[Batch]:
        """The part's batches, tagged: its record is saved once the last is folded."""
        assert part.path is not None
        place = Place(self.summary.source, "row", 0)
        recorder = self.cache.recorder(key, place, 0, unchanged=(part.path, before))
        count = 0
        for batch in self.source.part_batches(part, reader):
            batch.chunk = recorder
            count += 1
            yield batch
        recorder.close(count, True)
