"""What ``ftdata.convert`` and ``ftdata.fix`` return, and the check of their own output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftdata.api import validate
from ftdata.reshape.outputs import Targets
from ftdata.reshape.stream import Options, Summary

if TYPE_CHECKING:
    from ftdata.result import Result


@dataclass(frozen=True, slots=True)
class RewriteResult:
    """The accounting of a convert or fix run and the validation of the file it wrote.

    ``validation`` is the :class:`~ftdata.result.Result` of ``ftdata.validate``
    on the written output (with the model, if one was given); ``None`` in a dry
    run. ``detected`` names the input format found when none was given.
    """

    command: str
    summary: Summary
    targets: Targets | None
    options: Options
    detected: str | None = None
    format: str | None = None
    validation: Any = None

    @property
    def clean(self) -> bool:
        """Whether the written output validated without an error finding."""
        return self.validation is not None and self.validation.ok

    @property
    def ok(self) -> bool:
        """Clean output and no example rejected (a dry run counts only the rejects)."""
        output_ok = self.options.dry_run or self.clean
        return output_ok and self.summary.rejected == 0

    def to_dict(self) -> dict[str, Any]:
        """The result as plain values, as the command prints it with ``--format json``."""
        data: dict[str, Any] = {
            "command": self.command,
            "format": self.format,
            "detected": self.detected,
            "dry_run": self.options.dry_run,
            **self.summary.to_dict(),
        }
        if self.targets is not None and not self.options.dry_run:
            data.update(
                out=str(self.targets.out),
                rejects=str(self.targets.rejects),
                change_log=str(self.targets.changes),
            )
        if self.validation is not None:
            summary = self.validation.summary
            data["validation"] = {
                "ok": self.validation.ok,
                "model": self.options.model,
                "profile": self.options.profile or "databricks",
                "errors": summary["errors"],
                "warnings": summary["warnings"],
                "by_code": summary["by_code"],
            }
        return data


def validate_output(targets: Targets, options: Options, task: str | None) -> Result:
    """``ftdata.validate`` of the written output, under the run's profile and model."""
    return validate(
        str(targets.out),
        task=task,
        profile=options.profile,
        model=options.model,
        context_length=options.context_length,
    )
