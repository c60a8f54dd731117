"""Token statistics per task: exact totals and true percentiles over every example.

Per-example counts are kept in a compact ``array`` (8 bytes each), so the
percentiles are exact rather than sketched: 10 million examples cost 80 MB.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any

PERCENTILES = (5, 25, 50, 75, 95)
HISTOGRAM_BINS = 20


@dataclass
class TokenStats:
    """Accumulates the counts of one task's examples."""

    task: str
    per_example: array = field(default_factory=lambda: array("q"))
    prompt: int = 0
    trainable: int = 0
    trainable_in_window: int = 0  # what training learns from: after truncation, drops excluded
    truncated: int = 0
    tokens_lost: int = 0
    dropped: int = 0
    reaching_model: int = 0  # tokens of kept examples after truncation: what is billed
    # role -> per-example content tokens of that role (only with --per-role)
    roles: dict[str, array] = field(default_factory=dict)

    def add(self, counts, max_seq_len: int | None) -> None:
        """Fold in one example's ``TokenCounts``."""
        self.per_example.append(counts.tokens)
        self.prompt += counts.prompt_tokens
        self.trainable += counts.trainable_tokens
        self.trainable_in_window += counts.trainable_in_window
        if counts.dropped:  # dropped examples are not trained at all, so not "truncated"
            self.dropped += 1
        else:
            self.truncated += counts.truncated
            self.tokens_lost += counts.tokens_lost
            window = counts.tokens if max_seq_len is None else min(counts.tokens, max_seq_len)
            self.reaching_model += window

    def add_roles(self, by_role: dict[str, int]) -> None:
        """Fold in one example's content tokens per role (see ``Outcome.roles``)."""
        for role, tokens in by_role.items():
            self.roles.setdefault(role, array("q")).append(tokens)

    def role_summaries(self) -> dict[str, dict[str, Any]]:
        """Per role, the statistics of ``summary`` over the examples that have the role."""
        return {role: summarize(values) for role, values in sorted(self.roles.items())}

    def add_document(self, tokens: int) -> None:
        """Fold in one pre-training document (all of it reaches the model, concatenated)."""
        self.per_example.append(tokens)
        self.trainable += tokens
        self.trainable_in_window += tokens  # windows are cut over the corpus, not per document
        self.reaching_model += tokens

    def merge(self, other: TokenStats) -> None:
        """Fold in the statistics of more examples of the same task (a cached chunk's)."""
        self.per_example.extend(other.per_example)
        self.prompt += other.prompt
        self.trainable += other.trainable
        self.trainable_in_window += other.trainable_in_window
        self.truncated += other.truncated
        self.tokens_lost += other.tokens_lost
        self.dropped += other.dropped
        self.reaching_model += other.reaching_model
        for role, values in other.roles.items():
            self.roles.setdefault(role, array("q")).extend(values)

    @property
    def total(self) -> int:
        """Tokens of every counted example, before truncation."""
        return sum(self.per_example)

    def summary(self) -> dict[str, Any]:
        """count, total, min, p5, p25, p50, p75, p95, max, mean (exact)."""
        return summarize(self.per_example)

    def histogram(self, bins: int = HISTOGRAM_BINS) -> list[dict[str, int]]:
        """Equal-width bins over [min, max] with the number of examples in each."""
        if not self.per_example:
            return []
        low, high = min(self.per_example), max(self.per_example)
        width = max(1, math.ceil((high - low + 1) / bins))
        counts = [0] * bins
        for value in self.per_example:
            counts[min((value - low) // width, bins - 1)] += 1
        return [
            {"start": low + i * width, "end": low + (i + 1) * width, "count": c}
            for i, c in enumerate(counts)
            if low + i * width <= high
        ]


def summarize(counts) -> dict[str, Any]:
    """count, total, min, p5, p25, p50, p75, p95, max, mean (exact) of integer counts."""
    values = sorted(counts)
    if not values:
        return {"count": 0, "total": 0}
    result: dict[str, Any] = {"count": len(values), "total": sum(values), "min": values[0]}
    for p in PERCENTILES:
        result[f"p{p}"] = percentile(values, p)
    result["max"] = values[-1]
    result["mean"] = round(sum(values) / len(values), 2)
    return result


def percentile(sorted_values: list[int], p: float) -> float:
    """The p-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    rank = (len(sorted_values) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = rank - low
    return round(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction, 2)
