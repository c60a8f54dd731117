"""In-memory tables as sources: pyarrow, polars, pandas, Hugging Face datasets."""

from __future__ import annotations

import pyarrow as pa
import pytest

import ftdata

ROWS = [
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]},
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "again"}]},
]


def check(result, kind_prefix):
    assert result.summary["rows"] == 2 and result.summary["invalid"] == 1
    assert {(f.code, f.location.row) for f in result.findings} == {("CH009", 1), ("CH011", 1)}
    assert result.sources[0].source.startswith(kind_prefix)


def test_pyarrow_table_batch_and_reader():
    table = pa.Table.from_pylist(ROWS)
    check(ftdata.validate(table), "<pyarrow.")
    check(ftdata.validate(table.to_batches()[0]), "<pyarrow.")
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1))
    check(ftdata.validate(reader), "<pyarrow.")


def test_rows_are_numbered_across_batches():
    table = pa.Table.from_pylist(ROWS * 3000)
    result = ftdata.validate(table, select=["CH011"], keep_per_code=10_000)
    rows = sorted(f.location.row for f in result.findings)
    assert result.by_code["CH011"] == 3000 and rows[:3] == [1, 3, 5] and rows[-1] == 5999


def test_polars_frames():
    pl = pytest.importorskip("polars")
    frame = pl.from_dicts(ROWS)
    check(ftdata.validate(frame), "<polars.")
    check(ftdata.validate(frame.lazy()), "<polars.")


def test_pandas_frame_and_a_column_arrow_cannot_type():
    pd = pytest.importorskip("pandas")
    check(ftdata.validate(pd.DataFrame(ROWS)), "<pandas.")
    mixed = pd.DataFrame({"prompt": ["a", 3], "response": ["b", "c"]})
    result = ftdata.validate(mixed)
    assert result.by_code == {"PR003": 1}


def test_arrow_capsule_stream():
    table = pa.Table.from_pylist(ROWS)

    class Producer:  # any object speaking the Arrow PyCapsule stream protocol
        def __arrow_c_stream__(self, requested_schema=None):
            return table.__arrow_c_stream__(requested_schema)

    result = ftdata.validate(Producer())
    assert result.summary["rows"] == 2 and result.by_code["CH011"] == 1


def test_hugging_face_dataset():
    datasets = pytest.importorskip("datasets")
    dataset = datasets.Dataset.from_list(ROWS * 2).select([3, 2, 1, 0])  # an indices mapping
    result = ftdata.validate(dataset)
    assert result.summary["rows"] == 4
    assert sorted(f.location.row for f in result.findings if f.code == "CH011") == [0, 2]


def test_id_column_on_a_frame():
    table = pa.Table.from_pylist(ROWS).append_column("uid", pa.array(["x", "y"]))
    result = ftdata.validate(table, id_column="uid")
    assert {f.location.key for f in result.findings} == {"uid=y"}


# The Arrow proof that rows are clean (sources/vectorised.py) must never mark a
# row clean that the per-example fast path would not: that would hide findings.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ROLES = st.sampled_from(["system", "user", "assistant", "tool", "User", "bot", None])
TEXTS = st.sampled_from(["", " ", "\u3000", "\x1c", "\x00", "a", " a", "\n\nok", "é", None])
MESSAGE = st.one_of(st.none(), st.fixed_dictionaries({"role": ROLES, "content": TEXTS}))
CHATS = st.lists(st.one_of(st.none(), st.lists(MESSAGE, max_size=5)), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(CHATS, st.sampled_from(["databricks", "llm-foundry"]))
def test_arrow_proof_of_clean_chat_rows_is_sound(rows, profile):
    from ftdata.rules.context import CheckContext
    from ftdata.rules.fastpath import is_clean
    from ftdata.sources.vectorised import clean_rows

    kind = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    batch = pa.record_batch({"messages": pa.array(rows, kind)})
    ctx = CheckContext(profile=profile)
    mask = clean_rows(batch, "chat", ctx)
    for row, proven in zip(batch.to_pylist(), mask, strict=True):
        if proven:
            assert is_clean("chat", row, ctx), row
        elif all(m and m["content"] not in ("\x00", "\x1c") for m in row["messages"] or [None]):
            assert not is_clean("chat", row, ctx), row  # complete on ordinary text too


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXTS, TEXTS), min_size=1, max_size=10))
def test_arrow_proof_of_clean_instruction_rows_is_sound(pairs):
    from ftdata.rules.context import CheckContext
    from ftdata.rules.fastpath import is_clean
    from ftdata.sources.vectorised import clean_rows

    batch = pa.record_batch(
        {
            "prompt": pa.array([p for p, _ in pairs], pa.string()),
            "response": pa.array([r for _, r in pairs], pa.string()),
        }
    )
    mask = clean_rows(batch, "instruction", CheckContext())
    for row, proven in zip(batch.to_pylist(), mask, strict=True):
        assert not proven or is_clean("instruction", row, CheckContext()), row


def test_duplicates_among_proven_rows_are_found_with_their_first_copy():
    rows = [ROWS[0], ROWS[0], {"messages": ROWS[0]["messages"][::-1]}]
    result = ftdata.validate(pa.Table.from_pylist(rows))
    duplicates = [f for f in result.findings if f.code == "DS002"]
    assert [(f.location.row, f.message.endswith("row 0")) for f in duplicates] == [(1, True)]
