"""The ``ftdata show`` sub-command: its options and how it runs."""

from __future__ import annotations

import argparse
import sys


def add_show(commands) -> None:
    """Register ``ftdata show PATH:LINE [--model M | --tokenizer P] [--row N] ...``."""
    cmd = commands.add_parser("show", help="one example as training sees it (template, tokens)")
    cmd.add_argument("place", metavar="PATH:LINE", help="a JSONL line, or a table with --row N")
    cmd.add_argument("--row", type=int, metavar="N", help="the row of a table (from 0)")
    which = cmd.add_mutually_exclusive_group()
    which.add_argument("--model", help="a supported model (see `ftdata models`)")
    which.add_argument("--tokenizer", metavar="PATH", help="a tokenizer file or folder instead")
    cmd.add_argument("--context-length", type=int, metavar="N", help="where truncation cuts")
    cmd.add_argument("--date", help="pin the date chat templates embed (YYYY-MM-DD)")
    cmd.add_argument("--target-responses", choices=("last", "all"))
    cmd.add_argument("--target-prompts", metavar="none|all|length>=N")
    mode = cmd.add_mutually_exclusive_group()
    mode.add_argument("--tokens", action="store_true", help="one line per token: id and text")
    mode.add_argument("--html", action="store_true", help="write the view as an HTML page")
    cmd.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    cmd.set_defaults(run=run_show)


def run_show(args: argparse.Namespace) -> int:
    """Show one example; exit 1 when it has an error finding, else 0."""
    from ftdata.config import token_settings_from
    from ftdata.findings import Severity
    from ftdata.show import build_view
    from ftdata.views.show import render

    # The same parsing and checks of the token options as validate's (dates, targets).
    settings = token_settings_from(
        {},
        model=args.model,
        tokenizer=args.tokenizer,
        context_length=args.context_length,
        date=args.date,
        target_responses=args.target_responses,
        target_prompts=args.target_prompts,
    )
    view = build_view(
        args.place,
        row=args.row,
        model=settings.model,
        tokenizer=settings.tokenizer,
        context_length=settings.context_length,
        date=settings.date,
        target_responses=settings.target_responses,
        target_prompts=settings.target_prompts,
    )
    mode = "tokens" if args.tokens else "html" if args.html else "text"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as stream:
            stream.write(render(view, mode))
    else:
        sys.stdout.write(render(view, mode, color=mode == "text" and sys.stdout.isatty()))
    return 1 if any(f.severity >= Severity.ERROR for f in view.findings) else 0
