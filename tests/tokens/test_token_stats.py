"""Token statistics: exact percentiles, histogram bins, truncation vs drop accounting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ftdata.tokens.counting.statistics import TokenStats, percentile


def counts(tokens, *, dropped=False, truncated=False, lost=0):
    return SimpleNamespace(
        tokens=tokens,
        prompt_tokens=1,
        trainable_tokens=1,
        trainable_in_window=1,
        truncated=truncated,
        tokens_lost=lost,
        dropped=dropped,
    )


@pytest.mark.parametrize(("p", "expected"), [(0, 1), (25, 1.75), (50, 2.5), (95, 3.85), (100, 4)])
def test_percentile_interpolates_like_numpy(p, expected):
    assert percentile([1, 2, 3, 4], p) == expected


def test_summary_and_histogram():
    stats = TokenStats("chat")
    for n in (10, 20, 30, 40, 1000):
        stats.add(counts(n), max_seq_len=None)
    summary = stats.summary()
    assert (summary["count"], summary["total"], summary["min"], summary["max"]) == (
        5,
        1100,
        10,
        1000,
    )
    assert summary["p50"] == 30 and summary["mean"] == 220
    bins = stats.histogram(bins=4)
    assert sum(b["count"] for b in bins) == 5 and bins[0]["start"] == 10


def test_dropped_examples_are_not_counted_as_truncated_or_billed():
    stats = TokenStats("chat")
    stats.add(counts(100, truncated=True, lost=50), max_seq_len=50)
    stats.add(counts(100, truncated=True, lost=50, dropped=True), max_seq_len=50)
    assert (stats.truncated, stats.tokens_lost, stats.dropped) == (1, 50, 1)
    assert stats.reaching_model == 50


def test_role_summaries_are_exact_per_role():
    stats = TokenStats("chat")
    for by_role in ({"system": 5, "user": 10}, {"user": 30, "assistant": 7}, {"user": 20}):
        stats.add_roles(by_role)
    summaries = stats.role_summaries()
    assert list(summaries) == ["assistant", "system", "user"]
    assert summaries["user"]["count"] == 3 and summaries["user"]["total"] == 60
    assert summaries["user"]["p50"] == 20 and summaries["system"]["max"] == 5


def test_spark_merge_concatenates_role_counts():
    from ftdata.spark.driver import merge_stats

    left, right = TokenStats("chat"), TokenStats("chat")
    left.add_roles({"user": 3})
    right.add_roles({"user": 4, "assistant": 9})
    right.add(counts(12), max_seq_len=None)
    merge_stats(left, right)
    assert list(left.roles["user"]) == [3, 4] and list(left.roles["assistant"]) == [9]
    assert list(left.per_example) == [12] and left.trainable == 1
