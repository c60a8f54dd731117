"""In-memory source: a list (or any iterable) of example dicts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ftdata.sources.base import Batch


class RecordsSource:
    """Examples given as Python objects; positions are 0-based row numbers."""

    kind = "records"

    def __init__(self, records: Iterable[object], *, name: str = "<records>",
                 batch_rows: int = 2048) -> None:
        self.records = records
        self.name = name
        self.batch_rows = batch_rows

    def batches(self) -> Iterator[Batch]:
        """Yield the records in batches, numbering rows from 0."""
        batch = Batch()
        for row, record in enumerate(self.records):
            batch.add(row, record)
            if len(batch.values) >= self.batch_rows:
                yield batch
                batch = Batch()
        yield batch
