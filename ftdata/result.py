"""The Result of a validation run, and the builder that folds findings into it.

Counts are always exact; only the number of findings *kept* per code is capped,
so memory stays bounded however many problems a large file has.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ftdata._version import __version__
from ftdata.findings import Finding, Location, Severity, cut, short_pointer
from ftdata.rules.registry import Rule

if TYPE_CHECKING:
    import polars as pl

# How kept findings sort: (source number, or past the last for dataset findings), source,
# file, line, row, code.
Order = tuple[int, str, str, int, int, str]


@dataclass(slots=True)
class SourceSummary:
    """Per-source accounting: ``rows == valid + invalid``, each counted as rows are decided."""

    source: str
    kind: str
    task: str | None = None
    rows: int = 0
    invalid: int = 0
    valid: int = 0

    def count(self, failed: bool) -> None:
        """Count one decided row: invalid when it has an error finding, else valid."""
        self.rows += 1
        if failed:
            self.invalid += 1
        else:
            self.valid += 1

    def to_dict(self) -> dict[str, Any]:
        """The source as in the JSON report."""
        return {
            "source": self.source,
            "kind": self.kind,
            "task": self.task,
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
        }


@dataclass(slots=True)
class Result:
    """Everything a validation run found. Returned by ``ftdata.validate``; never printed by it."""

    findings: list[Finding]
    by_code: dict[str, int]
    by_severity: dict[str, int]
    sources: list[SourceSummary]
    fail_on: Severity = Severity.ERROR
    severities: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Examples seen (JSONL lines that are not blank, table rows, text files)."""
        return sum(s.rows for s in self.sources)

    @property
    def invalid(self) -> int:
        """Examples named by at least one error finding."""
        return sum(s.invalid for s in self.sources)

    @property
    def valid(self) -> int:
        """Examples without any error finding."""
        return sum(s.valid for s in self.sources)

    @property
    def ok(self) -> bool:
        """Whether no finding reaches the ``fail_on`` severity."""
        return not any(
            count
            for label, count in self.by_severity.items()
            if Severity.parse(label) >= self.fail_on
        )

    @property
    def summary(self) -> dict[str, Any]:
        """Exact totals, as in the JSON report's ``summary``."""
        return {
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "errors": self.by_severity.get("error", 0),
            "warnings": self.by_severity.get("warning", 0),
            "infos": self.by_severity.get("info", 0),
            "by_code": dict(sorted(self.by_code.items())),
        }

    def __repr__(self) -> str:
        """One line of totals; the findings are in ``findings`` (a notebook shows the HTML view)."""
        s = self.summary
        return (
            f"Result(ok={self.ok}, rows={s['rows']}, valid={s['valid']}, "
            f"invalid={s['invalid']}, errors={s['errors']}, warnings={s['warnings']})"
        )

    def _repr_html_(self) -> str:
        """The notebook view: summary, per-code table, token histogram and first findings."""
        from ftdata.views.html import fragment

        return fragment(self)

    def to_html(self, max_per_code: int = 20) -> str:
        """The self-contained HTML report (as ``--format html``); Databricks: ``displayHTML`` it."""
        from ftdata.views.html import page

        return page(self, max_per_code)

    def to_dict(self) -> dict[str, Any]:
        """The whole result as the JSON report (``schemas/report.schema.json``)."""
        return {
            "tool": {"name": "ftdata", "version": __version__},
            "ok": self.ok,
            "fail_on": self.fail_on.label,
            "summary": self.summary,
            "sources": [s.to_dict() for s in self.sources],
            "findings": [f.to_dict() for f in self.findings],
            "findings_truncated": len(self.findings) < sum(self.by_code.values()),
            **self.extra,
        }

    def findings_frame(self) -> pl.DataFrame:
        """The kept findings as a polars DataFrame, one row per finding."""
        import polars as pl

        rows = [
            {
                "code": f.code,
                "name": f.name,
                "severity": f.severity.label,
                "message": f.message,
                "hint": f.hint,
                **{k: v for k, v in f.location.to_dict().items()},
            }
            for f in self.findings
        ]
        schema = {
            "code": pl.String,
            "name": pl.String,
            "severity": pl.String,
            "message": pl.String,
            "hint": pl.String,
            "source": pl.String,
            "line": pl.Int64,
            "row": pl.Int64,
            "version": pl.Int64,
            "pointer": pl.String,
            "file": pl.String,
            "key": pl.String,
        }
        return pl.DataFrame(rows, schema=schema)


class ResultBuilder:
    """Folds findings into a :class:`Result`; rows are counted on their ``SourceSummary``."""

    def __init__(self, policy: dict[str, Severity | None], keep_per_code: int) -> None:
        self._policy = policy
        self._keep = keep_per_code
        self._kept: list[tuple[Order, Finding]] = []
        self._by_code: Counter[str] = Counter()
        self._by_severity: Counter[str] = Counter()
        self._severities: dict[str, str] = {}
        self._sources: list[SourceSummary] = []
        self._dataset_phase = 0  # 1 once every source is done: dataset findings sort last

    def start_dataset_findings(self) -> None:
        """Mark that the findings to come are about the whole dataset, not a source."""
        self._dataset_phase = 1

    def add_source(self, source: str, kind: str, task: str | None = None) -> SourceSummary:
        """Start accounting for a new source and return its summary."""
        summary = SourceSummary(source=source, kind=kind, task=task)
        self._sources.append(summary)
        return summary

    def emit(
        self,
        rule: Rule,
        message: str,
        *,
        source: str,
        line: int | None = None,
        row: int | None = None,
        version: int | None = None,
        pointer: str = "",
        file: str | None = None,
        key: str | None = None,
        sources: tuple[str, ...] | None = None,
    ) -> bool:
        """Record one finding of ``rule`` (unless switched off); return whether it is an error.

        ``sources`` marks a dataset-level finding: the names of the sources it
        concerns (``source`` is then their names joined, for people). Reporters
        that need a file per finding read it from ``finding.sources``.
        """
        severity = self._policy.get(rule.code, rule.severity)
        if severity is None:
            return False
        self._add(rule, severity, message, source, line, row, version, pointer, file, key, sources)
        return severity is Severity.ERROR

    def record(
        self, rule: Rule, severity: Severity, message: str, pointer: str, where: dict[str, Any]
    ) -> None:
        """Record a finding whose severity the core resolved; ``where`` holds its location."""
        get = where.get
        self._add(
            rule,
            severity,
            message,
            where["source"],
            get("line"),
            get("row"),
            get("version"),
            pointer,
            get("file"),
            get("key"),
            None,
        )

    def _add(
        self,
        rule: Rule,
        severity: Severity,
        message: str,
        source: str,
        line: int | None,
        row: int | None,
        version: int | None,
        pointer: str,
        file: str | None,
        key: str | None,
        sources: tuple[str, ...] | None,
    ) -> None:
        self._by_code[rule.code] += 1
        self._by_severity[severity.label] += 1
        self._severities[rule.code] = severity.label
        if self._by_code[rule.code] > self._keep:
            return
        # Every kept finding passes here: cut what may still carry data at length.
        location = Location(
            source,
            line,
            row,
            version,
            short_pointer(pointer),
            file,
            None if key is None else cut(key),
        )
        named = tuple(sources) if sources is not None else None
        finding = Finding(rule.code, rule.name, severity, cut(message), rule.hint, location, named)
        order = (
            len(self._sources) + self._dataset_phase,
            source,
            file or "",
            line or 0,
            row or 0,
            rule.code,
        )
        self._kept.append((order, finding))

    def totals(self) -> tuple[int, int]:
        """Rows seen and rows invalid so far, over every source."""
        return sum(s.rows for s in self._sources), sum(s.invalid for s in self._sources)

    def enabled(self, rule: Rule) -> bool:
        """Whether findings of ``rule`` are reported at all."""
        return self._policy.get(rule.code, rule.severity) is not None

    def state(self) -> dict[str, Any]:
        """The partial state of this builder, for :meth:`merge` in another process.

        Holds counts, kept findings with their sort keys and per-source
        accounting; it pickles, so partial results can travel (Spark executors).
        """
        return {
            "by_code": dict(self._by_code),
            "by_severity": dict(self._by_severity),
            "severities": dict(self._severities),
            "kept": list(self._kept),
            "sources": [
                (s.source, s.kind, s.task, s.rows, s.invalid, s.valid) for s in self._sources
            ],
        }

    def merge(self, state: dict[str, Any]) -> None:
        """Fold in another builder's :meth:`state`; counts add, sources match by name.

        Kept findings stay capped per code: the first ``keep_per_code`` by
        source, position and code are kept, whichever builder found them.
        """
        self._by_code.update(state["by_code"])
        self._by_severity.update(state["by_severity"])
        self._severities.update(state["severities"])
        known = {s.source: s for s in self._sources}
        for name, kind, task, rows, invalid, valid in state["sources"]:
            summary = known.get(name) or self.add_source(name, kind, task)
            summary.task = summary.task or task
            summary.rows += rows
            summary.invalid += invalid
            summary.valid += valid
        self._kept.extend(state["kept"])
        self._kept.sort(key=lambda item: item[0])
        per_code: Counter[str] = Counter()
        kept: list[tuple[Order, Finding]] = []
        for order, finding in self._kept:
            per_code[finding.code] += 1
            if per_code[finding.code] <= self._keep:
                kept.append((order, finding))
        self._kept = kept

    def build(self, fail_on: Severity, extra: dict[str, Any] | None = None) -> Result:
        """The finished result, findings ordered by source, position and code."""
        self._kept.sort(key=lambda item: item[0])
        return Result(
            findings=[f for _, f in self._kept],
            by_code=dict(self._by_code),
            by_severity=dict(self._by_severity),
            sources=self._sources,
            fail_on=fail_on,
            severities=dict(self._severities),
            extra=extra or {},
        )
