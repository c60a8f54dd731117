"""Property tests: validate never raises, and every row ends valid or named by an error."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.findings import Severity, parse_pointer, pointer

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ROLES = st.sampled_from(["system", "user", "assistant", "tool", "User", "", "bot"])
MESSAGE = st.fixed_dictionaries(
    {"role": ROLES, "content": st.one_of(st.text(max_size=10), st.none(), st.integers())},
    optional={"name": st.text(max_size=3)},
)
CHATISH = st.fixed_dictionaries(
    {"messages": st.one_of(st.lists(MESSAGE, max_size=5), JSON)},
    optional={"id": st.integers()},
)
INSTRUCTIONISH = st.fixed_dictionaries(
    {},
    optional={
        "prompt": st.one_of(st.text(max_size=6), JSON),
        "response": st.one_of(st.text(max_size=6), JSON),
        "completion": st.one_of(st.text(max_size=6), JSON),
        "extra": JSON,
    },
)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_accounting(result) -> None:
    # valid and invalid are counted apart as rows are decided, so this can fail.
    for source in result.sources:
        assert source.rows == source.valid + source.invalid, source
    assert result.rows == result.valid + result.invalid
    summary = result.to_dict()["summary"]
    assert summary["rows"] == summary["valid"] + summary["invalid"]
    assert sum(summary["by_code"].values()) == (
        summary["errors"] + summary["warnings"] + summary["infos"]
    )


@SETTINGS
@given(st.lists(st.binary(max_size=60), max_size=8))
def test_random_bytes_never_raise(tmp_path, lines):
    path = tmp_path / "random.jsonl"
    path.write_bytes(b"\n".join(lines))
    assert_accounting(ftdata.validate(str(path)))


@SETTINGS
@given(st.lists(st.one_of(JSON, CHATISH, INSTRUCTIONISH), max_size=8))
def test_random_json_never_raises_and_rows_are_accounted(tmp_path, records):
    path = tmp_path / "random.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = ftdata.validate(str(path))
    assert_accounting(result)
    assert result.rows == len(records)
    assert "FT900" not in result.by_code


@SETTINGS
@given(st.lists(st.one_of(CHATISH, INSTRUCTIONISH), min_size=1, max_size=6))
def test_each_invalid_row_is_named_by_an_error(records):
    result = ftdata.validate(records, keep_per_code=10_000)
    error_rows = {
        f.location.row
        for f in result.findings
        if f.severity is Severity.ERROR and f.location.row is not None
    }
    assert len(error_rows) == result.invalid


@given(st.lists(st.one_of(st.text(max_size=5), st.integers(0, 99)), max_size=5))
def test_pointer_round_trip(tokens):
    assert parse_pointer(pointer(*tokens)) == [str(t) for t in tokens]
