"""``prepare``: validate, format and write training-ready shards with a manifest.

Checking never writes; writing consumes the validation result. The driver
(``ftdata.core.driver.Runner``) runs exactly as in ``validate`` and hands every
example, after all checks, to a ``RowSink`` that writes the valid ones into a
temporary folder. The folder gets its manifest and is renamed into place only
at the end, and only if ``strict`` finds no error. The library returns a ``PrepareResult`` and never
prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftdata._version import __version__
from ftdata.core.options import Options
from ftdata.errors import UsageError
from ftdata.prepare_options import manifest_options
from ftdata.prepare_options import run_options as run_options_of
from ftdata.result import Result
from ftdata.writers import FILE_BYTES

if TYPE_CHECKING:
    from ftdata.result import ResultBuilder
    from ftdata.tokens.counting.batches import TokenStage
    from ftdata.writers import ShardInfo
    from ftdata.writers.sink import RowSink, SinkCounts
    from ftdata.writers.split import Splitter


@dataclass(frozen=True)
class PrepareResult:
    """What ``prepare`` did: ``status`` is ``written``, ``skipped``, ``refused`` or ``empty``.

    ``skipped``: ``out`` already holds this output. ``refused``: ``strict`` found
    an error. ``empty``: no example could be written (the result holds DS010
    saying why). In both of the last two, nothing was published.
    ``result`` is the validation result (None when skipped); ``manifest`` the
    manifest written (or found, when skipped).
    """

    out: Path
    status: str
    manifest: dict[str, Any] | None
    result: Result | None

    @property
    def written(self) -> bool:
        """Whether this call wrote the output folder."""
        return self.status == "written"


def prepare(
    source: Any,
    *,
    out: str | Path,
    format: str = "mds",  # noqa: A002 (the CLI's --format)
    model: str | None = None,
    tokenizer: str | None = None,
    context_length: int | None = None,
    tokenize: bool = True,
    eval_fraction: float = 0.0,
    seed: int = 0,
    dedupe: bool = False,
    strict: bool = False,
    force: bool = False,
    compression: str | None = "zstd",
    hashes: tuple[str, ...] = ("sha1",),
    shard_bytes: int = 1 << 26,
    file_bytes: int = FILE_BYTES,
    pad_last_window: bool = False,
    rename_completion: bool = False,
    task: str | None = None,
    profile: str | None = None,
    date: Any = None,
    target_responses: str | None = None,
    target_prompts: str | None = None,
    chat_template: str | None = None,
    progress: Callable[[Any], None] | None = None,
    allow_empty: bool = False,
    options: Options | None = None,
) -> PrepareResult:
    """Validate ``source`` and write its valid examples to ``out`` as ``format`` shards.

    ``format``: ``mds`` (mosaicml-streaming, what llm-foundry reads), ``parquet``,
    ``jsonl`` (upload-ready, chat/instruction) or ``text`` (a pre-training corpus
    re-cut into files of at most ``file_bytes``). Chat/instruction MDS and
    Parquet hold ``turns`` token ids (needs ``model`` or ``tokenizer``) unless
    ``tokenize=False``; pre-training becomes ``tokens`` windows of exactly the
    context length (the last partial one dropped, or EOS-padded with
    ``pad_last_window``). ``eval_fraction``/``seed`` split by content hash
    into ``train/`` and ``eval/``; ``dedupe`` drops exact duplicates.
    ``compression`` (``zstd[:LEVEL]`` or None), ``hashes`` and ``shard_bytes``
    shape MDS shards; ``file_bytes`` caps Parquet/JSONL/text files.
    ``strict`` writes nothing when any error is found. A finished ``out`` with
    the same inputs and options is left alone (``status == "skipped"``) unless
    ``force`` (in-memory sources are always redone: they have no file hash).
    ``force`` replaces only a folder that is provably ftdata's output (its
    manifest lists exactly the files in it) and removes only those files;
    anything else in ``out``, an ``out`` overlapping an input, or an ``out``
    changed by someone else during the run is refused (``UsageError``).
    When no example can be written the status is ``empty`` (nothing is
    published) unless ``allow_empty``. ``chat_template`` (a built-in template id or a path)
    replaces the model's chat template. ``progress`` receives a
    ``ftdata.progress.Tick`` after every batch read (as ``validate``'s).
    ``options`` (an ``ftdata.core.options.Options``) gives every checking choice
    at once, rule settings included, in place of ``model``, ``task``, ``profile``
    and the other checking keywords; the manifest records them.
    """
    from ftdata.writers import guards, outdir
    from ftdata.writers import manifest as mf

    if not 0 <= eval_fraction < 1:
        raise UsageError("--eval-fraction must be at least 0 and below 1")
    out = Path(out)
    if out.name in ("", ".", ".."):  # its hidden siblings would have no name, or be inside it
        raise UsageError(f"--out needs a folder name, not {str(out)!r}")
    writing = dict(
        format=format,
        tokenize=tokenize,
        eval_fraction=eval_fraction,
        seed=seed,
        dedupe=dedupe,
        strict=strict,
        compression=compression,
        hashes=hashes,
        shard_bytes=shard_bytes,
        file_bytes=file_bytes,
        pad_last_window=pad_last_window,
        rename_completion=rename_completion,
    )
    checking = dict(
        model=model,
        tokenizer=tokenizer,
        context_length=context_length,
        task=task,
        profile=profile,
        date=date,
        target_responses=target_responses,
        target_prompts=target_prompts,
        chat_template=chat_template,
    )
    recorded = manifest_options(writing, checking, options)
    guards.refuse_overlap(source, out)
    inputs = mf.describe_inputs(source)
    try:
        outdir.recover_locked(out)  # a run killed mid-publish: bring back or clear its old output
        found = outdir.owned_manifest(out)
        on_disk = all("sha256" in item or "delta" in item for item in inputs)
        if (
            found is not None
            and on_disk
            and not force
            and found.get("fingerprint") == mf.fingerprint(recorded, inputs, found.get("tokenizer"))
        ):
            return PrepareResult(out, "skipped", found, None)
        expected = outdir.check_out(out, force)
        with guards.cleanup_on_signals():
            run = _Run(source, recorded, options, progress, out=out, allow_empty=allow_empty)
            return _write(run, expected, inputs)
    except OSError as exc:
        if guards.is_output_error(exc, out):
            raise guards.output_error(exc, out) from exc
        raise


def _write(
    run: _Run, expected: tuple[str, str | None], inputs: list[dict[str, Any]]
) -> PrepareResult:
    """Run into a locked temporary folder and publish it, or remove it whatever happens."""
    from ftdata.writers import outdir

    out, options, allow_empty = run.out, run.options, run.allow_empty
    tmp, lock = outdir.new_temp(out)
    published = False
    try:
        result, counts, shards = run.execute(tmp)
        if options["strict"] and result.summary["errors"]:
            return PrepareResult(out, "refused", None, result)
        if not shards and not allow_empty:
            return PrepareResult(out, "empty", None, result)
        manifest = write_manifest(tmp, options, inputs, run.identity(), result, counts, shards)
        outdir.publish(tmp, out, expected)
        published = True
    finally:
        outdir.release(tmp, lock, remove=not published)
    return PrepareResult(out, "written", manifest, result)


def write_manifest(
    folder: Path,
    options: dict[str, Any],
    inputs: list[dict[str, Any]],
    identity: dict[str, Any] | None,
    result: Result,
    counts: SinkCounts,
    shards: list[ShardInfo],
) -> dict[str, Any]:
    """Write and return the manifest of a finished output (shared with ``ftdata.spark.prepare``).

    ``options`` are the recorded choices, ``inputs`` what was read, ``identity``
    the tokenizer and template that made the ids (None without a model).
    """
    from ftdata.writers import manifest as mf

    return mf.write_manifest(
        folder,
        {
            "ftdata_version": __version__,
            "fingerprint": mf.fingerprint(options, inputs, identity),
            "options": options,
            "inputs": inputs,
            "tokenizer": identity,
            **counts_section(result, counts),
            "shards": [s.to_dict() for s in shards],
        },
    )


def counts_section(result: Result, counts: SinkCounts) -> dict[str, Any]:
    """The manifest's counts: examples in / written / left out (adds up), tokens, windows.

    Shared with ``ftdata.spark.prepare``, which passes its partitions' merged counts.
    """
    left_out = dict(sorted(counts.left_out.items()))
    not_examples = result.rows - counts.seen  # lines that never parsed, unknown shapes
    if not_examples:
        left_out["unparsed"] = not_examples
    written = sum(counts.written.values())
    return {
        "examples": {
            "in": result.rows,
            "written": written,
            "left_out": sum(left_out.values()),
            "left_out_by_reason": left_out,
            "written_by_split": dict(sorted(counts.written.items())),
        },
        "tokens": {
            "written": counts.tokens_written,
            "truncated_examples": counts.truncated_written,
            "dropped_examples": sum(v for k, v in left_out.items() if k.startswith("dropped:")),
            "windows_by_split": dict(sorted(counts.windows.items())),
            "padding_tokens": counts.padding_tokens,
            "tail_tokens_dropped": counts.tail_tokens_dropped,
        },
        "findings_by_code": result.summary["by_code"],
    }


class _Run:
    """One validation pass with the sink attached."""

    def __init__(
        self,
        source: Any,
        options: dict[str, Any],
        given: Options | None,
        progress: Callable[[Any], None] | None,
        *,
        out: Path,
        allow_empty: bool = False,
    ) -> None:
        """``options``: the manifest's; ``given``: the Options passed to ``prepare``, if any."""
        from ftdata.core.driver import Runner

        self.source, self.options, self.progress = source, options, progress
        self.out, self.allow_empty = out, allow_empty
        checked = run_options_of(options, given)
        self.settings = checked.settings
        if (
            options["tokenize"]
            and options["format"] in ("mds", "parquet")
            and checked.token_settings is None
        ):
            raise UsageError(
                f"--format {options['format']} tokenizes: give --model or "
                "--tokenizer, or --no-tokenize (chat and instruction only)"
            )
        self.runner = Runner(checked, pipeline=True)

    def _sink(self, folder: Path) -> RowSink:
        from ftdata.writers.sink import RowSink, SinkOptions, error_test
        from ftdata.writers.split import Splitter

        opts, stage = self.options, self._stage()
        sink_options = SinkOptions(
            format=opts["format"],
            tokenize=opts["tokenize"],
            rename_completion=opts["rename_completion"],
            compression=opts["compression"],
            hashes=tuple(opts["hashes"]),
            shard_bytes=opts["shard_bytes"],
            file_bytes=opts["file_bytes"],
            pad_last_window=opts["pad_last_window"],
            context_length=stage.max_seq_len if stage is not None else opts["context_length"],
        )
        self.splitter = Splitter(opts["eval_fraction"], opts["seed"], opts["dedupe"])
        self.sink = RowSink(
            folder,
            sink_options,
            self.splitter,
            error_test(self.settings),
            stage.tokenizer if stage is not None else None,
        )
        return self.sink

    def _stage(self) -> TokenStage | None:
        runner = self.runner
        if runner.token_settings is None:
            return None
        if runner.stage is None:
            raise UsageError(f"no tokenizer for the model: {runner.skipped}")
        return runner.stage

    def identity(self) -> dict[str, Any] | None:
        """The tokenizer and template that produced the ids (None without a model)."""
        stage = self._stage()
        return stage.identity() if stage is not None else None

    def execute(self, folder: Path) -> tuple[Result, SinkCounts, list[ShardInfo]]:
        """Check every source through a sink writing into ``folder``: (result, counts, shards)."""
        from ftdata.rules import dataset

        runner = self.runner
        runner.fold.on_row = self._sink(folder)
        # Every row must reach the sink as a value: no Arrow-only clean rows.
        runner.check(self.source, progress=self.progress, vectorise=False)
        runner.finish()
        shards = self.sink.close()
        emit_leaks(runner.builder, self.splitter)
        if not shards and not self.allow_empty:
            rows = runner.builder.totals()[0]
            why = why_nothing(self.sink.counts, rows, self.sink.options.context_length)
            runner.builder.emit(dataset.NOTHING_WRITTEN, why, source=str(self.out))
        return runner.result(), self.sink.counts, shards


def emit_leaks(builder: ResultBuilder, splitter: Splitter) -> None:
    """DS009 for every eval example whose prompt also occurs in train (also Spark's)."""
    from ftdata.rules import dataset

    for where in splitter.leaks():
        builder.emit(
            dataset.EVAL_IN_TRAIN, "this eval example's prompt also occurs in train", **where
        )


def why_nothing(counts: SinkCounts, rows: int, window: int | None) -> str:
    """Why none of ``rows`` reached a shard, and what would change it (also Spark's)."""
    documents = sum(counts.written.values())
    if documents:  # pre-training documents were kept, but they fill no window
        return (
            f"nothing was written: the {documents:,} documents kept hold "
            f"{counts.tail_tokens_dropped:,} tokens, fewer than one window of {window or 0:,}; "
            "use --pad-last-window or a smaller --context-length"
        )
    if not rows:
        return "nothing was written: the input holds no examples"
    left_out = counts.left_out + Counter(unparsed=rows - counts.seen)
    reasons = ", ".join(f"{reason}: {n:,}" for reason, n in left_out.most_common(3) if n)
    return (
        f"nothing was written: all {rows:,} examples were left out ({reasons}); "
        "fix the findings above (or pass --allow-empty to publish an empty output)"
    )
