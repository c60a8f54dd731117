"""What the core decides about a batch: per row its findings, error flag and token outcome.

A verdict holds findings *pending*: rule, severity (already resolved by the
policy, never ``None``), message and location, not yet counted or kept. The
fold turns them into the result; nothing here has state beyond one batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ftdata.findings import Severity
from ftdata.rules.registry import Rule
from ftdata.sources.base import CleanRows

if TYPE_CHECKING:
    from ftdata.tokens.counting.batches import Outcome

# (rule, severity, message, pointer, location fields): a finding not yet folded.
Pending = tuple[Rule, Severity, str, str, dict]


@dataclass(slots=True)
class RowVerdict:
    """One example (or one input that never became an example) after the checks so far.

    ``task`` is None for input that is no example of this source (a line that
    does not parse, an object fitting no task): such rows are invalid whatever
    rules are selected and never reach the token stage nor ``on_row``.
    ``digest`` is the example's duplicate digest (when DS002 is enabled);
    ``tokens`` the token stage's ``Outcome`` of a chat or instruction example,
    ``document_tokens`` the count of a pre-training document.
    """

    task: str | None
    value: Any  # an example as parsed: JSON values, a table row, a document
    where: dict
    failed: bool = False
    findings: list[Pending] | None = None
    digest: int | None = None
    tokens: Outcome | None = None
    document_tokens: int | None = None

    def add(self, rule: Rule, severity: Severity, message: str, pointer: str, where: dict) -> None:
        """Attach one finding (its severity already resolved); an error makes the row invalid."""
        if self.findings is None:
            self.findings = []
        self.findings.append((rule, severity, message, pointer, where))
        if severity is Severity.ERROR:
            self.failed = True

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the row's findings, in the order they were found."""
        return tuple(f[0].code for f in self.findings) if self.findings else ()

    @property
    def countable(self) -> bool:
        """Whether the token stage counts this row: an example without an error."""
        return self.task is not None and not self.failed


@dataclass(slots=True)
class BatchVerdicts:
    """A batch's verdicts: notes (no row), unparsed rows, example rows, and Arrow-clean rows.

    ``task`` is the source's task after this batch (detected from its first
    example when the source had none). ``clean_copies`` is set by the driver's
    duplicate step, not by the core.
    """

    task: str | None
    notes: list[Pending] = field(default_factory=list)
    unparsed: list[list[Pending]] = field(default_factory=list)
    rows: list[RowVerdict] = field(default_factory=list)
    clean: CleanRows | None = None
    context: dict = field(default_factory=dict)
    clean_copies: int = 0  # Arrow-clean rows that DS002 at error severity made invalid
    chunk: Any = None  # the incremental cache's recorder of the chunk the batch belongs to
