"""The run's scalar arguments checked as the service checks them.

Sources: the create() parameters page
(https://docs.databricks.com/aws/en/large-language-models/foundation-model-training/create-fine-tune-run)
and the databricks-genai SDK's ``create()`` docstring: ``task_type`` is one of
three names (the SDK fills in ``CHAT_COMPLETION`` when it is empty);
``register_to`` is ``<catalog>.<schema>`` or ``<catalog>.<schema>.<model_name>``;
``training_duration`` is given in batches (``100ba``), epochs (``10ep``) or
tokens (``1_000_000tok``), default ``1ep``; ``context_length`` may not exceed
the model's own. The service itself was scheduled for removal on 2026-08-14
("scheduled for removal on August 14, 2026", on the Azure copy of that page,
https://learn.microsoft.com/en-us/Azure/databricks/large-language-models/foundation-model-training/create-fine-tune-run;
the Databricks copy now says it reached end of life). Retirement: a retired model "is no
longer available for use"
(https://learn.microsoft.com/en-us/azure/databricks/machine-learning/foundation-models/retired-models-policy);
ftdata's model table holds the last day each deprecated model is served.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ftdata.errors import UsageError
from ftdata.rules import dataset, run
from ftdata.rules.registry import Rule

if TYPE_CHECKING:
    from ftdata.tokens.models import ModelSpec

TASK_TYPES = {
    "CHAT_COMPLETION": "chat",
    "INSTRUCTION_FINETUNE": "instruction",
    "CONTINUED_PRETRAIN": "pretraining",
}
SDK_DEFAULT_TASK_TYPE = "CHAT_COMPLETION"
SERVICE_LAST_DAY = _dt.date(2026, 8, 14)
DEFAULT_DURATION = "1ep"
_DURATION = re.compile(r"^(\d[\d_]*(?:\.\d+)?)(ep|ba|tok)$")
_UC_NAME = re.compile(r"^[^\s./`]+$")  # no dots (they separate), slashes, spaces or backticks


@dataclass
class Issue:
    """A finding about one argument, before it becomes a Finding."""

    rule: Rule
    message: str
    argument: str


@dataclass
class Duration:
    """``training_duration`` parsed: a positive ``value`` in ``unit`` (ep, ba, tok)."""

    text: str
    value: float
    unit: str


@dataclass
class Checked:
    """What the arguments say once checked: the values the data checks use, and the issues."""

    model: ModelSpec | None = None  # None for an unknown model
    task: str | None = None  # chat / instruction / pretraining, None for an unknown task_type
    task_type: str | None = None
    context_length: int | None = None  # what the data are checked at
    duration: Duration | None = None
    issues: list[Issue] = field(default_factory=list)

    def add(self, rule: Rule, message: str, argument: str) -> None:
        """Record one issue."""
        self.issues.append(Issue(rule, message, argument))


def run_date(date: object) -> _dt.date:
    """The run's date: a ``date``, an ISO ``YYYY-MM-DD`` string, or today (UTC) for None."""
    if date is None:
        return _dt.datetime.now(_dt.UTC).date()
    if isinstance(date, _dt.datetime):
        return date.date()
    if isinstance(date, _dt.date):
        return date
    try:
        return _dt.date.fromisoformat(str(date))
    except ValueError:
        raise UsageError(f"--date takes YYYY-MM-DD, not {date!r}") from None


def check_arguments(
    model: str,
    task_type: str | None,
    context_length: object,
    register_to: str | None,
    training_duration: str | None,
    date: _dt.date,
) -> Checked:
    """Check every scalar argument; the data paths are checked elsewhere."""
    checked = Checked()
    if date > SERVICE_LAST_DAY:
        checked.add(
            run.SERVICE_END_OF_LIFE,
            f"the run is on {date.isoformat()}; Foundation Model "
            f"Fine-tuning was scheduled for removal on {SERVICE_LAST_DAY.isoformat()}",
            "date",
        )
    _model(checked, model, date)
    _task_type(checked, task_type)
    _context_length(checked, context_length)
    _register_to(checked, register_to)
    _duration(checked, training_duration)
    return checked


def _model(checked: Checked, name: str, date: _dt.date) -> None:
    from ftdata.tokens.models import get_model

    try:
        spec = get_model(str(name))
    except UsageError as exc:
        checked.add(run.UNSUPPORTED_MODEL, str(exc), "model")
        return
    checked.model = spec
    if spec.deprecated_after is not None and date > spec.deprecated_after:
        move = f"; use {spec.successor} instead" if spec.successor else ""
        checked.add(
            run.RETIRED_MODEL,
            f"{spec.name} is retired: its last day was "
            f"{spec.deprecated_after.isoformat()}, the run is on {date.isoformat()}{move}",
            "model",
        )
    elif (message := spec.deprecation_message()) is not None:  # deprecated, still served:
        checked.add(dataset.DEPRECATED_MODEL, message, "model")  # a warning, data read or not


def _task_type(checked: Checked, task_type: str | None) -> None:
    given = task_type or SDK_DEFAULT_TASK_TYPE  # what the SDK submits for an empty task_type
    checked.task_type = given
    checked.task = TASK_TYPES.get(str(given))
    if checked.task is None:
        checked.add(
            run.TASK_TYPE, f"task_type {given!r} is not one of {', '.join(TASK_TYPES)}", "task_type"
        )


def _context_length(checked: Checked, value: object) -> None:
    model = checked.model
    limit = model.context_length if model is not None else None
    if value is None:
        checked.context_length = limit
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        checked.add(
            run.CONTEXT_LENGTH,
            f"context_length {value!r} is not a positive integer",
            "context_length",
        )
        checked.context_length = limit
        return
    if model is not None and limit is not None and value > limit:
        checked.add(
            run.CONTEXT_LENGTH,
            f"context_length {value:,} is above the {limit:,} "
            f"tokens of {model.name}; the data are checked at {limit:,}",
            "context_length",
        )
        checked.context_length = limit
        return
    checked.context_length = value


def _register_to(checked: Checked, value: str | None) -> None:
    if value is None:
        checked.add(run.MISSING_REGISTER_TO, "register_to is not given", "register_to")
        return
    parts = str(value).split(".")
    if len(parts) not in (2, 3) or not all(_UC_NAME.match(p) for p in parts):
        checked.add(
            run.REGISTER_TO,
            f"register_to {value!r} is not <catalog>.<schema> or <catalog>.<schema>.<model_name>",
            "register_to",
        )


def _duration(checked: Checked, value: str | None) -> None:
    text = DEFAULT_DURATION if value is None else str(value)
    match = _DURATION.match(text.strip())
    amount = float(match.group(1).replace("_", "")) if match else 0.0
    if match is None or amount <= 0:
        checked.add(
            run.TRAINING_DURATION,
            f"training_duration {text!r} is not a positive number followed by ep, ba or tok",
            "training_duration",
        )
        return
    checked.duration = Duration(text, amount, match.group(2))
