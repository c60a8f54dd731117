"""Which valid examples training would drop, tallied per task (for DS007 without a tokenizer).

A row with no error but a finding whose rule drops the example (``Rule.drops``,
e.g. PR004) is valid yet not trained on. When that is every valid example of
a task, llm-foundry has nothing left and raises ``InvalidDatasetError``. With
a tokenizer the token stage keeps this tally itself, from the token ids.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from ftdata.rules import catalog, dataset
from ftdata.rules.registry import Rule


class DropTally:
    """Valid rows per task, and how many of them carry a dropping finding."""

    def __init__(self) -> None:
        self.kept: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self._codes = frozenset(catalog.drop_reasons())

    def add(self, task: str, codes: Iterable[str], rows: int = 1) -> None:
        """Count ``rows`` valid rows of ``task`` with these finding codes."""
        self.kept[task] += rows
        if not self._codes.isdisjoint(codes):
            self.dropped[task] += rows

    def merge(self, other: DropTally | None) -> None:
        """Add another tally (a Spark partition's) to this one."""
        if other is not None:
            self.kept.update(other.kept)
            self.dropped.update(other.dropped)

    def findings(self) -> Iterator[tuple[Rule, str]]:
        """``(DS007, message)`` for every fine-tuning task whose valid rows are all dropped."""
        for task, kept in sorted(self.kept.items()):
            if task != "pretraining" and kept and self.dropped[task] == kept:
                yield (
                    dataset.ALL_DROPPED,
                    (
                        f"{task}: all {kept:,} valid examples would be "
                        "dropped by training (see the findings above)"
                    ),
                )
