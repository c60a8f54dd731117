"""The structural half of the core: a batch in, its verdicts out, with no state.

:meth:`Core.check_batch` applies the enabled rules to every example of one
batch and returns what it found per row; it knows nothing about results,
files or other batches, so the same code runs in-process and on executors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

import orjson
import xxhash

from ftdata.config import Settings
from ftdata.core.verdicts import BatchVerdicts, Pending, RowVerdict
from ftdata.findings import Severity, list_keys
from ftdata.rules import catalog, internal, registry, schema
from ftdata.rules.context import CheckContext, classify
from ftdata.rules.fastpath import is_clean
from ftdata.rules.registry import Rule
from ftdata.sources.base import Batch, Problem
from ftdata.wording import article

# digest(example, its exact bytes or None) -> the 64-bit digest DS002 compares
Digest = Callable[[object, bytes | None], int]


class Core:
    """The rules enabled by one set of settings, ready to check batches."""

    def __init__(
        self,
        settings: Settings,
        *,
        token_requested: bool = False,
        tokenized: bool = False,
        digest: Digest | None = None,
        place_row: Callable[[int], dict] | None = None,
    ) -> None:
        """``token_requested``: a token stage was asked for (rows it cannot read are no
        examples); ``tokenized``: a tokenizer counts the examples; ``digest``: how a row's
        duplicate digest is made (None: DS002 is off); ``place_row(row)``: more location
        fields for a problem naming an input row (a Spark partition's name and key)."""
        self.policy = settings.policy()
        self.context = CheckContext(profile=settings.profile, tokenized=tokenized)
        self.checks = {
            task: [(rule, self.severity(rule)) for rule in catalog.iter_checks(task, self.enabled)]
            for task in registry.TASKS
        }
        self.token_requested = token_requested
        # What the token stage can read; imported only when one runs (start-up cost otherwise).
        self.readable: Callable[[str, Any], bool] | None = None
        if token_requested:
            from ftdata.tokens.counting.foundry import readable

            self.readable = readable
        self.digest = digest
        self.place_row = place_row

    def severity(self, rule: Rule) -> Severity | None:
        """The severity of ``rule`` under the policy (None: switched off)."""
        return self.policy.get(rule.code, rule.severity)

    def enabled(self, rule: Rule) -> bool:
        """Whether findings of ``rule`` are reported at all."""
        return self.severity(rule) is not None

    def pending(self, rule: Rule, message: str, pointer: str, where: dict) -> Pending | None:
        """A finding of ``rule`` with its severity, or None when the rule is switched off."""
        severity = self.policy.get(rule.code, rule.severity)
        return None if severity is None else (rule, severity, message, pointer, where)

    def check_batch(self, batch: Batch, source: str, kind: str, task: str | None) -> BatchVerdicts:
        """Check one batch of source ``source`` (of ``kind``) whose task so far is ``task``."""
        out = BatchVerdicts(task, clean=batch.clean, context=batch.context)
        for note in batch.notes:
            self._problem(note, source, out.notes)
        for problem in batch.problems:  # rows that never became examples
            found: list[Pending] = []
            self._problem(problem, source, found)
            out.unparsed.append(found)
        if batch.clean is not None and out.task is None:
            out.task = batch.clean.task
        if kind == "text":
            self._documents(batch, out)
        else:
            self._examples(batch, source, "line" if kind == "jsonl" else "row", out)
        return out

    def _documents(self, batch: Batch, out: BatchVerdicts) -> None:
        for index, value in enumerate(batch.values):
            owner = str(value)  # a text document's findings point at its own file
            verdict = RowVerdict("pretraining", value, {"source": owner})
            for problem in batch.attached.get(index, ()):
                self._attach(verdict, problem, owner)
            out.rows.append(verdict)

    def _examples(self, batch: Batch, source: str, by_line: str, out: BatchVerdicts) -> None:
        located = bool(batch.context) or batch.keys is not None  # table rows: version, file, key
        positions, raws, attached, rows = batch.positions, batch.raws, batch.attached, out.rows
        for index, value in enumerate(batch.values):
            where = {by_line: positions[index], "source": source}
            if located:
                where.update(batch.location(index))
            verdict = RowVerdict(None, value, where)
            if attached:
                for problem in attached.get(index, ()):
                    self._attach(verdict, problem, source)
            self._check_example(verdict, out, raws[index])
            rows.append(verdict)

    def _check_example(self, verdict: RowVerdict, out: BatchVerdicts, raw: bytes | None) -> None:
        """Run the rules on one example; its ``task`` stays None unless it is one."""
        value, where = verdict.value, verdict.where
        task = classify(value)
        if out.task is None and task is not None:
            out.task = task
        if task is None:
            keys = list_keys(value) if isinstance(value, dict) else f"{{{type(value).__name__}}}"
            self._add(verdict, schema.UNKNOWN_TYPE, f"keys {keys} fit no task", "", where)
            verdict.failed = True  # whatever rules are selected: it is no example
            return
        if task != out.task:
            message = f"this {task} example is in {article(out.task or '')} source"
            self._add(verdict, schema.WRONG_TASK, message, "", where)
            verdict.failed = True
            return
        if not is_clean(task, value, self.context):
            self._run_checks(verdict, self.checks[task])
            # A selection may have switched off the rules that reject a shape the token
            # stage cannot read ({"messages": "hi"}, a number as prompt): never an example.
            if self.readable is not None and not self.readable(task, value):
                verdict.failed = True
                return
        if self.digest is not None:
            verdict.digest = self.digest(value, raw)
        verdict.task = task

    def _run_checks(self, verdict: RowVerdict, checks: list) -> None:
        value, where, context = verdict.value, verdict.where, self.context
        for rule, severity in checks:
            try:
                for pointer, message in rule.check(value, context):
                    verdict.add(rule, severity, message, pointer, where)
            except Exception as exc:  # a rule bug must not end the run
                message = f"{rule.code} raised {type(exc).__name__}: {exc}"
                self._add(verdict, internal.RULE_CRASHED, message, "", where)

    def _add(self, verdict: RowVerdict, rule: Rule, message: str, pointer: str, where) -> None:
        found = self.pending(rule, message, pointer, where)
        if found is not None:
            verdict.add(*found)

    def _attach(self, verdict: RowVerdict, problem: Problem, source: str) -> None:
        found = self.pending(
            problem.rule, problem.message, problem.pointer, self._where(problem, source)
        )
        if found is not None:
            verdict.add(*found)

    def _problem(self, problem: Problem, source: str, into: list[Pending]) -> None:
        found = self.pending(
            problem.rule, problem.message, problem.pointer, self._where(problem, source)
        )
        if found is not None:
            into.append(found)

    def _where(self, problem: Problem, source: str) -> dict:
        where = {"source": problem.source or source, "line": problem.line, "row": problem.row}
        if self.place_row is not None and problem.row is not None:
            where.update(self.place_row(problem.row))
        return where


def local_digest(value: object, raw: bytes | None) -> int:
    """The in-process duplicate digest: Python's hash of the exact bytes or canonical form."""
    return hash(raw if raw is not None else canonical(value))


def stable_digest(value: object, raw: bytes | None) -> int:
    """The same digest in every process (a cached chunk's digests meet a new run's): xxh3."""
    digest = xxhash.xxh3_64_intdigest(raw if raw is not None else canonical(value))
    return digest - (1 << 64) if digest >= 1 << 63 else digest


def canonical(value: object) -> bytes:
    """Stable bytes for an in-memory example, equal for equal examples (duplicate detection).

    JSON when JSON can hold the value; otherwise the ``repr`` of a type-tagged
    frozen form, which starts with ``(`` where JSON never does, so the two
    forms cannot meet. Bytes, never a tuple: a Spark executor digests them with
    blake2b, and must agree with a local run.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # a value JSON cannot hold: never repr() it (it may raise or be huge)
        pass
    try:
        return repr(_frozen(value)).encode("utf-8", "surrogatepass")
    except RecursionError:  # nested past Python's stack: counted as unique
        return repr(("deep", id(value))).encode()


@functools.cache
def _by_value() -> tuple[type, ...]:
    """Values a table cell can hold that JSON cannot (Arrow decimal, binary, duration), or that
    JSON holds but that sit beside one of those: compared by value, as their repr is exact.

    (``decimal`` is imported here, on this rare path: it adds ~3 ms to every run's start.)
    """
    from decimal import Decimal

    return (Decimal, bytes, bytearray, date, time, timedelta)


def _frozen(value: object) -> tuple[object, ...]:
    """Equal examples give equal tuples (type-tagged, keys sorted); other objects count by id."""
    if isinstance(value, dict):
        # Keys frozen too: keys of mixed types (1 and "1") still sort, and stay apart.
        return ("o", tuple(sorted((_frozen(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("a", tuple(_frozen(v) for v in value))
    if type(value) is int:  # in hex: repr() refuses ints past 4300 decimal digits
        return ("int", hex(value))
    if type(value) in (str, float, bool) or value is None:
        return (type(value).__name__, value)
    if isinstance(value, _by_value()):  # datetime is a date: its repr holds the time
        return (type(value).__qualname__, repr(value))
    return ("?", type(value).__qualname__, id(value))
