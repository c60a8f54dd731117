"""Overlap the encoding of one batch with the checking of the next.

Without it the two cores sit half idle while Python parses, checks and plans
a batch, and Python waits while the encoder runs. With it, batch k is
encoded on one worker thread (the encoder releases the GIL and may use more
threads of its own) while the calling thread finishes batch k - 1 and parses,
checks and plans batch k + 1. Rows are finished one batch late but in order,
so results, findings and ``on_row`` callbacks are the same as without it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class TokenPipeline:
    """One batch in flight; ``finish_rows(verdicts, summary, counted_chats)`` completes a batch."""

    def __init__(self, stage, finish_rows: Callable) -> None:
        self.stage = stage
        self._finish_rows = finish_rows
        self._worker: ThreadPoolExecutor | None = None
        self._inflight: tuple | None = None

    def submit(self, verdicts, summary) -> None:
        """Plan this batch's chats, start encoding them, then finish the previous batch."""
        chats = [v for v in verdicts.rows if v.countable and v.task != "pretraining"]
        planned = self.stage.plan_batch([(v.task, v.value) for v in chats])
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ftdata-encode")
        future: Future = self._worker.submit(self.stage.encode_planned, planned)
        self.flush()
        self._inflight = (verdicts, summary, chats, planned, future)

    def flush(self) -> None:
        """Finish the batch in flight, if any (at the end of every source)."""
        if self._inflight is None:
            return
        verdicts, summary, chats, planned, future = self._inflight
        self._inflight = None
        counted = self.stage.finish_batch(planned, future.result())
        self._finish_rows(verdicts, summary, (chats, counted))

    def close(self) -> None:
        """Finish what is in flight and stop the worker thread."""
        self.flush()
        if self._worker is not None:
            self._worker.shutdown()
            self._worker = None
