"""The command line: ``ftdata validate|rules``. ``main(argv) -> exit code``.

Exit codes: 0 no finding reaches ``--fail-on``; 1 one does; 2 usage error or
a failure of the tool itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import contextmanager

from ftdata import option_values as ov
from ftdata.errors import FtdataError, UsageError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "github", "sarif", "junit", "html")


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() owns the exit code."""

    def error(self, message: str):  # type: ignore[override]
        # main() prints "ftdata: error: ..." itself; a sub-command says where help is.
        where = f" (see `{self.prog} --help`)" if self.prog != "ftdata" else ""
        raise FtdataError(f"{message}{where}")


CHAT_TEMPLATE_HELP = ("override the model's chat template: a built-in one (e.g. mistral-instruct, "
                      "mistral-instruct-legacy; see `ftdata models`) or a .jinja file, "
                      "tokenizer_config.json or model folder")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = _Parser(prog="ftdata", description="Check LLM fine-tuning data before training.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_validate(commands.add_parser("validate", help="check data files, folders or stdin"))
    stats = commands.add_parser("stats", help="token statistics (and per-example counts)")
    _add_validate(stats)
    stats.add_argument("--per-example", action="store_true",
                       help="write one JSON line per counted example instead of the report")
    rules = commands.add_parser("rules", help="list the rules, or explain one")
    rules.add_argument("code", nargs="?",
                       help="a code or name (CH011, last-not-assistant), a family or glob (CH, TK0*)")
    rules.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    _add_prepare(commands)
    from ftdata.submission.cli import add_preflight

    add_preflight(commands)
    from ftdata.reshape.cli import add_convert, add_fix

    add_convert(commands)
    add_fix(commands)
    from ftdata.show_cli import add_show

    add_show(commands)
    models = commands.add_parser("models", help="list the supported models and context lengths")
    models.add_argument("name", nargs="?", help="show one model (full or short name)")
    return parser


def _add_validate(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("paths", nargs="+", metavar="PATH",
                     help="JSONL files (.gz/.zst too), folders, globs, or - for stdin")
    cmd.add_argument("--task", choices=("auto", "chat", "instruction", "pretraining"),
                     help="force the task instead of detecting it per source")
    cmd.add_argument("--profile", choices=("databricks", "llm-foundry"),
                     help="rule set: the documented service rules (default) or the engine's")
    cmd.add_argument("--select", action="append", metavar="CODES",
                     help="only these rules (codes, names, families, globs; comma-separated)")
    cmd.add_argument("--ignore", action="append", metavar="CODES",
                     help="skip these rules (replaces the configured list)")
    cmd.add_argument("--extend-ignore", action="append", metavar="CODES",
                     help="skip these rules as well as the configured ones")
    cmd.add_argument("--severity", action="append", metavar="CODE=LEVEL",
                     help="override a rule's severity, e.g. CH013=error")
    cmd.add_argument("--fail-on", choices=("error", "warning", "info"),
                     help="lowest severity that makes the exit code 1 (default error)")
    cmd.add_argument("--format", choices=FORMATS, default=None, help="report format (default text)")
    cmd.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    cmd.add_argument("--max-per-code", type=ov.for_argparse(ov.whole, "--max-per-code", minimum=0),
                     default=None, metavar="N",
                     help="findings printed per code (counts stay exact; default 20)")
    cmd.add_argument("--max-line-bytes", default=None, metavar="N",
                     type=ov.for_argparse(ov.whole, "--max-line-bytes", minimum=1),
                     help="longest JSONL line parsed (default 32 MiB)")
    cmd.add_argument("--no-config", action="store_true",
                     help="ignore [tool.ftdata] in pyproject.toml / ftdata.toml")
    cmd.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_token_options(cmd)
    _add_table_options(cmd)


def _add_prepare(commands) -> None:
    """``ftdata prepare``: validate, then write the valid examples as training-ready shards."""
    from ftdata.writers import FILE_BYTES
    cmd = commands.add_parser("prepare",
                              help="write valid examples as MDS/Parquet/JSONL/text shards")
    cmd.add_argument("paths", nargs="+", metavar="SOURCE", help="files, folders, globs, tables")
    cmd.add_argument("--out", required=True, metavar="DIR", help="output folder (new or empty)")
    cmd.add_argument("--format", choices=("mds", "parquet", "jsonl", "text"), default="mds")
    cmd.add_argument("--model", help="a supported model (see `ftdata models`)")
    cmd.add_argument("--tokenizer", metavar="PATH", help="a tokenizer file or folder instead")
    cmd.add_argument("--context-length", type=_CONTEXT_LENGTH, metavar="N",
                     help="max_seq_len / window length")
    cmd.add_argument("--task", choices=("chat", "instruction", "pretraining"))
    cmd.add_argument("--profile", choices=("databricks", "llm-foundry"))
    cmd.add_argument("--date", help="pin the date chat templates embed (YYYY-MM-DD)")
    cmd.add_argument("--target-responses", choices=("last", "all"))
    cmd.add_argument("--target-prompts", metavar="none|all|length>=N")
    cmd.add_argument("--chat-template", metavar="PATH|NAME", help=CHAT_TEMPLATE_HELP)
    cmd.add_argument("--no-tokenize", action="store_true",
                     help="MDS/Parquet: store messages or prompt/response text, not token ids")
    cmd.add_argument("--eval-fraction", type=float, default=0.0, metavar="F",
                     help="send this share of examples to eval/ (split by content hash)")
    cmd.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    cmd.add_argument("--dedupe", action="store_true", help="drop exact duplicate examples")
    cmd.add_argument("--strict", action="store_true", help="write nothing if any error is found")
    cmd.add_argument("--allow-empty", action="store_true",
                     help="publish an output even when no example could be written (else DS010)")
    cmd.add_argument("--force", action="store_true", help="redo a finished output")
    cmd.add_argument("--compression", default="zstd", metavar="zstd[:L]|none", help="MDS shards")
    cmd.add_argument("--hash", action="append", metavar="ALGO",
                     help="MDS shard hashes (default sha1; md5, sha256, xxh64); repeatable")
    cmd.add_argument("--shard-mb", type=_size("--shard-mb"), default=64.0,
                     help="MDS shard size limit (64 MiB)")
    cmd.add_argument("--file-mb", type=_size("--file-mb"), default=FILE_BYTES / 1_000_000,
                     help="Parquet/JSONL/text file size limit (256 MB, as the library's default)")
    cmd.add_argument("--pad-last-window", action="store_true",
                     help="pre-training: EOS-pad the last partial window instead of dropping it")
    cmd.add_argument("--rename-completion", action="store_true",
                     help="JSONL: write `completion` as `response`")
    cmd.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    cmd.set_defaults(run=_prepare)


def _size(option: str):
    """A size in MB: above 0 and at most a petabyte (nan, inf and 0 are refused)."""
    return ov.for_argparse(ov.real, option, above=0, maximum=1e9)


_CONTEXT_LENGTH = ov.for_argparse(ov.whole, "--context-length", minimum=1)


def _prepare(args: argparse.Namespace) -> int:
    import json

    from ftdata.preparation import prepare

    ov.path("--out", args.out)

    bar = _progress_bar("prepare", args.quiet)
    try:
        done = prepare(
            args.paths, out=args.out, format=args.format, model=args.model, tokenizer=args.tokenizer,
            context_length=args.context_length, tokenize=not args.no_tokenize,
            eval_fraction=args.eval_fraction, seed=args.seed, dedupe=args.dedupe, strict=args.strict,
            force=args.force, compression=None if args.compression == "none" else args.compression,
            hashes=tuple(args.hash or ("sha1",)), shard_bytes=int(args.shard_mb * 1024 * 1024),
            file_bytes=int(args.file_mb * 1_000_000), pad_last_window=args.pad_last_window,
            rename_completion=args.rename_completion, task=args.task, profile=args.profile,
            date=args.date, target_responses=args.target_responses,
            target_prompts=args.target_prompts, chat_template=args.chat_template, progress=bar,
            allow_empty=args.allow_empty)
    finally:
        if bar is not None:
            bar.close()
    if done.result is not None and not args.quiet:
        _write_report(done.result, "text", None, 20)
    if done.status == "skipped":
        print(f"{done.out}: already prepared with these inputs and options (--force redoes it)")
        return EXIT_OK
    if done.status == "refused":
        print("ftdata prepare: --strict, and errors were found: nothing was written",
              file=sys.stderr)
        return EXIT_FINDINGS
    if done.status == "empty":
        print("ftdata prepare: no example could be written (DS010): nothing was published",
              file=sys.stderr)
        return EXIT_FINDINGS
    examples = done.manifest["examples"]
    print(json.dumps({"out": str(done.out), "written": examples["written"],
                      "left_out": examples["left_out_by_reason"],
                      "tokens": done.manifest["tokens"]["written"],
                      "shards": len(done.manifest["shards"])}))
    return EXIT_OK


def _add_table_options(cmd: argparse.ArgumentParser) -> None:
    """Options of table inputs: Delta tables, Parquet files and folders."""
    group = cmd.add_argument_group("tables (Delta, Parquet)")
    group.add_argument("--version", dest="table_version", type=int, metavar="N",
                       help="read version N of a Delta table (time travel)")
    group.add_argument("--timestamp", metavar="ISO",
                       help="read the Delta version current at this ISO 8601 time")
    group.add_argument("--storage-option", action="append", metavar="KEY=VALUE",
                       help="pass an option to deltalake (object-store credentials); repeatable")
    group.add_argument("--columns", action="append", metavar="NAMES",
                       help="check only these columns (comma-separated)")
    group.add_argument("--map", action="append", metavar="NEW=OLD",
                       help="rename columns, e.g. --map prompt=question,response=answer")
    group.add_argument("--id-column", metavar="NAME",
                       help="a unique column that names each row in findings")


def _add_token_options(cmd: argparse.ArgumentParser) -> None:
    tokens = cmd.add_argument_group("tokens (with --model or --tokenizer)")
    tokens.add_argument("--model", help="a supported model (see `ftdata models`)")
    tokens.add_argument("--tokenizer", metavar="PATH",
                        help="tokenizer.json, a model folder, a SentencePiece .model or .tiktoken")
    tokens.add_argument("--context-length", type=_CONTEXT_LENGTH, metavar="N",
                        help="max_seq_len for truncation and thresholds (default: the model's)")
    tokens.add_argument("--epochs", type=ov.for_argparse(ov.real, "--epochs", above=0, maximum=1e6),
                        help="epochs for the billed-token estimate (3)")
    tokens.add_argument("--date", help="pin the date chat templates embed (YYYY-MM-DD)")
    tokens.add_argument("--target-responses", choices=("last", "all"),
                        help="assistant turns trained (default last, as llm-foundry)")
    tokens.add_argument("--target-prompts", metavar="none|all|length>=N",
                        help="prompt spans trained (default none)")
    tokens.add_argument("--chat-template", metavar="PATH|NAME", help=CHAT_TEMPLATE_HELP)
    tokens.add_argument("--per-role", action="store_true", default=None,
                        help="token statistics per role (encodes each message content again)")
    switch = tokens.add_mutually_exclusive_group()
    switch.add_argument("--no-tokens", action="store_true",
                        help="structure rules only, even when [tool.ftdata] names a model")
    switch.add_argument("--require-tokens", action="store_true",
                        help="fail (exit 2) unless a model or tokenizer is configured")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = None
    try:
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.version:
            from ftdata import __version__

            print(f"ftdata {__version__}")
            return EXIT_OK
        if args.command in ("validate", "stats"):
            return _validate(args)
        if args.command in ("prepare", "preflight", "convert", "fix", "show"):
            return args.run(args)
        if args.command == "models":
            return _models(args.name)
        if args.command == "rules":
            return _rules(args.code, args.markdown)
        build_parser().print_help(sys.stderr)
        return EXIT_ERROR
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
        print(f"ftdata: internal error: {type(exc).__name__}: {ov.one_line(str(exc))} "
              "(please report this with the input that caused it)", file=sys.stderr)
        return EXIT_ERROR


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _validate(args: argparse.Namespace) -> int:
    from ftdata.api import validate
    from ftdata.config import find_config, settings_from, token_settings_from

    table = {} if args.no_config else find_config()[1]
    settings = settings_from(
        table,
        task=args.task,
        profile=args.profile,
        select=_split(args.select),
        ignore=_ignored(args, table),
        severity=_severity_pairs(args.severity),
        fail_on=args.fail_on,
        max_line_bytes=args.max_line_bytes,
    )
    tokens = token_settings_from(
        table, model=args.model, tokenizer=args.tokenizer, context_length=args.context_length,
        epochs=args.epochs, date=args.date, target_responses=args.target_responses,
        target_prompts=args.target_prompts, per_role=args.per_role,
        chat_template=args.chat_template,
    )
    per_example = getattr(args, "per_example", False)
    if args.output is not None:
        ov.path("--output", args.output)  # "" would silently mean standard output
    if args.no_tokens:
        tokens = None
    elif not tokens.requested and (args.command == "stats" or args.require_tokens):
        raise FtdataError(f"ftdata {args.command} needs --model or --tokenizer "
                          "(or `model` in [tool.ftdata])")
    from ftdata.sources.table_options import cli_arguments

    bar = _progress_bar(args.command, args.quiet)
    try:
        if per_example:  # the records go where the report would: --output, else stdout
            with _output(args.output) as stream:
                result = validate(args.paths, settings=settings, token_settings=tokens,
                                  on_example=lambda record: _print_json_line(record, stream),
                                  progress=bar, **cli_arguments(args))
            return EXIT_OK if result.ok else EXIT_FINDINGS
        result = validate(args.paths, settings=settings, token_settings=tokens, progress=bar,
                          **cli_arguments(args))
    finally:
        if bar is not None:
            bar.close()
    from ftdata.config import report_options

    fmt, max_per_code = report_options(table, format=args.format, max_per_code=args.max_per_code)
    _write_report(result, fmt, args.output, max_per_code)
    return EXIT_OK if result.ok else EXIT_FINDINGS


def _progress_bar(command: str, quiet: bool):
    """A progress bar on stderr when it is a terminal and --quiet is not given, else None."""
    if quiet or not sys.stderr.isatty():
        return None
    from ftdata.progress import ProgressBar

    return ProgressBar(command, sys.stderr)


def _print_json_line(record: dict, stream=None) -> None:
    from ftdata.reporters.escape import json_line

    print(json_line(record), file=stream or sys.stdout)


@contextmanager
def _output(path: str | None):
    """The file named by --output (standard output without it); the system's refusals name it."""
    if not path:
        yield sys.stdout
        return
    try:
        with open(path, "w", encoding="utf-8") as stream:
            yield stream
    except OSError as exc:  # a missing folder, a full disk, a name too long
        if exc.filename not in (None, path):
            raise  # not about --output (an input, say): reported for what it is
        raise UsageError(f"--output {ov.quoted(path)}: cannot write the report: "
                         f"{exc.strerror or exc}") from None


def _write_report(result, fmt: str, output: str | None, max_per_code: int) -> None:
    from ftdata.reporters import REPORTERS, ReportOptions

    if fmt not in REPORTERS:
        raise FtdataError(f"unknown format {ov.quoted(fmt)}; use one of {', '.join(REPORTERS)}")
    if output:
        with _output(output) as stream:
            REPORTERS[fmt](result, stream, ReportOptions(max_per_code=max_per_code))
        return
    color = fmt == "text" and sys.stdout.isatty()
    REPORTERS[fmt](result, sys.stdout, ReportOptions(max_per_code=max_per_code, color=color))


def _rules(code: str | None, markdown: bool = False) -> int:
    from ftdata.rules import registry

    if code is None and markdown:
        print(rules_markdown())
        return EXIT_OK
    # One rule by code or name is explained; a family or glob (CH, TK00*) lists its rules,
    # exactly the selectors --select accepts.
    chosen = registry.all_rules() if code is None else registry.select(code)
    if not chosen:
        raise FtdataError(f"no rule {code!r}; `ftdata rules` lists them")
    if len(chosen) > 1 or code is None:
        for rule in chosen:
            tasks = ",".join(sorted(rule.tasks))
            fixable = rule.fix or "-"
            print(f"{rule.code}  {rule.name:<36}{rule.severity.label:<9}{tasks:<28}{fixable:<8}"
                  f"{rule.summary}")
        return EXIT_OK
    rule = chosen[0]
    profiles = ", ".join(sorted(rule.profiles))
    fixable = f"; fixable: {rule.fix}" if rule.fix else ""
    print(f"{rule.code} {rule.name} ({rule.severity.label}; tasks: {', '.join(sorted(rule.tasks))};"
          f" profiles: {profiles}{fixable})\n")
    print(rule.doc)
    print(f"\nHow to fix: {rule.hint}")
    return EXIT_OK


def _models(name: str | None) -> int:
    from ftdata.tokens.models import get_model, list_models

    chosen = [get_model(name)] if name else list_models()
    print(f"{'model':<46}{'context':>8}  {'template':<24}note")
    for model in chosen:
        note = model.deprecation_message() or ""
        print(f"{model.name:<46}{model.context_length:>8}  {model.template:<24}{note}")
    if not name:
        from ftdata.tokens.builtin import BUILTIN_TEMPLATES

        print("\nBuilt-in chat templates (--chat-template NAME):")
        for template in BUILTIN_TEMPLATES.values():
            print(f"  {template.id:<26}{template.summary}")
    return EXIT_OK


def rules_markdown() -> str:
    """The rule catalogue as a Markdown table (the README embeds it; a test keeps it in sync)."""
    from ftdata.rules import registry

    lines = ["| code | name | severity | tasks | profiles | fixable | what it checks |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for rule in registry.all_rules():
        lines.append(
            f"| {rule.code} | {rule.name} | {rule.severity.label} | {', '.join(sorted(rule.tasks))}"
            f" | {', '.join(sorted(rule.profiles))} | {rule.fix or ''}"
            f" | {rule.summary.replace('|', '/')} |"
        )
    return "\n".join(lines)


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
