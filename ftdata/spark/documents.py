"""Pre-training on Spark: one document per row of a text column, into context-length windows.

A local corpus is a folder of ``.txt`` files; here each row's text is one
document (e.g. ``spark.read.text(path, wholetext=True)``, column ``value``).
Every document is checked and counted as a text file is (TX002 for an empty
one, the tokenizer's findings) and goes to the same :class:`RowSink`, which
concatenates the partition's documents (EOS after each) into windows of
exactly the context length. Each partition ends with its own remainder:
dropped, or EOS-padded with ``pad_last_window`` - so a Spark run writes at
most one window fewer (or one padded window more) per partition than a local
run over the same documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from ftdata.core.verdicts import BatchVerdicts, RowVerdict
from ftdata.rules import text
from ftdata.spark.partition import state_row
from ftdata.spark.write import DIGESTS, WriteSpec, attempt_folder, signed64, writing_partition
from ftdata.writers.records import Document
from ftdata.writers.split import content_key, h64


def documents(batches: Iterator[pa.RecordBatch], column: str) -> Iterator[tuple[int, Document]]:
    """(row, document) of every row; a null text is an empty document."""
    start = 0
    for batch in batches:
        for offset, value in enumerate(batch.column(column).to_pylist()):
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")  # as a text file is read
            yield start + offset, Document(value or "")
        start += batch.num_rows


def write_documents(
    batches: Iterator[pa.RecordBatch], spec: WriteSpec, partition: int, attempt: int
) -> Iterator[pa.RecordBatch]:
    """Check, count and window one partition's documents; yield its state row."""
    checker = writing_partition(spec, partition, attempt_folder(spec, partition, attempt))
    runner, source = checker.runner, spec.check.source
    assert spec.text_column is not None  # the task of pre-training tables only
    for row, document in documents(batches, spec.text_column):
        where: dict[str, Any] = {"source": source, "row": row, "file": checker.label}
        verdict = RowVerdict("pretraining", document, where)
        if not document.text.strip():
            found = runner.core.pending(text.EMPTY_DOCUMENT, "the document is empty", "", where)
            if found is not None:
                verdict.add(*found)
        if runner.tokens is not None:
            runner.tokens.document(verdict)  # counted even when empty, as a text file is
        runner.fold.add(BatchVerdicts("pretraining", rows=[verdict]), checker.summary)
    yield state_row(checker, partition)


def digest_documents(
    batches: Iterator[pa.RecordBatch], spec: WriteSpec, partition: int
) -> Iterator[pa.RecordBatch]:
    """The first pass of ``dedupe``: every document's content digest (a file's, for its text)."""
    assert spec.text_column is not None  # the task of pre-training tables only
    found = [
        (h64(content_key("pretraining", document)), row)
        for row, document in documents(batches, spec.text_column)
    ]
    yield pa.RecordBatch.from_arrays(
        [
            pa.array([partition] * len(found), pa.int32()),
            pa.array([signed64(d) for d, _ in found], pa.int64()),
            pa.array([r for _, r in found], pa.int64()),
        ],
        schema=DIGESTS,
    )
