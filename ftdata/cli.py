"""The command line: ``ftdata validate|stats|prepare|rules|models|...``.

``main(argv) -> exit code``.

Exit codes: 0 no finding reaches ``--fail-on``; 1 one does; 2 usage error or
a failure of the tool itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ftdata import option_values as ov
from ftdata._version import __version__
from ftdata.catalog_cli import add_catalog
from ftdata.cli_common import (
    CHAT_TEMPLATE_HELP,
    CONTEXT_LENGTH,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    output_stream,
    print_json_line,
    progress_bar,
    write_report,
)
from ftdata.errors import FtdataError
from ftdata.preparation_cli import add_prepare

FORMATS = ("text", "json", "github", "sarif", "junit", "html")


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() owns the exit code."""

    def error(self, message: str):
        # main() prints "ftdata: error: ..." itself; a sub-command says where help is.
        where = f" (see `{self.prog} --help`)" if self.prog != "ftdata" else ""
        raise FtdataError(f"{message}{where}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = _Parser(prog="ftdata", description="Check LLM fine-tuning data before training.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_validate(commands.add_parser("validate", help="check data files, folders or stdin"))
    stats = commands.add_parser("stats", help="token statistics (and per-example counts)")
    _add_validate(stats)
    stats.add_argument(
        "--per-example",
        action="store_true",
        help="write one JSON line per counted example instead of the report",
    )
    add_catalog(commands)
    add_prepare(commands)
    from ftdata.submission.cli import add_preflight

    add_preflight(commands)
    from ftdata.reshape.cli import add_convert, add_fix

    add_convert(commands)
    add_fix(commands)
    from ftdata.show_cli import add_show

    add_show(commands)
    return parser


def _add_validate(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="JSONL files (.gz/.zst too), folders, globs, or - for stdin",
    )
    cmd.add_argument(
        "--task",
        choices=("auto", "chat", "instruction", "pretraining"),
        help="force the task instead of detecting it per source",
    )
    cmd.add_argument(
        "--profile",
        choices=("databricks", "llm-foundry"),
        help="rule set: the documented service rules (default) or the engine's",
    )
    cmd.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these rules (codes, names, families, globs; comma-separated)",
    )
    cmd.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="skip these rules (replaces the configured list)",
    )
    cmd.add_argument(
        "--extend-ignore",
        action="append",
        metavar="CODES",
        help="skip these rules as well as the configured ones",
    )
    cmd.add_argument(
        "--severity",
        action="append",
        metavar="CODE=LEVEL",
        help="override a rule's severity, e.g. CH013=error",
    )
    cmd.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="lowest severity that makes the exit code 1 (default error)",
    )
    cmd.add_argument("--format", choices=FORMATS, default=None, help="report format (default text)")
    cmd.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    cmd.add_argument(
        "--max-per-code",
        type=ov.for_argparse(ov.whole, "--max-per-code", minimum=0),
        default=None,
        metavar="N",
        help="findings printed per code (counts stay exact; default 20)",
    )
    cmd.add_argument(
        "--max-line-bytes",
        default=None,
        metavar="N",
        type=ov.for_argparse(ov.whole, "--max-line-bytes", minimum=1),
        help="longest JSONL line parsed (default 32 MiB)",
    )
    cmd.add_argument(
        "--no-config",
        action="store_true",
        help="ignore [tool.ftdata] in pyproject.toml / ftdata.toml",
    )
    cmd.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    cache = cmd.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="the incremental cache's folder (default: the user's cache folder)",
    )
    cache.add_argument(
        "--no-cache", action="store_true", help="check everything again; read and write no cache"
    )
    _add_token_options(cmd)
    _add_table_options(cmd)


def _add_table_options(cmd: argparse.ArgumentParser) -> None:
    """Options of table inputs: Delta tables, Parquet files and folders."""
    group = cmd.add_argument_group("tables (Delta, Parquet)")
    group.add_argument(
        "--version",
        dest="table_version",
        type=int,
        metavar="N",
        help="read version N of a Delta table (time travel)",
    )
    group.add_argument(
        "--timestamp", metavar="ISO", help="read the Delta version current at this ISO 8601 time"
    )
    group.add_argument(
        "--storage-option",
        action="append",
        metavar="KEY=VALUE",
        help="pass an option to deltalake (object-store credentials); repeatable",
    )
    group.add_argument(
        "--columns",
        action="append",
        metavar="NAMES",
        help="check only these columns (comma-separated)",
    )
    group.add_argument(
        "--map",
        action="append",
        metavar="NEW=OLD",
        help="rename columns, e.g. --map prompt=question,response=answer",
    )
    group.add_argument(
        "--id-column", metavar="NAME", help="a unique column that names each row in findings"
    )


def _add_token_options(cmd: argparse.ArgumentParser) -> None:
    tokens = cmd.add_argument_group("tokens (with --model or --tokenizer)")
    tokens.add_argument("--model", help="a supported model (see `ftdata models`)")
    tokens.add_argument(
        "--tokenizer",
        metavar="PATH",
        help="tokenizer.json, a model folder, a SentencePiece .model or .tiktoken",
    )
    tokens.add_argument(
        "--context-length",
        type=CONTEXT_LENGTH,
        metavar="N",
        help="max_seq_len for truncation and thresholds (default: the model's)",
    )
    tokens.add_argument(
        "--epochs",
        type=ov.for_argparse(ov.real, "--epochs", above=0, maximum=1e6),
        help="epochs for the billed-token estimate (3)",
    )
    tokens.add_argument("--date", help="pin the date chat templates embed (YYYY-MM-DD)")
    tokens.add_argument(
        "--target-responses",
        choices=("last", "all"),
        help="assistant turns trained (default last, as llm-foundry)",
    )
    tokens.add_argument(
        "--target-prompts", metavar="none|all|length>=N", help="prompt spans trained (default none)"
    )
    tokens.add_argument("--chat-template", metavar="PATH|NAME", help=CHAT_TEMPLATE_HELP)
    tokens.add_argument(
        "--per-role",
        action="store_true",
        default=None,
        help="token statistics per role (encodes each message content again)",
    )
    switch = tokens.add_mutually_exclusive_group()
    switch.add_argument(
        "--no-tokens",
        action="store_true",
        help="structure rules only, even when [tool.ftdata] names a model",
    )
    switch.add_argument(
        "--require-tokens",
        action="store_true",
        help="fail (exit 2) unless a model or tokenizer is configured",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = None
    try:
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.version:
            print(f"ftdata {__version__}")
            return EXIT_OK
        if args.command is None:
            build_parser().print_help(sys.stderr)
            return EXIT_ERROR
        from ftdata.gc_tuning import fewer_collections

        # The command line owns its process, so it may tune the collector (the library never does).
        with fewer_collections():
            if args.command in ("validate", "stats"):
                return _validate(args)
            return args.run(args)  # every other sub-command registered its own runner
    except FtdataError as exc:
        print(f"ftdata: error: {ov.one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("ftdata: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); stop quietly like other CLI tools.
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:  # the system refused a file ftdata was told to use: not a bug
        print(f"ftdata: error: {ov.one_line(ov.os_error_message(exc, args))}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a bug in ftdata: say so briefly, exit 2, no traceback
        print(
            f"ftdata: internal error: {type(exc).__name__}: {ov.one_line(str(exc))} "
            "(please report this with the input that caused it)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _validate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ftdata.api import validate
    from ftdata.config import find_config
    from ftdata.core.options import build_options, table_options

    table = {} if args.no_config else find_config()[1]
    options = build_options(
        config=table,
        task=args.task,
        profile=args.profile,
        select=_split(args.select),
        ignore=_ignored(args, table),
        severity=_severity_pairs(args.severity),
        fail_on=args.fail_on,
        max_line_bytes=args.max_line_bytes,
        model=args.model,
        tokenizer=args.tokenizer,
        context_length=args.context_length,
        epochs=args.epochs,
        date=args.date,
        target_responses=args.target_responses,
        target_prompts=args.target_prompts,
        per_role=args.per_role,
        chat_template=args.chat_template,
    )
    per_example = getattr(args, "per_example", False)
    if args.output is not None:
        ov.path("--output", args.output)  # "" would silently mean standard output
    if args.no_tokens:
        options = replace(options, tokens=None)
    elif options.token_settings is None and (args.command == "stats" or args.require_tokens):
        raise FtdataError(
            f"ftdata {args.command} needs --model or --tokenizer (or `model` in [tool.ftdata])"
        )
    from ftdata.sources.table_options import cli_arguments

    options = replace(options, cache_dir=_cache_dir(args, table))
    bar = progress_bar(args.command, args.quiet)
    try:
        options = replace(options, table=table_options(cli_arguments(args)))
        if per_example:  # the records go where the report would: --output, else stdout
            with output_stream(args.output) as stream:
                result = validate(
                    args.paths,
                    options=options,
                    on_example=lambda record: print_json_line(record, stream),
                    progress=bar,
                )
            return EXIT_OK if result.ok else EXIT_FINDINGS
        result = validate(args.paths, options=options, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    from ftdata.config import report_options

    fmt, max_per_code = report_options(table, format=args.format, max_per_code=args.max_per_code)
    write_report(result, fmt, args.output, max_per_code)
    return EXIT_OK if result.ok else EXIT_FINDINGS


def _cache_dir(args: argparse.Namespace, table: dict) -> str | None:
    """The cache folder: none with --no-cache; --cache-dir, ``cache-dir``, or the default."""
    if args.no_cache:
        return None
    from ftdata.config import cache_dir_from

    chosen = cache_dir_from(table, args.cache_dir)
    if chosen is not None:
        return chosen
    from ftdata.incremental.store import default_cache_dir

    return str(default_cache_dir())


def _split(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _ignored(args: argparse.Namespace, table: dict) -> tuple[str, ...] | None:
    """--ignore replaces the configured list; --extend-ignore adds to it."""
    extend = _split(args.extend_ignore)
    if not extend:
        return _split(args.ignore)
    from ftdata.config import codes_list

    base = _split(args.ignore) or codes_list(table.get("ignore", ()), "ignore in [tool.ftdata]")
    return (*base, *extend)


def _severity_pairs(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    pairs = {}
    for item in _split(values) or ():
        code, sep, level = item.partition("=")
        if not sep:
            raise FtdataError(f"--severity takes CODE=LEVEL, not {item!r}")
        pairs[code.strip()] = level.strip()
    return pairs
