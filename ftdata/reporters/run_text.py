"""The run section of the text report (``ftdata preflight``): what the service would train."""

from __future__ import annotations

from typing import Any, TextIO

from ftdata.reporters.escape import printable

MAX_SHOWN = 200  # characters of a user-given value shown in a terminal


def write_run(run: dict[str, Any], stream: TextIO) -> None:
    """Write the ``run`` part of a report for a person to read."""
    stream.write("\nRun\n")
    model = _safe(run["model"]) if run["model"] else "(not supported)"
    stream.write(
        f"  model: {model} ({run['model_status']} on {run['date']}); context length: "
        f"{_n(run['context_length'])}\n"
    )
    stream.write(f"  task: {_safe(run['task_type'])} ({run['task'] or 'unknown'})\n")
    for role in ("train", "eval"):
        data = run[f"{role}_data"]
        if data is None:
            continue
        read = _safe(data["read_from"]) if data["read_from"] else "not read"
        tasks = ", ".join(data["detected_tasks"]) or "no task detected"
        stream.write(f"  {role}: {_safe(data['path'])} ({data['kind']}; {read}; {tasks})\n")
    duration = _safe(run["training_duration"]) if run["training_duration"] else "invalid"
    stream.write(
        f"  training duration: {duration}; epochs: {_n(run['epochs'])}; tokens that "
        f"reach the model: {_n(run['tokens_reaching_model'])}; billed estimate: "
        f"{_n(run['billed_tokens'])} tokens\n"
    )


def _n(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _safe(text: Any) -> str:
    """A value for the terminal: control characters escaped, long values cut."""
    value = printable(str(text))
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


def run_line(run: dict[str, Any]) -> str:
    """The run section in one line (GitHub logs), control characters escaped."""
    model = _safe(run["model"]) if run["model"] else "(not supported)"
    return (
        f"ftdata run: {model}, context length {_n(run['context_length'])}, task "
        f"{_safe(run['task_type'])}, epochs {_n(run['epochs'])}, "
        f"{_n(run['tokens_reaching_model'])} tokens reach the model, billed estimate "
        f"{_n(run['billed_tokens'])} tokens"
    )


def run_properties(run: dict[str, Any]) -> dict[str, str]:
    """The run section flattened to ``run.key`` -> text (JUnit properties); nulls left out."""
    flat: dict[str, str] = {}
    for key, value in run.items():
        if isinstance(value, dict):
            for inner, item in value.items():
                if item not in (None, []):
                    text = ",".join(item) if isinstance(item, list) else str(item)
                    flat[f"run.{key}.{inner}"] = _safe(text)
        elif value is not None:
            flat[f"run.{key}"] = _safe(value)
    return flat
