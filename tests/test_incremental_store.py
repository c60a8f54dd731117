"""The cache folder: entries written whole, corrupt or foreign ones never trusted, LRU bound."""

from __future__ import annotations

import os
import threading

import pytest

from ftdata.incremental import store as store_module
from ftdata.incremental.store import CacheStore, default_cache_dir

KEY = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"


def test_an_entry_reads_back(tmp_path):
    store = CacheStore(tmp_path)
    store.put("chunk", KEY, b"payload" * 100)
    assert store.get("chunk", KEY) == b"payload" * 100
    assert store.get("chunk", OTHER) is None
    assert (store.hits, store.misses, store.writes) == (1, 1, 1)


@pytest.mark.parametrize("offset", [0, 9, 20, 40, -1])
def test_a_corrupt_entry_is_ignored_and_replaced(tmp_path, offset):
    store = CacheStore(tmp_path)
    store.put("chunk", KEY, b"the right answer")
    path = store.path("chunk", KEY)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40  # one flipped bit: header, key, length, hash or body
    path.write_bytes(bytes(data))
    assert store.get("chunk", KEY) is None
    store.put("chunk", KEY, b"the right answer")
    assert store.get("chunk", KEY) == b"the right answer"


def test_a_truncated_or_empty_entry_is_ignored(tmp_path):
    store = CacheStore(tmp_path)
    store.put("chunk", KEY, b"x" * 1000)
    path = store.path("chunk", KEY)
    whole = path.read_bytes()
    for size in (0, 10, len(whole) - 1):
        path.write_bytes(whole[:size])
        assert store.get("chunk", KEY) is None


def test_an_entry_under_another_key_is_foreign(tmp_path):
    store = CacheStore(tmp_path)
    store.put("chunk", OTHER, b"not yours")
    foreign = store.path("chunk", OTHER).read_bytes()
    mine = store.path("chunk", KEY)
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_bytes(foreign)  # whole and well-formed, but written for another key
    assert store.get("chunk", KEY) is None


def test_eviction_removes_the_least_recently_used_and_nothing_else(tmp_path):
    store = CacheStore(tmp_path, max_bytes=10**9)
    keys = [f"{i:032x}" for i in range(6)]
    for age, key in enumerate(keys):
        store.put("chunk", key, os.urandom(1000))  # incompressible: ~1 KB each
        os.utime(store.path("chunk", key), (1000 + age, 1000 + age))
    store.get("chunk", keys[0])  # used now: the youngest
    stranger = store.root / "chunk" / "00" / "notes.txt"
    stranger.write_text("a file the cache did not write")
    store.max_bytes = 3 * 1100
    removed = store.evict()
    left = {key for key in keys if store.path("chunk", key).exists()}
    assert removed == 3
    assert left == {keys[0], keys[4], keys[5]}
    assert stranger.read_text() == "a file the cache did not write"
    assert store.size() <= store.max_bytes


def test_a_folder_that_cannot_be_written_costs_only_the_speed_up(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    store = CacheStore(blocked)  # its root lies under a file: nothing can be made there
    store.put("chunk", KEY, b"data")
    assert store.get("chunk", KEY) is None
    assert store.problem is not None and "cannot write the cache" in store.problem
    assert store.evict() == 0


def test_concurrent_writers_leave_a_whole_entry(tmp_path):
    store = CacheStore(tmp_path)
    payloads = [bytes([i]) * 200_000 for i in range(8)]
    threads = [
        threading.Thread(target=store.put, args=("chunk", KEY, payload)) for payload in payloads
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get("chunk", KEY) in payloads
    leftovers = [p for p in store.path("chunk", KEY).parent.iterdir() if p.name != KEY]
    assert leftovers == []


def test_the_default_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("FTDATA_CACHE_DIR", str(tmp_path / "explicit"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("FTDATA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name != "nt":
        assert default_cache_dir() == tmp_path / "xdg" / "ftdata"


def test_the_size_bound_from_the_environment(monkeypatch):
    monkeypatch.setenv("FTDATA_CACHE_MAX_MB", "12")
    assert store_module.default_max_bytes() == 12 << 20
    monkeypatch.setenv("FTDATA_CACHE_MAX_MB", "a lot")
    assert store_module.default_max_bytes() == store_module.DEFAULT_MAX_BYTES
