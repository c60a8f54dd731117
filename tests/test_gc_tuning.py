"""fewer_collections raises the first GC threshold only inside its block."""

from __future__ import annotations

import gc

from ftdata.gc_tuning import fewer_collections


def test_threshold_is_raised_then_restored():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, before[1], before[2])
        with fewer_collections(threshold=12_345):
            assert gc.get_threshold() == (12_345, before[1], before[2])
        assert gc.get_threshold() == (700, before[1], before[2])
    finally:
        gc.set_threshold(*before)


def test_a_higher_threshold_or_a_disabled_collector_is_kept():
    before = gc.get_threshold()
    try:
        gc.set_threshold(99_999, before[1], before[2])
        with fewer_collections(threshold=50_000):
            assert gc.get_threshold()[0] == 99_999
        gc.disable()
        gc.set_threshold(700, before[1], before[2])
        with fewer_collections(threshold=50_000):
            assert gc.get_threshold()[0] == 700 and not gc.isenabled()
    finally:
        gc.enable()
        gc.set_threshold(*before)


def test_restored_when_the_block_raises():
    before = gc.get_threshold()
    try:
        with fewer_collections(threshold=before[0] + 1000):
            raise KeyError("boom")
    except KeyError:
        pass
    assert gc.get_threshold() == before
