"""Which sources the cache reads, and how: JSONL files, ``.txt`` corpora, local table files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ftdata.sources.jsonl import JsonlSource
from ftdata.sources.text import TextCorpusSource

if TYPE_CHECKING:
    from ftdata.incremental.run_cache import RunCache
    from ftdata.result import SourceSummary
    from ftdata.sources.base import Batch


def cached_batches(source: Any, cache: RunCache, summary: SourceSummary) -> Iterator[Batch] | None:
    """The batches of ``source`` read through ``cache``, or None when the cache cannot read it
    (standard input, JSONL given in memory, in-memory tables)."""
    if isinstance(source, JsonlSource):
        from ftdata.incremental.jsonl import CachedJsonl, cacheable

        return CachedJsonl(source, cache, summary).batches() if cacheable(source) else None
    if isinstance(source, TextCorpusSource):
        from ftdata.incremental.text import CachedText

        return CachedText(source, cache).batches()
    if "pyarrow" in sys.modules:  # a table source exists only once pyarrow is loaded
        from ftdata.incremental.table import CachedTable
        from ftdata.sources.arrow import TableSource

        if isinstance(source, TableSource):
            return CachedTable(source, cache, summary).batches()
    return None
