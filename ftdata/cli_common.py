"""What every sub-command of the command line shares: exit codes, report output, progress.

Kept apart from ``ftdata/cli.py`` so that sub-command modules (prepare, preflight,
convert and fix, show, rules and models) import it at the top without a cycle.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

from ftdata import option_values as ov
from ftdata.errors import FtdataError, UsageError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

CHAT_TEMPLATE_HELP = (
    "override the model's chat template: a built-in one (e.g. mistral-instruct, "
    "mistral-instruct-legacy; see `ftdata models`) or a .jinja file, "
    "tokenizer_config.json or model folder"
)

CONTEXT_LENGTH = ov.for_argparse(ov.whole, "--context-length", minimum=1)


def progress_bar(command: str, quiet: bool):
    """A progress bar on stderr when it is a terminal and --quiet is not given, else None."""
    if quiet or not sys.stderr.isatty():
        return None
    from ftdata.progress import ProgressBar

    return ProgressBar(command, sys.stderr)


def print_json_line(record: dict, stream=None) -> None:
    """One per-example record as a JSON line, data escaped."""
    from ftdata.reporters.escape import json_line

    print(json_line(record), file=stream or sys.stdout)


@contextmanager
def output_stream(path: str | None):
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
        raise UsageError(
            f"--output {ov.quoted(path)}: cannot write the report: {exc.strerror or exc}"
        ) from None


def write_report(result, fmt: str, output: str | None, max_per_code: int) -> None:
    """Render ``result`` as ``fmt`` to ``output`` (standard output without it)."""
    from ftdata.reporters import REPORTERS, ReportOptions

    if fmt not in REPORTERS:
        raise FtdataError(f"unknown format {ov.quoted(fmt)}; use one of {', '.join(REPORTERS)}")
    if output:
        with output_stream(output) as stream:
            REPORTERS[fmt](result, stream, ReportOptions(max_per_code=max_per_code))
        return
    color = fmt == "text" and sys.stdout.isatty()
    REPORTERS[fmt](result, sys.stdout, ReportOptions(max_per_code=max_per_code, color=color))
