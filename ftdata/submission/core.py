"""``ftdata.preflight``: check a fine-tuning run exactly as it will be submitted.

It takes the keyword arguments of the service's ``create()`` (databricks-genai,
``databricks.model_training.foundation_model.create``) so that one dict can be
checked and then submitted, plus a few keyword-only options of its own that
say where the data can be read on this machine. It checks the arguments the
way the service does (RN rules), reads the data where it lives, runs the full
validation with the model's tokenizer and template and the dataset
thresholds, looks for eval examples whose prompt is in train (DS009), and
returns one :class:`~ftdata.result.Result` with a ``run`` section.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ftdata.config import Settings, settings_from
from ftdata.result import Result, ResultBuilder
from ftdata.rules import run as rn
from ftdata.submission import arguments, paths, reading
from ftdata.submission.leaks import LeakFinder

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
from ftdata.submission.report import merge_results, run_section

# Where the run's own findings point: not a file (SARIF and JUnit treat "<...>" names so).
RUN = "<run>"
# The model's deprecation (DS008) is the run's finding, made once from the
# arguments; the dataset thresholds are about the training data, so eval data
# are checked for everything else.
TRAIN_IGNORES = ("DS008",)
EVAL_IGNORES = ("DS004", "DS005", "DS006", "DS007", "DS008")


@dataclass
class DataCheck:
    """One data path of the run: its classification, where it was read, its result."""

    role: str  # train / eval
    path: paths.DataPath
    read_from: str | None = None
    result: Result | None = None
    detected: list[str] = field(default_factory=list)


def preflight(
    model: str,
    train_data_path: str,
    register_to: str | None = None,
    *,
    experiment_path: str | None = None,
    task_type: str | None = None,
    eval_data_path: str | None = None,
    eval_prompts: list[str] | None = None,
    custom_weights_path: str | None = None,
    training_duration: str | None = None,
    learning_rate: float | None = None,
    context_length: int | None = None,
    validate_inputs: bool | None = True,
    data_prep_cluster_id: str | None = None,
    date: Any = None,
    volume_root: str | None = None,
    table_paths: Mapping[str, str] | None = None,
    storage_options: Mapping[str, str] | None = None,
    spark: Any = None,
    hf_cache: str | None = None,
    fail_on: str | None = None,
    keep_per_code: int | None = None,
) -> Result:
    """Check a run given as ``create()``'s keyword arguments; return a Result with a run section.

    The arguments up to ``data_prep_cluster_id`` are ``create()``'s own
    (``experiment_path``, ``eval_prompts``, ``custom_weights_path``,
    ``learning_rate`` and ``validate_inputs`` are accepted and not checked).
    ftdata's options: ``date`` is the run's day (``YYYY-MM-DD`` or a date;
    default today, UTC) for model retirement and the templates' date;
    ``volume_root`` is a local folder standing for ``/Volumes``;
    ``table_paths`` maps table names to Delta paths or URIs (their storage
    locations, read with deltalake, with ``storage_options`` as given, e.g.
    object-store credentials); ``spark`` is a SparkSession for table names
    (default: the active one); ``hf_cache`` is the Hugging Face datasets cache
    folder (read offline only); ``fail_on`` and ``keep_per_code`` mean what
    they mean for ``validate``. Raises ``UsageError`` for a bad ``date`` or a
    ``table_paths`` location that does not exist; everything wrong with the
    run is a finding.
    """
    day = arguments.run_date(date)
    settings = settings_from({}, fail_on=fail_on, keep_per_code=keep_per_code)
    builder = ResultBuilder(settings.policy(), settings.keep_per_code)
    checked = arguments.check_arguments(
        model, task_type, context_length, register_to, training_duration, day
    )
    for issue in checked.issues:
        builder.emit(issue.rule, issue.message, source=RUN, key=issue.argument)
    where = _Where(
        volume_root, dict(table_paths or {}), spark, hf_cache, dict(storage_options or {})
    )
    leaks = LeakFinder()
    checks = []
    for role, given in (("train", train_data_path), ("eval", eval_data_path)):
        if given is None:
            continue
        check = DataCheck(role, paths.classify(str(given)))
        checks.append(check)
        if _path_ok(builder, check, checked.task, data_prep_cluster_id):
            _read_and_validate(builder, check, checked, day, where, settings, leaks)
        _compare_task(builder, check, checked)
    leak_findings = ResultBuilder(settings.policy(), settings.keep_per_code)
    leaks.emit(leak_findings)  # after the data's own findings in the report
    section = run_section(checked, day, checks, register_to, data_prep_cluster_id)
    parts = [c.result for c in checks if c.result is not None]
    return merge_results(
        builder, [*parts, leak_findings.build(settings.fail_on)], settings, section
    )


@dataclass
class _Where:
    """ftdata's options that say where data can be read here."""

    volume_root: str | None
    table_paths: dict[str, str]
    spark: Any
    hf_cache: str | None
    storage_options: dict[str, str]


def _argument(check: DataCheck) -> str:
    return f"{check.role}_data_path"


def _path_ok(
    builder: ResultBuilder, check: DataCheck, task: str | None, cluster: str | None
) -> bool:
    """The path's form findings (RN003, RN004); whether the data should be read."""
    problems = paths.form_problems(check.path, task)
    for message in problems:
        builder.emit(rn.PATH_FORM, message, source=RUN, key=_argument(check))
    if check.path.kind == paths.TABLE and not problems:
        if not cluster:
            builder.emit(
                rn.TABLE_NEEDS_CLUSTER,
                f"{paths.shown(check.path.formatted)} is a Delta "
                "table and no data_prep_cluster_id is given",
                source=RUN,
                key=_argument(check),
            )
        elif str(cluster).strip().lower() == "serverless":
            builder.emit(
                rn.TABLE_NEEDS_CLUSTER,
                "data_prep_cluster_id 'serverless' is not "
                "accepted for a Delta table; give a cluster id",
                source=RUN,
                key="data_prep_cluster_id",
            )
    return not problems


def _read_and_validate(
    builder: ResultBuilder,
    check: DataCheck,
    checked: arguments.Checked,
    day: _dt.date,
    where: _Where,
    settings: Settings,
    leaks: LeakFinder,
) -> None:
    found = reading.locate(
        check.path,
        checked.task,
        volume_root=where.volume_root,
        table_paths=where.table_paths,
        spark=where.spark,
        hf_cache=where.hf_cache,
    )
    if isinstance(found, reading.Unreadable):
        builder.emit(found.rule, found.message, source=RUN, key=_argument(check))
        return
    check.read_from = found.read_from
    options: dict[str, Any] = dict(
        model=checked.model.name if checked.model is not None else None,
        context_length=checked.context_length if checked.model is not None else None,
        epochs=_epochs_for_tokens(checked),
        date=day,
        fail_on=settings.fail_on.label,
        keep_per_code=settings.keep_per_code,
        ignore=EVAL_IGNORES if check.role == "eval" else TRAIN_IGNORES,
    )
    if found.spark:
        import ftdata.spark

        frame = cast("DataFrame", found.target)  # locate() read a Spark table (spark=True)
        check.result = ftdata.spark.validate(frame, name=found.read_from, **options)
        _spark_prompts(found, check.role, leaks)
    else:
        from ftdata.api import validate

        task = "pretraining" if checked.task == "pretraining" else None
        on_row = leaks.train_row if check.role == "train" else leaks.eval_row
        if check.path.kind == paths.TABLE:
            options["storage_options"] = where.storage_options
        check.result = validate(found.target, task=task, on_row=on_row, **options)
    check.detected = sorted({s.task for s in check.result.sources if s.task})


def _spark_prompts(found: reading.Located, role: str, leaks: LeakFinder) -> None:
    """Feed a Spark table's prompt digests to the leak finder, rows named as ftdata.spark does."""
    from ftdata.spark.partition import partition_label
    from ftdata.submission.spark_prompts import prompt_digests

    for partition, row, key in prompt_digests(found.target):
        leaks.add(
            role, key, {"source": found.read_from, "file": partition_label(partition), "row": row}
        )


def _epochs_for_tokens(checked: arguments.Checked) -> float:
    """Epochs for the token stage's own estimate: the duration's, else 1 (see the run section)."""
    duration = checked.duration
    return duration.value if duration is not None and duration.unit == "ep" else 1.0


def _compare_task(builder: ResultBuilder, check: DataCheck, checked: arguments.Checked) -> None:
    """RN006 when the data's detected task is not the run's."""
    wrong = [task for task in check.detected if task != checked.task]
    if checked.task is None or not wrong:
        return
    builder.emit(
        rn.TASK_MISMATCH,
        f"task_type {checked.task_type} trains on {checked.task} "
        f"data, but {paths.shown(check.path.formatted)} holds {' and '.join(wrong)} data",
        source=RUN,
        key="task_type",
    )
