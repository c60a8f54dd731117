"""What a chunk contributes to a run, kept so that a later run can add it without the chunk.

A :class:`Recorder` watches the verdicts of one chunk's batches after they are
folded (the token half included) and keeps exactly what the fold, the
duplicate step and the file-level checks took from them: findings in the
order they were folded, row accounting, the drop tally, DS002 digests, token
statistics and per-example counts, content shapes. Lines are kept relative to
the chunk's first line, so a record serves the same bytes wherever they move.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from ftdata.core import token_report
from ftdata.drops import DropTally
from ftdata.findings import Severity
from ftdata.rules import catalog
from ftdata.rules.content_parts import ContentShapes

if TYPE_CHECKING:
    from ftdata.core.verdicts import BatchVerdicts, Pending, RowVerdict

STAT_FIELDS = (
    "prompt",
    "trainable",
    "trainable_in_window",
    "truncated",
    "tokens_lost",
    "dropped",
    "reaching_model",
)


@dataclass(slots=True)
class ChunkRecord:
    """One chunk's part of a run; ``lines`` counts its lines (an unterminated last one too)."""

    lines: int = 0
    content: bool = False  # a line held more than white space (else the file may be empty)
    task: str | None = None  # the source's task after the chunk
    rows: int = 0
    invalid: int = 0
    # (code, severity label, message, pointer, line in chunk or None, other location fields)
    findings: list[list[Any]] = field(default_factory=list)
    drops: dict[str, list[int]] = field(default_factory=dict)  # task -> [kept, dropped]
    digests: list[int] = field(default_factory=list)
    digest_lines: list[int] = field(default_factory=list)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)  # on_example, lines relative
    shapes: list[Any] | None = None  # (first string line, first list line, [[keys, line], ...])

    def to_bytes(self) -> bytes:
        """The record as JSON."""
        return orjson.dumps({name: getattr(self, name) for name in self.__slots__})

    @classmethod
    def from_bytes(cls, data: bytes) -> ChunkRecord | None:
        """A record read back, or None when the bytes are not one (never trusted blindly)."""
        try:
            fields = orjson.loads(data)
            record = cls(**fields)
        except (orjson.JSONDecodeError, TypeError):
            return None
        return record if _well_formed(record) else None


@functools.cache
def _codes() -> frozenset[str]:
    return frozenset(rule.code for rule in catalog.all_rules())


def _well_formed(record: ChunkRecord) -> bool:
    counts = (record.lines, record.rows, record.invalid)
    known = _codes()
    labels = {severity.label for severity in Severity}
    return (
        all(f[0] in known and f[1] in labels for f in record.findings)
        and all(isinstance(n, int) and n >= 0 for n in counts)
        and record.invalid <= record.rows
        and isinstance(record.findings, list)
        and isinstance(record.stats, dict)
        and isinstance(record.drops, dict)
        and len(record.digests) == len(record.digest_lines)
    )


class Recorder:
    """Builds the :class:`ChunkRecord` of one chunk from its folded verdicts.

    ``save(record)`` is called once the chunk's last batch is taken (see
    :meth:`close`); a chunk that held something a record cannot carry (rows
    proven clean on Arrow) is not saved.
    """

    def __init__(
        self,
        source: str,
        base: int,
        lines: int,
        *,
        window: int | None,
        shapes: bool,
        save: Callable[[ChunkRecord], None],
    ) -> None:
        """``source``: the file's name; ``base``: lines before the chunk; ``window``: the
        context length; ``shapes``: watch content shapes (llm-foundry's CH015/CH016)."""
        self.source = source
        self.base = base
        self.record = ChunkRecord(lines=lines)
        self.window = window
        self.shapes = ContentShapes() if shapes else None
        self.save = save
        self.drops = DropTally()
        self.stats: dict[str, Any] = {}
        self.savable = True
        self.expected: int | None = None
        self.taken = 0
        self.lock = threading.Lock()

    def close(self, batches: int, content: bool) -> None:
        """The chunk gave ``batches`` batches; save once all are taken."""
        self.record.content = content
        with self.lock:
            self.expected = batches
            done = self.taken == batches
        if done:
            self._finish()

    def take(self, verdicts: BatchVerdicts) -> None:
        """Keep what the fold took from one folded batch of the chunk."""
        record = self.record
        for found in verdicts.notes:
            self._finding(found)
        for found_in_row in verdicts.unparsed:
            for found in found_in_row:
                self._finding(found)
            record.rows += 1
            record.invalid += 1
        if verdicts.clean is not None:
            self.savable = False
        for verdict in verdicts.rows:
            self._row(verdict)
        record.task = verdicts.task
        with self.lock:
            self.taken += 1
            done = self.taken == self.expected
        if done:
            self._finish()

    def _row(self, verdict: RowVerdict) -> None:
        record = self.record
        if verdict.findings:
            for found in verdict.findings:
                self._finding(found)
        if verdict.task is not None:
            if not verdict.failed:
                self.drops.add(verdict.task, verdict.codes)
            if verdict.tokens is not None or verdict.document_tokens is not None:
                self._tokens(verdict, verdict.task)
        record.rows += 1
        record.invalid += verdict.failed
        line: int = verdict.where["line"]  # a JSONL example's place
        if verdict.digest is not None:
            record.digests.append(verdict.digest)
            record.digest_lines.append(line - self.base)
        if self.shapes is not None:
            self.shapes.see(verdict.value, line - self.base)

    def _finding(self, found: Pending) -> None:
        rule, severity, message, pointer, where = found
        line = where.get("line")
        others = {
            k: v
            for k, v in where.items()
            if v is not None and k != "line" and (k != "source" or v != self.source)
        } or None
        relative = None if line is None else line - self.base
        self.record.findings.append([rule.code, severity.label, message, pointer, relative, others])

    def _tokens(self, verdict: RowVerdict, task: str) -> None:
        """The fold's token statistics and ``on_example`` record of one example, kept."""
        from ftdata.tokens.counting.statistics import TokenStats

        line = verdict.where["line"] - self.base
        if verdict.document_tokens is not None:
            total = verdict.document_tokens
            self.stats.setdefault("pretraining", TokenStats("pretraining")).add_document(total)
            self.record.examples.append(_document_example(line, total))
            return
        outcome = verdict.tokens
        if outcome is None or outcome.error is not None:
            return
        counts = outcome.counts
        stats = self.stats.setdefault(task, TokenStats(task))
        stats.add(counts, self.window)
        if outcome.roles is not None:
            stats.add_roles(outcome.roles)
        example = {
            "line": line,
            "tokens": counts.tokens,
            "prompt_tokens": counts.prompt_tokens,
            "trainable_tokens": counts.trainable_tokens,
            "trainable_in_window": counts.trainable_in_window,
            "truncated": counts.truncated,
            "dropped": counts.dropped,
        }
        if outcome.roles is not None:
            example["roles"] = outcome.roles
        self.record.examples.append(example)

    def _finish(self) -> None:
        record = self.record
        dropped = self.drops.dropped
        record.drops = {task: [n, dropped[task]] for task, n in self.drops.kept.items()}
        record.stats = {task: _stats_fields(stats) for task, stats in self.stats.items()}
        if self.shapes is not None:
            shapes = self.shapes
            keys = [[list(k), line] for k, line in shapes.key_sets.items()]
            record.shapes = [shapes.first_string, shapes.first_list, keys]
        if self.savable:
            self.save(record)


def _document_example(line: int, total: int) -> dict[str, Any]:
    return {
        "line": line,
        "tokens": total,
        "prompt_tokens": 0,
        "trainable_tokens": total,
        "trainable_in_window": total,
        "truncated": False,
        "dropped": False,
    }


def _stats_fields(stats: Any) -> dict[str, Any]:
    fields = {name: getattr(stats, name) for name in STAT_FIELDS}
    fields["per_example"] = stats.per_example.tolist()
    fields["roles"] = {role: values.tolist() for role, values in stats.roles.items()}
    return fields


def located_example(example: dict[str, Any], where: dict[str, Any]) -> dict[str, Any]:
    """An ``on_example`` record as the fold makes it, at ``where``."""
    return {**token_report.located(where), **{k: v for k, v in example.items() if k != "line"}}


def stats_from(task: str, fields: dict[str, Any]) -> Any:
    """The ``TokenStats`` a record kept for ``task``."""
    from array import array

    from ftdata.tokens.counting.statistics import TokenStats

    roles = {role: array("q", values) for role, values in fields["roles"].items()}
    scalars = {name: fields[name] for name in STAT_FIELDS}
    return TokenStats(task, per_example=array("q", fields["per_example"]), roles=roles, **scalars)
