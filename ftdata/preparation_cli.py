"""``ftdata prepare`` on the command line: validate, then write training-ready shards."""

from __future__ import annotations

import argparse
import sys

from ftdata import option_values as ov
from ftdata.cli_common import (
    CHAT_TEMPLATE_HELP,
    CONTEXT_LENGTH,
    EXIT_FINDINGS,
    EXIT_OK,
    progress_bar,
    write_report,
)


def add_prepare(commands) -> None:
    """``ftdata prepare``: validate, then write the valid examples as training-ready shards."""
    from ftdata.writers import FILE_BYTES

    cmd = commands.add_parser(
        "prepare", help="write valid examples as MDS/Parquet/JSONL/text shards"
    )
    cmd.add_argument("paths", nargs="+", metavar="SOURCE", help="files, folders, globs, tables")
    cmd.add_argument("--out", required=True, metavar="DIR", help="output folder (new or empty)")
    cmd.add_argument("--format", choices=("mds", "parquet", "jsonl", "text"), default="mds")
    cmd.add_argument("--model", help="a supported model (see `ftdata models`)")
    cmd.add_argument("--tokenizer", metavar="PATH", help="a tokenizer file or folder instead")
    cmd.add_argument(
        "--context-length", type=CONTEXT_LENGTH, metavar="N", help="max_seq_len / window length"
    )
    cmd.add_argument("--task", choices=("chat", "instruction", "pretraining"))
    cmd.add_argument("--profile", choices=("databricks", "llm-foundry"))
    cmd.add_argument("--date", help="pin the date chat templates embed (YYYY-MM-DD)")
    cmd.add_argument("--target-responses", choices=("last", "all"))
    cmd.add_argument("--target-prompts", metavar="none|all|length>=N")
    cmd.add_argument("--chat-template", metavar="PATH|NAME", help=CHAT_TEMPLATE_HELP)
    cmd.add_argument(
        "--no-tokenize",
        action="store_true",
        help="MDS/Parquet: store messages or prompt/response text, not token ids",
    )
    cmd.add_argument(
        "--eval-fraction",
        type=float,
        default=0.0,
        metavar="F",
        help="send this share of examples to eval/ (split by content hash)",
    )
    cmd.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    cmd.add_argument("--dedupe", action="store_true", help="drop exact duplicate examples")
    cmd.add_argument("--strict", action="store_true", help="write nothing if any error is found")
    cmd.add_argument(
        "--allow-empty",
        action="store_true",
        help="publish an output even when no example could be written (else DS010)",
    )
    cmd.add_argument("--force", action="store_true", help="redo a finished output")
    cmd.add_argument("--compression", default="zstd", metavar="zstd[:L]|none", help="MDS shards")
    cmd.add_argument(
        "--hash",
        action="append",
        metavar="ALGO",
        help="MDS shard hashes (default sha1; md5, sha256, xxh64); repeatable",
    )
    cmd.add_argument(
        "--shard-mb", type=_size("--shard-mb"), default=64.0, help="MDS shard size limit (64 MiB)"
    )
    cmd.add_argument(
        "--file-mb",
        type=_size("--file-mb"),
        default=FILE_BYTES / 1_000_000,
        help="Parquet/JSONL/text file size limit (256 MB, as the library's default)",
    )
    cmd.add_argument(
        "--pad-last-window",
        action="store_true",
        help="pre-training: EOS-pad the last partial window instead of dropping it",
    )
    cmd.add_argument(
        "--rename-completion", action="store_true", help="JSONL: write `completion` as `response`"
    )
    cmd.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    cmd.set_defaults(run=_prepare)


def _size(option: str):
    """A size in MB: above 0 and at most a petabyte (nan, inf and 0 are refused)."""
    return ov.for_argparse(ov.real, option, above=0, maximum=1e9)


def _prepare(args: argparse.Namespace) -> int:
    import json

    from ftdata.preparation import prepare

    ov.path("--out", args.out)

    bar = progress_bar("prepare", args.quiet)
    try:
        done = prepare(
            args.paths,
            out=args.out,
            format=args.format,
            model=args.model,
            tokenizer=args.tokenizer,
            context_length=args.context_length,
            tokenize=not args.no_tokenize,
            eval_fraction=args.eval_fraction,
            seed=args.seed,
            dedupe=args.dedupe,
            strict=args.strict,
            force=args.force,
            compression=None if args.compression == "none" else args.compression,
            hashes=tuple(args.hash or ("sha1",)),
            shard_bytes=int(args.shard_mb * 1024 * 1024),
            file_bytes=int(args.file_mb * 1_000_000),
            pad_last_window=args.pad_last_window,
            rename_completion=args.rename_completion,
            task=args.task,
            profile=args.profile,
            date=args.date,
            target_responses=args.target_responses,
            target_prompts=args.target_prompts,
            chat_template=args.chat_template,
            progress=bar,
            allow_empty=args.allow_empty,
        )
    finally:
        if bar is not None:
            bar.close()
    if done.result is not None and not args.quiet:
        write_report(done.result, "text", None, 20)
    if done.status == "skipped":
        print(f"{done.out}: already prepared with these inputs and options (--force redoes it)")
        return EXIT_OK
    if done.status == "refused":
        print(
            "ftdata prepare: --strict, and errors were found: nothing was written", file=sys.stderr
        )
        return EXIT_FINDINGS
    if done.status == "empty":
        print(
            "ftdata prepare: no example could be written (DS010): nothing was published",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    manifest = done.manifest
    assert manifest is not None  # a written output has its manifest
    examples = manifest["examples"]
    print(
        json.dumps(
            {
                "out": str(done.out),
                "written": examples["written"],
                "left_out": examples["left_out_by_reason"],
                "tokens": manifest["tokens"]["written"],
                "shards": len(manifest["shards"]),
            }
        )
    )
    return EXIT_OK
