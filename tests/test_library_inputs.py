"""Library inputs: in-memory examples of any shape, JSONL bytes and file objects, dataset dicts.

In-memory data gets findings, never exceptions (issue 11 item 23); bytes, file
objects and ``datasets.DatasetDict`` are read as what they are (issue 14 item 5).
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.errors import UsageError

GOOD = {"prompt": "What is 2+2?", "response": "4"}
CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
JSONL = b'{"prompt": "What is 2+2?", "response": "4"}\n{"prompt": "", "response": "x"}\nnot json\n'


class RaisingRepr:
    """An object whose repr and str raise, as some proxies do."""

    def __repr__(self):
        raise RuntimeError("no repr for you")

    __str__ = __repr__


def outcome(result):
    """(row or line, code) of every finding."""
    return {
        (f.location.row if f.location.line is None else f.location.line, f.code)
        for f in result.findings
    }


def accounted(result) -> bool:
    summary = result.summary
    return summary["rows"] == summary["valid"] + summary["invalid"]


# --- in-memory examples of any shape: findings, not exceptions (issue 11 item 23) ---


@pytest.mark.parametrize("key", [1, 2.5, None, ("a",), RaisingRepr()])
def test_a_non_string_key_is_a_finding_naming_it(key):
    result = ftdata.validate([GOOD, {key: "x"}])
    assert outcome(result) == {(1, "LD001")} and result.summary["invalid"] == 1
    assert "not a string" in result.findings[0].message


def test_a_non_string_key_deep_inside_points_at_its_object():
    example = {"messages": [{"role": "user", "content": "Hi", 3: 4}, CHAT["messages"][1]]}
    result = ftdata.validate([example])
    finding = next(f for f in result.findings if f.code == "LD001")
    assert finding.location.pointer == "/messages/0" and "key 3" in finding.message


def test_an_int_beyond_4300_digits_is_checked_like_any_number():
    result = ftdata.validate(
        [
            {"prompt": "a", "response": 10**5000},
            GOOD,
            {"prompt": "b", "response": "c", "score": 10**5000},
        ]
    )
    assert outcome(result) == {(0, "PR003"), (2, "SC003")}


def test_an_object_whose_repr_raises_gets_findings():
    result = ftdata.validate(
        [
            {"prompt": RaisingRepr(), "response": "x"},
            {"messages": [{"role": RaisingRepr(), "content": "x"}]},
        ]
    )
    assert result.summary["invalid"] == 2 and accounted(result)


def test_two_equal_examples_with_non_json_values_are_duplicates():
    result = ftdata.validate([{"prompt": "a", "response": "b", "n": 10**30}] * 2)
    assert (1, "DS002") in outcome(result)


def test_non_dict_records_read_as_lines_that_are_not_objects():
    result = ftdata.validate([GOOD, 1, "text", [GOOD], None])
    assert outcome(result) == {(1, "LD002"), (2, "LD002"), (3, "LD002"), (4, "LD002")}
    assert "a number" in result.findings[0].message


def test_a_record_that_holds_itself_or_nests_too_deep_is_ld007():
    cyclic: list = []
    cyclic.append(cyclic)
    deep: object = "x"
    for _ in range(5000):
        deep = [deep]
    result = ftdata.validate(
        [
            {"prompt": "a", "response": "b", "x": cyclic},
            {"prompt": "a", "response": "b", "x": deep},
            GOOD,
        ]
    )
    assert outcome(result) == {(0, "LD007"), (1, "LD007")}


# --- JSONL as bytes and file objects (issue 14 item 5) ---


def expected_from_file(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_bytes(JSONL)
    return path, outcome(ftdata.validate(path))


@pytest.mark.parametrize(
    "wrap",
    [bytes, bytearray, memoryview, io.BytesIO, lambda data: io.StringIO(data.decode())],
    ids=["bytes", "bytearray", "memoryview", "BytesIO", "StringIO"],
)
def test_bytes_and_in_memory_streams_are_read_as_jsonl(tmp_path, wrap):
    _, expected = expected_from_file(tmp_path)
    assert expected == {(2, "PR004"), (3, "LD001")}
    result = ftdata.validate(wrap(JSONL))
    assert outcome(result) == expected and result.summary["rows"] == 3


@pytest.mark.parametrize("mode", ["rb", "r"])
def test_an_open_file_is_read_as_jsonl_named_by_its_path_and_left_open(tmp_path, mode):
    path, expected = expected_from_file(tmp_path)
    with open(path, mode, encoding=None if mode == "rb" else "utf-8") as handle:
        result = ftdata.validate(handle)
        assert not handle.closed
    assert outcome(result) == expected and result.sources[0].source == str(path)


def test_invalid_utf8_in_bytes_is_ld003_on_its_line():
    result = ftdata.validate(b'{"prompt": "caf\xe9", "response": "x"}\n' + JSONL)
    assert outcome(result) == {(1, "LD003"), (3, "PR004"), (4, "LD001")}


def test_a_dataset_dict_is_one_source_per_split():
    datasets = pytest.importorskip("datasets")
    splits = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_list([GOOD, {"prompt": "q", "response": "a"}]),
            "test": datasets.Dataset.from_list([{"prompt": "", "response": "a"}]),
        }
    )
    result = ftdata.validate(splits)
    names = [s.source for s in result.sources]
    assert names == ["<DatasetDict>[train]", "<DatasetDict>[test]"]
    assert [(f.location.source, f.code) for f in result.findings] == [
        ("<DatasetDict>[test]", "PR004")
    ]
    assert result.summary["rows"] == 3


@pytest.mark.parametrize("thing", [42, 3.5, object(), True])
def test_anything_else_that_is_not_examples_is_a_usage_error_naming_its_type(thing):
    with pytest.raises(UsageError, match=type(thing).__name__):
        ftdata.validate(thing)


# --- property: any nested Python value, no exception, every row accounted for ---


class Opaque:
    """A value no JSON encoder knows."""


def huge_int() -> int:
    """An int whose decimal form Python refuses to write (over 4,300 digits)."""
    return 10**5000


LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.builds(huge_int),
    st.builds(Opaque),
    st.builds(RaisingRepr),
    st.sampled_from(["user", "assistant", "system", "prompt", "response", "messages"]),
)
KEYS = st.one_of(
    st.sampled_from(["messages", "role", "content", "prompt", "response"]),
    st.text(max_size=5),
    st.integers(),
    st.none(),
    st.floats(allow_nan=False),
    st.tuples(st.integers()),
    st.builds(RaisingRepr),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(KEYS, inner, max_size=4),
    ),
    max_leaves=20,
)


def names_paths(value) -> bool:
    """Strings (and lists of them) are paths: keep them out of a property over values."""
    return isinstance(value, str) or (
        isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# [] is "no input given"; a list of strings names paths
@given(st.lists(VALUES, min_size=1, max_size=6).filter(lambda v: not names_paths(v)))
def test_any_nested_python_values_give_findings_never_exceptions(records):
    result = ftdata.validate(records)
    assert accounted(result) and result.summary["rows"] == len(records)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES.filter(lambda v: not names_paths(v)))
def test_any_single_python_value_is_a_result_or_a_usage_error(value):
    try:
        result = ftdata.validate(value)
    except UsageError:
        return
    assert accounted(result)
