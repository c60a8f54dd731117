"""``ftdata preflight``: the run's own arguments on the command line, checked before submission.

Kept apart from ``ftdata/cli.py`` so that the main parser stays small; this
module imports only argparse until the command runs.
"""

from __future__ import annotations

import argparse

FORMATS = ("text", "json", "github", "sarif", "junit")


def add_preflight(commands) -> None:
    """Register the ``preflight`` sub-command on the main parser's sub-parsers."""
    cmd = commands.add_parser(
        "preflight", help="check a fine-tuning run's arguments and data before submitting it"
    )
    run = cmd.add_argument_group("the run (the keyword arguments of create())")
    run.add_argument("--model", required=True, help="the model to fine-tune (see `ftdata models`)")
    run.add_argument(
        "--train-data-path",
        required=True,
        metavar="PATH",
        help="dbfs:/Volumes/... or /Volumes/..., catalog.schema.table, or name/split",
    )
    run.add_argument("--eval-data-path", metavar="PATH", help="eval data, in the same forms")
    run.add_argument(
        "--task-type",
        help="CHAT_COMPLETION (the SDK's default), INSTRUCTION_FINETUNE or CONTINUED_PRETRAIN",
    )
    run.add_argument(
        "--context-length",
        type=int,
        metavar="N",
        help="max sequence length (default and maximum: the model's)",
    )
    run.add_argument(
        "--training-duration", metavar="D", help="e.g. 3ep, 500ba, 1_000_000tok (default 1ep)"
    )
    run.add_argument("--register-to", metavar="R", help="<catalog>.<schema>[.<model_name>]")
    run.add_argument("--data-prep-cluster-id", metavar="ID", help="cluster that exports a table")
    here = cmd.add_argument_group("where the data are read here")
    here.add_argument("--volume-root", metavar="DIR", help="a local folder standing for /Volumes")
    here.add_argument(
        "--table-path",
        action="append",
        metavar="NAME=PATH",
        help="read table NAME from a Delta path or URI; repeatable",
    )
    here.add_argument(
        "--storage-option",
        action="append",
        metavar="KEY=VALUE",
        help="pass an option to deltalake for --table-path URIs; repeatable",
    )
    here.add_argument(
        "--hf-cache",
        metavar="DIR",
        help="Hugging Face datasets cache (read offline; default: the library's)",
    )
    cmd.add_argument("--date", help="the run's day, YYYY-MM-DD (default today, UTC)")
    cmd.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="lowest severity that makes the exit code 1 (default error)",
    )
    cmd.add_argument("--format", choices=FORMATS, default="text", help="report format")
    cmd.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    cmd.add_argument(
        "--max-per-code",
        type=int,
        default=20,
        metavar="N",
        help="findings printed per code (counts stay exact; default 20)",
    )
    cmd.set_defaults(run=run_preflight)


def run_preflight(args: argparse.Namespace) -> int:
    """Run the preflight and write its report; the exit code is validate's (0, 1)."""
    from ftdata.cli_common import EXIT_FINDINGS, EXIT_OK, write_report
    from ftdata.submission.core import preflight

    result = preflight(
        args.model,
        args.train_data_path,
        args.register_to,
        task_type=args.task_type,
        eval_data_path=args.eval_data_path,
        context_length=args.context_length,
        training_duration=args.training_duration,
        data_prep_cluster_id=args.data_prep_cluster_id,
        date=args.date,
        volume_root=args.volume_root,
        table_paths=pairs(args.table_path, "--table-path", "NAME=PATH"),
        storage_options=pairs(args.storage_option, "--storage-option", "KEY=VALUE"),
        hf_cache=args.hf_cache,
        fail_on=args.fail_on,
    )
    write_report(result, args.format, args.output, args.max_per_code)
    return EXIT_OK if result.ok else EXIT_FINDINGS


def pairs(values: list[str] | None, option: str, form: str) -> dict[str, str]:
    """``NAME=VALUE`` options as a dict; a value without ``=`` is a usage error."""
    from ftdata.errors import UsageError

    found: dict[str, str] = {}
    for value in values or ():
        name, sep, item = value.partition("=")
        if not sep or not name.strip() or not item.strip():
            raise UsageError(f"{option} takes {form}, not {value!r}")
        found[name.strip()] = item.strip()
    return found
