"""``ftdata convert`` and ``ftdata fix`` on the command line.

Kept apart from ``ftdata/cli.py`` so the main parser stays small; this module
imports only argparse until a command runs. Exit codes: 0 every example was
written and the output validates clean; 1 an example was rejected or the
output has an error finding; 2 a usage error.
"""

from __future__ import annotations

import argparse


def add_convert(commands) -> None:
    """Register ``convert`` on the main parser's sub-parsers."""
    cmd = commands.add_parser(
        "convert", help="rewrite ShareGPT/Alpaca/OpenAI/other JSONL into the service's shape"
    )
    cmd.add_argument("source", metavar="SOURCE", help="a JSONL file (.gz/.zst too)")
    cmd.add_argument(
        "--from",
        dest="fmt",
        choices=("sharegpt", "alpaca", "openai", "columns"),
        help="the input format (default: detected from the first examples)",
    )
    cmd.add_argument(
        "--map",
        action="append",
        metavar="NEW=OLD",
        help="rename keys before converting, e.g. --map prompt=question (as in "
        "validate); repeatable",
    )
    cmd.add_argument(
        "--role",
        action="append",
        metavar="SPEAKER=ROLE",
        help="ShareGPT: map another speaker to a role, e.g. --role bot=assistant",
    )
    cmd.add_argument(
        "--template",
        help="Alpaca prompt template with {instruction} and {input} "
        "(default: '{instruction}\\n\\n{input}')",
    )
    cmd.add_argument(
        "--template-no-input",
        metavar="TEMPLATE",
        help="Alpaca prompt template when input is empty (default: '{instruction}')",
    )
    _add_common(cmd)
    cmd.set_defaults(run=_convert)


def _add_common(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--out", required=True, metavar="FILE", help="the JSONL file to write (new)")
    cmd.add_argument("--rejects", metavar="FILE", help="default: OUT's name + .rejects.jsonl")
    cmd.add_argument("--change-log", metavar="FILE", help="default: OUT's name + .changes.jsonl")
    cmd.add_argument("--dry-run", action="store_true", help="print the changes; write nothing")
    cmd.add_argument("--profile", choices=("databricks", "llm-foundry"))
    cmd.add_argument("--model", help="also check tokens with this model (see `ftdata models`)")
    cmd.add_argument("--context-length", type=int, metavar="N", help="with --model")
    cmd.add_argument("--format", choices=("text", "json"), default="text", help="summary format")


def _convert(args: argparse.Namespace) -> int:
    from ftdata.reshape.convert import convert
    from ftdata.sources.table_options import parse_pairs

    result = convert(
        args.source,
        out=args.out,
        format=args.fmt,
        rename=parse_pairs(args.map, "--map"),
        roles=parse_pairs(args.role, "--role"),
        template=_unescape(args.template),
        template_no_input=_unescape(args.template_no_input),
        rejects=args.rejects,
        change_log=args.change_log,
        dry_run=args.dry_run,
        profile=args.profile,
        model=args.model,
        context_length=args.context_length,
        on_change=_print_change if args.dry_run else None,
    )
    return report(result, args.format)


def _unescape(text: str | None) -> str | None:
    """Let a template given on the command line write a newline as ``\\n``."""
    return None if text is None else text.replace("\\n", "\n")


def _print_change(record: dict) -> None:
    from ftdata.reporters.escape import json_line

    print(json_line(record))


def report(result, fmt: str) -> int:
    """Print the summary (and the validation verdict); return the exit code."""
    from ftdata.reporters.escape import json_line, printable

    data = result.to_dict()
    if fmt == "json":
        print(json_line(data))
    else:
        for line in summary_lines(data):
            print(printable(line))
    return 0 if result.ok else 1


def summary_lines(data: dict) -> list[str]:
    """The text summary: what was detected, counts, files, and the validation verdict."""
    lines = []
    if data.get("detected"):
        lines.append(f"detected format: {data['detected']}")
    lines.append(
        f"{data['command']} {data['source']}: {data['examples_in']} examples in, "
        f"{data['written']} written, {data['rejected']} rejected"
    )
    for title, key in (("changes", "changes_by_code"), ("rejected", "rejected_by_code")):
        if data[key]:
            counts = ", ".join(f"{code} {count}" for code, count in data[key].items())
            lines.append(f"  {title}: {counts}")
    if data["dry_run"]:
        lines.append("dry run: nothing written, output not validated")
        return lines
    lines.append(f"wrote {data['out']}, {data['rejects']}, {data['change_log']}")
    check = data["validation"]
    model = f" with {check['model']}" if check["model"] else ""
    verdict = (
        "clean"
        if check["ok"]
        else f"NOT clean ({check['errors']} errors: "
        f"{', '.join(check['by_code'])}; run `ftdata validate` on it)"
    )
    lines.append(f"validated {data['out']} ({check['profile']} profile{model}): {verdict}")
    return lines


def add_fix(commands) -> None:
    """Register ``fix`` on the main parser's sub-parsers."""
    cmd = commands.add_parser("fix", help="repair fixable findings (safe fixes by default)")
    cmd.add_argument("source", metavar="SOURCE", help="a JSONL file (.gz/.zst too)")
    cmd.add_argument(
        "--fix",
        action="append",
        metavar="CODES",
        help="also apply these opt-in fixes (codes, names, globs; comma-separated)",
    )
    cmd.add_argument("--unsafe-fixes", action="store_true", help="apply every opt-in fix")
    _add_common(cmd)
    cmd.set_defaults(run=_fix)


def _fix(args: argparse.Namespace) -> int:
    from ftdata.reshape.fix import fix

    selectors = [
        part.strip() for value in args.fix or () for part in value.split(",") if part.strip()
    ]
    result = fix(
        args.source,
        out=args.out,
        fixes=selectors,
        unsafe_fixes=args.unsafe_fixes,
        rejects=args.rejects,
        change_log=args.change_log,
        dry_run=args.dry_run,
        profile=args.profile,
        model=args.model,
        context_length=args.context_length,
        on_change=_print_change if args.dry_run else None,
    )
    return report(result, args.format)
