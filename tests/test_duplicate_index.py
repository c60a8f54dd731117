"""The duplicate index stays at 16 bytes per example, and DS002 says exactly what it said.

Issue #11 item 25: 8.1M tiny unique lines peaked at 962 MB because the index
was a dict of Python ints (~110 bytes per row). The index is now sorted runs
of int64 arrays; these tests hold it to 16 bytes per row, bound the scratch
space of its merges, and check that DS002 findings (place, message, order,
row accounting) are those of a plain first-occurrence dict, whatever the
batching, the window and the severity.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.duplicate_index import NOT_SEEN, DigestIndex
from ftdata.duplicates import DuplicateTracker
from ftdata.sources.jsonl import JsonlSource

EXTREMES = [-(2**63), 2**63 - 1, 0, -1, 2**64 - 1, 2**63]  # signed and unsigned ends


def _oracle(calls: list[list[int]]) -> list[list[int]]:
    """First marks as a dict gives them; digests are compared by their low 64 bits."""
    seen: dict[int, int] = {}
    out, mark = [], 0
    for digests in calls:
        answer = []
        for digest in digests:
            first = seen.setdefault(digest & 0xFFFFFFFFFFFFFFFF, mark)
            answer.append(NOT_SEEN if first == mark else first)
            mark += 1
        out.append(answer)
    return out


digest_lists = st.lists(
    st.lists(
        st.one_of(st.integers(0, 40), st.sampled_from(EXTREMES), st.integers(-(2**63), 2**64 - 1)),
        max_size=40,
    ),
    max_size=30,
)


def _oracle_copies(calls: list[list[int]]) -> list[list[tuple[int, int]]]:
    return [
        [(entry, first) for entry, first in enumerate(answer) if first != NOT_SEEN]
        for answer in _oracle(calls)
    ]


@settings(max_examples=200, deadline=None)
@given(
    calls=digest_lists,
    cap=st.sampled_from([1, 3, 64, 1 << 21]),
    small=st.sampled_from([0, 7, 1 << 15]),
    arrays=st.booleans(),
)
def test_copies_match_a_dict(calls, cap, small, arrays):
    """Any digests, call sizes, merge cap and dict size: the answers of a first-occurrence dict."""
    index = DigestIndex()
    index.CAP, index.SMALL = cap, small
    mark, got = 0, []
    for digests in calls:
        marks = list(range(mark, mark + len(digests)))
        mark += len(digests)
        if arrays:  # the table path: unsigned numpy digests
            digests = np.array([d & 0xFFFFFFFFFFFFFFFF for d in digests], dtype=np.uint64)
        got.append(index.copies(digests, marks))
    assert got == _oracle_copies(calls)
    assert len(index) == len({d & 0xFFFFFFFFFFFFFFFF for c in calls for d in c})
    for digests, _ in index._runs:  # each run sorted, no digest stored twice
        assert np.all(digests[1:] > digests[:-1])
    if index._runs:
        stored = np.concatenate([d for d, _ in index._runs])
        assert len(np.unique(stored)) == len(stored) == len(index)


@settings(max_examples=100, deadline=None)
@given(calls=digest_lists, cap=st.sampled_from([1, 3, 1 << 21]))
def test_first_marks_match_a_dict(calls, cap):
    """The numpy form gives every entry's first mark (NOT_SEEN for a first occurrence)."""
    index = DigestIndex()
    index.CAP = cap
    mark, got = 0, []
    for digests in calls:
        got.append(index.first_marks(digests, range(mark, mark + len(digests))).tolist())
        mark += len(digests)
    assert got == _oracle(calls)


def test_unsigned_numpy_digests_equal_their_python_ints():
    """The table path hands over uint64 arrays, the JSONL path Python's signed hashes."""
    for small in (0, 1 << 15):
        index = DigestIndex()
        index.SMALL = small
        index.copies(np.array([2**64 - 1, 5], dtype=np.uint64), [0, 1])
        assert index.copies([-1, 5, 7], [2, 3, 4]) == [(0, 0), (1, 1)]


def test_a_small_input_never_imports_numpy(tmp_path):
    """Start-up stays light: below DigestIndex.SMALL examples the index is a dict."""
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "response": "b"}\n' * 3)
    code = (
        "import sys, ftdata; r = ftdata.validate(sys.argv[1]); "
        "print(r.by_code.get('DS002'), 'numpy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["2", "False"]


def _fill(index: DigestIndex, rows: int, window: int) -> None:
    rng = np.random.default_rng(7)
    for start in range(0, rows, window):
        digests = rng.integers(-(2**63), 2**63 - 1, min(window, rows - start), dtype=np.int64)
        index.first_marks(digests, np.arange(start, start + len(digests)))


def test_index_holds_16_bytes_per_distinct_row():
    """Measured with tracemalloc (numpy reports its buffers): at most 16 bytes a row."""
    rows = 1_000_000
    tracemalloc.start()
    try:
        index = DigestIndex()
        _fill(index, rows, DuplicateTracker.WINDOW)
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(index) == rows
    assert index.nbytes == 16 * rows
    assert current / rows <= 16.1  # the arrays, plus a few hundred bytes of lists and tuples


def test_merges_need_bounded_scratch_and_few_runs():
    """A merge never doubles the peak: its scratch is at most ~1/4 of the index beyond CAP."""
    rows = 1 << 19
    tracemalloc.start()
    try:
        index = DigestIndex()
        index.CAP = 1 << 12
        _fill(index, rows, 1 << 12)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert current / rows <= 16.1
    assert peak / rows <= 24  # 16 + a merge of a quarter (26 bytes an entry) + one call
    assert index.runs <= 16  # so one lookup stays a handful of searchsorted calls


# --- DS002 through the engine: identical to a first-occurrence dict over the lines -------

LINES = [json.dumps({"prompt": p, "response": r}) for p in "abc" for r in "xy"]


def _expected(files: list[list[str]], names: list[str]) -> list[tuple[str, int, str]]:
    """(source, line, message) of every DS002, as the dict-based engine reported them."""
    first: dict[str, tuple[str, int]] = {}
    found = []
    for name, lines in zip(names, files, strict=True):
        for number, line in enumerate(lines, start=1):
            if line not in LINES:
                continue  # blank or broken: never an example, never a duplicate
            place = first.setdefault(line, (name, number))
            if place != (name, number):
                found.append((name, number, f"duplicate of {place[0]} line {place[1]}"))
    return sorted(found)


files_strategy = st.lists(
    st.lists(st.one_of(st.sampled_from(LINES), st.just(""), st.just("{broken")), max_size=25),
    min_size=1,
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(
    files=files_strategy,
    window=st.sampled_from([1, 2, 5, 1 << 14]),
    batch_rows=st.sampled_from([1, 3, 256]),
    error=st.booleans(),
)
def test_ds002_names_the_first_copy_whatever_the_batching(
    tmp_path_factory, files, window, batch_rows, error
):
    """Every copy is reported once, at its line, naming the first copy; counts stay exact."""
    folder = tmp_path_factory.mktemp("dups")
    names = []
    for number, lines in enumerate(files):
        path = folder / f"part{number}.jsonl"
        path.write_text("".join(line + "\n" for line in lines))
        names.append(str(path))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DuplicateTracker, "WINDOW", window)
        patch.setattr(
            JsonlSource.__init__,
            "__kwdefaults__",
            {**JsonlSource.__init__.__kwdefaults__, "batch_rows": batch_rows},
        )
        result = ftdata.validate(
            names,
            task="instruction",
            keep_per_code=10_000,
            severity={"DS002": "error"} if error else None,
        )
    got = sorted(
        (f.location.source, f.location.line, f.message)
        for f in result.findings
        if f.code == "DS002"
    )
    expected = _expected(files, names)
    assert got == expected
    assert result.by_code.get("DS002", 0) == len(expected)
    broken = sum(line.startswith("{b") for lines in files for line in lines)
    assert result.invalid == broken + (len(expected) if error else 0)
    assert result.rows == result.valid + result.invalid


def test_ds002_on_clean_table_rows_names_the_first_row(tmp_path):
    """Rows proven clean on Arrow take part through their hashes, at any severity."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"prompt": list("abacab"), "response": ["x"] * 6}), path, row_group_size=4
    )
    for severity, invalid in ((None, 0), ({"DS002": "error"}, 3)):
        result = ftdata.validate(str(path), severity=severity)
        got = [(f.location.row, f.message) for f in result.findings if f.code == "DS002"]
        assert got == [
            (2, f"duplicate of {path} row 0"),
            (4, f"duplicate of {path} row 0"),
            (5, f"duplicate of {path} row 1"),
        ]
        assert (result.rows, result.invalid) == (6, invalid)


# --- the whole process: memory of a long file of tiny unique lines ------------------------

_PEAK = """
import resource, subprocess, sys
subprocess.run([sys.executable, "-m", "ftdata", "validate", *sys.argv[1:]],
               stdout=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_kib(*args: str) -> int:
    """Peak RSS (KiB) of one ``ftdata validate`` run, measured from a fresh parent."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return int(done.stdout.split()[-1])


def test_peak_rss_of_one_million_tiny_unique_lines(tmp_path: Path):
    """Each row beyond the first 500k adds ~16 bytes to the peak (the dict added ~120).

    Measured as the growth from 500k to 1M rows, so that fixed costs (numpy,
    the window of locations) cancel out. A merge in flight at the peak adds
    its scratch (up to 256k entries of 26 bytes, ~13 bytes a row here), and
    malloc rounds: 19-28 were seen, hence the bound of 40.
    """
    peaks = []
    for rows in (500_000, 1_000_000):
        path = tmp_path / f"tiny{rows}.jsonl"
        with path.open("w") as out:
            out.writelines(f'{{"prompt":"q{i}","response":"r"}}\n' for i in range(rows))
        peaks.append(_peak_kib(str(path)))
    added = (peaks[1] - peaks[0]) * 1024 / 500_000
    assert added <= 40, f"each row added {added:.0f} bytes to the peak"
