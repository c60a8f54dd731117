"""Token statistics: exact percentiles, histogram bins, truncation vs drop accounting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ftdata.tokens.stats import TokenStats, percentile


def counts(tokens, *, dropped=False, truncated=False, lost=0):
    return SimpleNamespace(tokens=tokens, prompt_tokens=1, trainable_tokens=1,
                           trainable_in_window=1, truncated=truncated, tokens_lost=lost,
                           dropped=dropped)


@pytest.mark.parametrize(("p", "expected"), [(0, 1), (25, 1.75), (50, 2.5), (95, 3.85), (100, 4)])
def test_percentile_interpolates_like_numpy(p, expected):
    assert percentile([1, 2, 3, 4], p) == expected


def test_summary_and_histogram():
    stats = TokenStats("chat")
    for n in (10, 20, 30, 40, 1000):
        stats.add(counts(n), max_seq_len=None)
    summary = stats.summary()
    assert (summary["count"], summary["total"], summary["min"], summary["max"]) == (5, 1100, 10, 1000)
    assert summary["p50"] == 30 and summary["mean"] == 220
    bins = stats.histogram(bins=4)
    assert sum(b["count"] for b in bins) == 5 and bins[0]["start"] == 10


def test_dropped_examples_are_not_counted_as_truncated_or_billed():
    stats = TokenStats("chat")
    stats.add(counts(100, truncated=True, lost=50), max_seq_len=50)
    stats.add(counts(100, truncated=True, lost=50, dropped=True), max_seq_len=50)
    assert (stats.truncated, stats.tokens_lost, stats.dropped) == (1, 50, 1)
    assert stats.reaching_model == 50
