"""The preflight's Result: the run's findings and each data check folded into one report.

The ``run`` section says what the service would train: the model, the context
length used, the task, the tokens that reach the model, the epochs from
``training_duration`` and the billed-token estimate (epochs x tokens that
reach the model, as the service's data-validation notebook estimates it).
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from typing import Any

from ftdata.result import Result, ResultBuilder


def run_section(
    checked, day: _dt.date, checks: list, register_to: str | None, cluster: str | None
) -> dict[str, Any]:
    """The ``run`` part of the report (``schemas/report.schema.json``)."""
    train = next((c for c in checks if c.role == "train"), None)
    reaching = _reaching(train.result) if train is not None and train.result else None
    epochs, billed = _estimate(checked.duration, reaching)
    spec = checked.model
    return {
        "model": spec.name if spec is not None else None,
        "model_status": _status(checked, spec),
        "date": day.isoformat(),
        "task_type": checked.task_type,
        "task": checked.task,
        "context_length": checked.context_length,
        "model_context_length": spec.context_length if spec is not None else None,
        "train_data": _data(train),
        "eval_data": _data(next((c for c in checks if c.role == "eval"), None)),
        "register_to": register_to,
        "data_prep_cluster_id": cluster,
        "training_duration": checked.duration.text if checked.duration else None,
        "epochs": epochs,
        "tokens_reaching_model": reaching,
        "billed_tokens": billed,
    }


def _status(checked, spec) -> str:
    if spec is None:
        return "unsupported"
    if any(issue.rule.code == "RN002" for issue in checked.issues):
        return "retired"
    return "deprecated" if spec.deprecated else "supported"


def _data(check) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "path": check.path.formatted,
        "kind": check.path.kind,
        "read_from": check.read_from,
        "detected_tasks": list(check.detected),
    }


def _reaching(result: Result) -> int | None:
    tokens = result.extra.get("tokens")
    if not tokens or tokens.get("skipped") or "by_task" not in tokens:
        return None
    return sum(section["tokens_reaching_model"] for section in tokens["by_task"].values())


def _estimate(duration, reaching: int | None) -> tuple[float | None, int | None]:
    """(epochs, billed tokens) for the duration's unit; None where it cannot be known.

    Batches give neither: how many examples a batch holds is the service's choice.
    """
    if duration is None or duration.unit == "ba":
        return None, None
    if duration.unit == "ep":
        return duration.value, None if reaching is None else int(round(reaching * duration.value))
    billed = int(duration.value)  # tokens: the run stops after this many tokens
    return (billed / reaching if reaching else None), billed


def merge_results(
    builder: ResultBuilder, results: list[Result], settings, section: dict[str, Any]
) -> Result:
    """One Result: the run's own findings first, then each part's in order, counts added.

    Only parts with sources (the data checks) contribute sources; the token
    section is the first part's that has one (the train data's).
    """
    own = builder.build(settings.fail_on)
    parts = [own, *results]
    by_code: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    severities: dict[str, str] = {}
    kept: Counter[str] = Counter()
    findings = []
    for part in parts:
        by_code.update(part.by_code)
        by_severity.update(part.by_severity)
        severities.update(part.severities)
        for finding in part.findings:
            kept[finding.code] += 1
            if kept[finding.code] <= settings.keep_per_code:
                findings.append(finding)
    extra: dict[str, Any] = {}
    tokens = next((r.extra["tokens"] for r in results if "tokens" in r.extra), None)
    if tokens is not None:
        extra["tokens"] = tokens
    extra["run"] = section
    return Result(
        findings=findings,
        by_code=dict(by_code),
        by_severity=dict(by_severity),
        sources=[s for part in results for s in part.sources],
        fail_on=settings.fail_on,
        severities=severities,
        extra=extra,
    )
