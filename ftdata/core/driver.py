"""The one driver: sources in, batches through the core, the duplicate step, tokens, the fold.

:class:`Runner` is used by ``ftdata.validate``, by ``ftdata.prepare`` (whose
writer is the ``on_row`` callback: writing never checks) and by every Spark
partition. A batch goes: structural verdicts (``Core``), the duplicate step
(DS002 at error severity makes rows invalid before anyone sees them), the
token half (on a worker thread with ``pipeline``: batch k is encoded while
batch k + 1 is checked) and the fold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, cast

from ftdata.core import token_report
from ftdata.core.check import Core, Digest, local_digest, stable_digest
from ftdata.core.fold import Fold, RowOutcome
from ftdata.core.options import Options
from ftdata.core.verdicts import BatchVerdicts
from ftdata.findings import Severity
from ftdata.result import Result, SourceSummary
from ftdata.rules import content_parts, dataset
from ftdata.rules.content_parts import ContentShapes
from ftdata.sources.base import Batch
from ftdata.sources.jsonl import JsonlSource

if TYPE_CHECKING:
    from ftdata.core.token_findings import TokenVerdicts
    from ftdata.core.verdicts import RowVerdict
    from ftdata.duplicates import DuplicateTracker
    from ftdata.incremental.replay import Replayed
    from ftdata.incremental.run_cache import RunCache
    from ftdata.incremental.store import CacheStore
    from ftdata.progress import Tick
    from ftdata.result import ResultBuilder
    from ftdata.sources.resolve import Source
    from ftdata.token_pipeline import TokenPipeline
    from ftdata.tokens.counting.batches import Outcome, TokenStage

__all__ = ["DuplicateStep", "Runner", "RowOutcome", "run"]

# The chats of a batch and their outcomes, when the pipeline has already counted them.
CountedChats = tuple[list["RowVerdict"], list["Outcome"]]


class DuplicateStep(Protocol):
    """The duplicate step of a run (DS002): it sees every batch's verdicts in order."""

    def step(self, verdicts: BatchVerdicts) -> None:
        """Look at (or keep) the digests of one batch's examples."""

    def flush(self) -> None:
        """Report what is still waiting: a source ended."""


class Runner:
    """One run: the core, the fold, and the stateful steps between them."""

    def __init__(
        self,
        options: Options,
        *,
        on_example: Callable[[dict[str, Any]], None] | None = None,
        on_row: Callable[[RowOutcome], None] | None = None,
        pipeline: bool = False,
        loaded: tuple[Any, str | None] | None = None,
        digest: Digest = local_digest,
        duplicates: Callable[[Runner], DuplicateStep] | None = None,
        dedupe: bool = True,
        place_row: Callable[[int], dict[str, Any]] | None = None,
        cache: CacheStore | None = None,
    ) -> None:
        """``loaded``: an already opened ``(token stage, why skipped)`` (Spark executors);
        ``digest``: how rows are digested for DS002; ``duplicates(runner)`` makes the
        duplicate step (an object with ``step(verdicts)`` and ``flush()``; default: an
        in-process index); ``dedupe=False`` leaves DS002 out whatever the settings;
        ``place_row(row)``: location fields of input rows that never became examples
        (a Spark partition names them); ``pipeline`` overlaps encoding; ``cache``: the
        incremental cache's folder (used when nothing but the report needs the rows)."""
        self.options = options
        settings = self.settings = options.settings
        self.token_settings = options.token_settings
        self.stage: TokenStage | None = None
        self.skipped: str | None = None
        if self.token_settings is not None:
            from ftdata.tokens.counting.batches import open_stage

            self.stage, self.skipped = (
                loaded if loaded is not None else open_stage(self.token_settings)
            )
        policy = settings.policy()
        enabled = policy.get(dataset.DUPLICATE.code, dataset.DUPLICATE.severity) is not None
        self.dedupe = dedupe and enabled
        self.cache: RunCache | None = None
        if cache is not None and on_row is None and duplicates is None:
            digest = stable_digest  # cached digests must meet this run's
        self.core = Core(
            settings,
            token_requested=self.token_settings is not None,
            tokenized=self.stage is not None,
            digest=digest if self.dedupe else None,
            place_row=place_row,
        )
        window = self.stage.max_seq_len if self.stage is not None else None
        self.fold = Fold(settings, window=window, on_row=on_row, on_example=on_example)
        self.tokens: TokenVerdicts | None = None
        if self.stage is not None:  # imported only then: it costs start-up time otherwise
            from ftdata.core.token_findings import TokenVerdicts

            self.tokens = TokenVerdicts(self.stage, policy)
        self.duplicates: DuplicateStep | None = None
        if self.dedupe:
            self.duplicates = duplicates(self) if duplicates is not None else self._tracker()
        self._watch_shapes = settings.profile == "llm-foundry" and (
            self.core.enabled(content_parts.MIXED_CONTENT)
            or self.core.enabled(content_parts.PART_KEYS_DIFFER)
        )
        self._shapes: ContentShapes | None = None
        if cache is not None and on_row is None and duplicates is None:
            self.cache = self._run_cache(cache)
        self._pipeline: TokenPipeline | None = None
        if pipeline and self.stage is not None:
            from ftdata.token_pipeline import TokenPipeline

            self._pipeline = TokenPipeline(self.stage, self.finish_batch)

    def _run_cache(self, store: CacheStore) -> RunCache | None:
        """The cache under this run's fingerprint; None where a record could not stand for a
        chunk (DS002 at error severity decides a row's validity across chunks)."""
        if self.dedupe and self.core.severity(dataset.DUPLICATE) is Severity.ERROR:
            return None
        from ftdata.incremental.fingerprint import fingerprint
        from ftdata.incremental.run_cache import RunCache

        mark = fingerprint(self.settings, self.token_settings, self.stage, self.skipped)
        window = self.stage.max_seq_len if self.stage is not None else None
        return RunCache(store, mark, window=window, shapes=self._watch_shapes)

    def _tracker(self) -> DuplicateStep:
        from ftdata.duplicates import DuplicateTracker

        # At error severity DS002 decides a row's validity, so it cannot wait.
        immediate = self.core.severity(dataset.DUPLICATE) is Severity.ERROR
        return DuplicateTracker(self.fold.emit_at, self.fold.names, immediate)

    @property
    def builder(self) -> ResultBuilder:
        """The result builder the fold adds to (for findings about the whole output)."""
        return self.fold.builder

    def check_source(self, source: Source, task: str | None = None) -> SourceSummary:
        """Check every batch of one source and return its accounting.

        ``task`` forces the source's task; ``None`` detects it from the examples.
        """
        summary = self.start_source(source.name, source.kind, task)
        for batch in self._batches(source, summary):
            self.check_batch(batch, summary, source.kind)
        self.end_source(summary)
        return summary

    def _batches(self, source: Source, summary: SourceSummary) -> Iterator[Batch]:
        """The source's batches, through the cache when there is one and it can read it."""
        plain = getattr(source, "wrapped", source)  # a source a progress bar counts
        if self.cache is None or not isinstance(plain, JsonlSource):
            return source.batches()
        from ftdata.incremental.jsonl import CachedJsonl, cacheable

        if not cacheable(plain):
            return source.batches()
        batches = CachedJsonl(plain, self.cache, summary).batches()
        counted = getattr(source, "counted", None)
        return counted(batches) if counted is not None else batches

    def start_source(self, name: str, kind: str, task: str | None) -> SourceSummary:
        """Begin a source (its batches follow through :meth:`check_batch`)."""
        # Under llm-foundry, how the file's contents load (CH015/CH016) is a fact of the file.
        self._shapes = ContentShapes() if self._watch_shapes and kind == "jsonl" else None
        return self.fold.start_source(name, kind, task)

    def check_batch(self, batch: Batch, summary: SourceSummary, kind: str) -> BatchVerdicts:
        """Check one batch; its verdicts are folded now, or with the next batch when pipelined.

        A batch that replays a cached chunk is added at once, in its turn.
        """
        if batch.replay is not None:
            return self._replay(batch.replay, summary)
        verdicts = self.core.check_batch(batch, summary.source, kind, summary.task)
        verdicts.chunk = batch.chunk
        summary.task = verdicts.task
        if self._shapes is not None:
            for verdict in verdicts.rows:
                self._shapes.see(verdict.value, verdict.where["line"])
        if self.duplicates is not None:
            self.duplicates.step(verdicts)
        if self._pipeline is not None:
            self._pipeline.submit(verdicts, summary)
        else:
            self.finish_batch(verdicts, summary)
        return verdicts

    def finish_batch(
        self,
        verdicts: BatchVerdicts,
        summary: SourceSummary,
        counted_chats: CountedChats | None = None,
    ) -> None:
        """The token half (``counted_chats``: already encoded by the pipeline), then the fold."""
        if self.tokens is not None:
            self.tokens.count(verdicts, counted_chats)
        self.fold.add(verdicts, summary)
        if verdicts.chunk is not None:
            verdicts.chunk.take(verdicts)

    def _replay(self, replayed: Replayed, summary: SourceSummary) -> BatchVerdicts:
        """Add a cached chunk's record where its verdicts would have been folded."""
        from ftdata.incremental import replay

        if self._pipeline is not None:
            self._pipeline.flush()  # the batches before it are folded first
        record = replayed.record
        summary.task = record.task
        if self._shapes is not None:
            replay.see_shapes(self._shapes, replayed)
        if self.duplicates is not None:
            tracker = cast("DuplicateTracker", self.duplicates)  # a cache runs with the default
            replay.note_digests(tracker, replayed, summary.source)
        replay.fold_record(self.fold, replayed, summary)
        return BatchVerdicts(record.task)

    def end_source(self, summary: SourceSummary) -> None:
        """Finish a source: its batches folded and its findings emitted before the next one."""
        if self._pipeline is not None:
            self._pipeline.flush()
        if self.duplicates is not None:
            self.duplicates.flush()
        for rule, message in self._shapes.findings() if self._shapes is not None else ():
            self.builder.emit(rule, message, source=summary.source)
        if summary.task is None and summary.kind == "text":
            summary.task = "pretraining"

    def check(
        self,
        source: Any,
        *,
        progress: Callable[[Tick], None] | None = None,
        vectorise: bool = True,
    ) -> None:
        """Open ``source`` (anything ``validate`` takes) and check every source in it.

        ``vectorise`` lets table rows be proven clean on Arrow when nothing needs
        them as Python values (no token stage, no ``on_row``).
        """
        from ftdata.sources import open_sources

        settings = self.settings
        table = replace(
            self.options.table,
            profile=settings.profile,
            vectorise=vectorise and self.token_settings is None and self.fold.on_row is None,
            hash_clean_rows=self.dedupe,
        )
        sources = open_sources(
            source,
            task=settings.task,
            max_line_bytes=settings.max_line_bytes,
            task_for=settings.task_for,
            table=table,
        )
        if progress is not None:
            from ftdata.progress import track

            sources = track(sources, progress)
        for item in sources:
            self.check_source(item, task=settings.task_for(item.name))

    def finish(self) -> None:
        """Emit the dataset-level findings once every source is checked."""
        if self._pipeline is not None:
            self._pipeline.close()
        if self.duplicates is not None:
            self.duplicates.flush()  # check_source flushes; this covers batches checked directly
        tokens = None
        if self.token_settings is not None:
            tokens = (self.token_settings, self.stage, self.skipped)
        self.fold.finish(tokens)

    def token_report(self) -> dict[str, Any] | None:
        """The report's ``tokens`` section (None without a token stage)."""
        if self.token_settings is None:
            return None
        epochs = self.token_settings.epochs
        return token_report.report(self.stage, self.skipped, self.fold.stats, epochs)

    def result(self) -> Result:
        """The finished result (call :meth:`finish` first)."""
        report = self.token_report()
        extra = {"tokens": report} if report is not None else {}
        return self.fold.result(self.settings.fail_on, extra)


def run(
    source: Any,
    options: Options,
    *,
    on_example: Callable[[dict[str, Any]], None] | None = None,
    on_row: Callable[[RowOutcome], None] | None = None,
    progress: Callable[[Tick], None] | None = None,
) -> Result:
    """Check ``source`` under ``options`` and return the result (``ftdata.validate``'s core)."""
    store = None
    if options.cache_dir is not None and on_row is None:
        from ftdata.incremental.store import CacheStore

        store = CacheStore(options.cache_dir)
    runner = Runner(options, on_example=on_example, on_row=on_row, pipeline=True, cache=store)
    runner.check(source, progress=progress)
    runner.finish()
    if store is not None:
        store.evict()
    return runner.result()
