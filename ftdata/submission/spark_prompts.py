"""Prompt digests of a Spark table's rows, computed on the executors (for DS009).

Rows are named as ``ftdata.spark`` names them: the partition and the 0-based
index within it. Only the digests (16 bytes a row) travel to the driver.
"""

from __future__ import annotations

from collections.abc import Iterator


def prompt_digests(frame) -> Iterator[tuple[int, int, bytes]]:
    """``(partition, row, digest)`` of every row with a prompt side (chat or instruction)."""
    if "messages" in frame.columns:
        task, columns = "chat", ["messages"]
    elif "prompt" in frame.columns:
        task, columns = "instruction", ["prompt"]
    else:
        return iter(())

    def digests(partition: int, rows):
        from ftdata.submission.leaks import prompt_digest

        for position, row in enumerate(rows):
            key = prompt_digest(task, row.asDict(recursive=True))
            if key is not None:
                yield partition, position, key

    return frame.select(*columns).rdd.mapPartitionsWithIndex(digests).toLocalIterator()
