"""One task detector: examples, table columns and Spark's driver all decide through it."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.rules.context import classify, first_task, task_of_keys
from ftdata.sources.table_schema import schema_problems
from ftdata.spark.driver import detect_task, json_rows_task

KEYS = st.lists(
    st.sampled_from(["messages", "prompt", "response", "completion", "text", "extra"]),
    unique=True,
    max_size=4,
)
VALUES = {
    "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    "prompt": "p",
    "response": "r",
    "completion": "c",
    "text": "t",
    "extra": 1,
}


@settings(max_examples=60, deadline=None)
@given(keys=KEYS)
def test_a_table_has_the_task_of_its_rows(keys: list[str]) -> None:
    """Local tables, Spark's typed rows and the schema checks agree with the rows' task."""
    row = {key: VALUES[key] for key in keys}
    expected = classify(row)
    assert task_of_keys(keys) == expected
    assert detect_task(None, None, None, keys) == expected  # Spark: typed rows
    if keys:
        (source,) = ftdata.validate(pa.Table.from_pylist([row])).to_dict()["sources"]
        assert source["task"] == expected
        schema = pa.Table.from_pylist([row]).schema
        problems = schema_problems(schema, None, "databricks")
        undetected = any("no column fits a task" in p.message for p in problems)
        assert undetected == (expected is None)


def test_the_first_example_that_fits_decides() -> None:
    examples = [None, [1], {"x": 1}, {"prompt": "p"}, {"messages": []}]
    assert first_task(examples) == "instruction"
    assert first_task(examples[:3]) is None
    rows = [b"", b"\xef\xbb\xbf", b'{"x": 1}', b'\xef\xbb\xbf{"messages": []}', b'{"prompt": 1}']
    assert json_rows_task(rows, None) == "chat"  # a BOM starts any row (as partitions read it)
    assert json_rows_task(rows, 10) is None  # rows over --max-line-bytes are no examples
