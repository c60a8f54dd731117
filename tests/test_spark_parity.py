"""Spark's JSON rows and the JSONL source read the same bytes into the same findings.

Every line of a file is given to the JSONL source (``ftdata.validate`` on the
file) and, as row ``line - 1``, to the executor side of ``ftdata.spark`` with
``json_column`` (``check_partition`` on an Arrow batch, no Spark session).
Both must give the same (code, message, pointer) per line, in the same order.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.config import Settings
from ftdata.core.driver import Runner
from ftdata.core.options import Options
from ftdata.sources.json_line import BOM
from ftdata.spark.driver import DriverSource, finish, json_rows_task, merge_state
from ftdata.spark.partition import Spec, check_partition, json_rows, loads_state

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample_data").rglob("*.jsonl"))
LIMIT = 4096  # --max-line-bytes for both readers: small, so that a line can exceed it

HOSTILE = [
    BOM + b'{"prompt": "a", "response": "b"}',  # a byte-order mark starts the file
    b'{"prompt": "c", "response": "d"}\r',  # a CRLF line end
    b"",
    b"  \t ",
    b"\r",
    b'{"prompt": "\xff\xfe", "response": "x"}',  # invalid UTF-8
    b"[1, 2]",
    b"null",
    b'"text"',
    b"3.5",
    b"true",
    b'{"prompt": "a", "response": "b", "n": %d}' % (10**30 + 7),
    b'{"prompt": "a", "response": "b", "n": %s}' % (b"9" * 5000),
    b'{"prompt": "a", "response": "b", "n": 1e400}',
    b'{"prompt": "a", "prompt": "again", "response": "b"}',
    b'{"messages": [{"role": "user", "content": "x", "content": "y"}]}',
    b"[" * 100_000 + b"]" * 100_000,  # nested past every parser's depth limit
    b'{"prompt": {"a": [[[{"b": []}]]]}, "response": [null, {}]}',
    b'{"prompt": "a", "response": NaN}',
    b'{"prompt": "a", "response": "b"} trailing',
    b'{"prompt": "unterminated',
    b'{"prompt": "a", "response": "' + b"x" * LIMIT + b'"}',  # over --max-line-bytes
    b'{"prompt": "\\ud800", "response": "lone surrogate escape"}',
    b'{"question": "no task keys"}',
    b'{"messages": [{"role": "user", "content": "chat in an instruction file"}]}',
]

SETTINGS = Settings(ignore=("DS002",), keep_per_code=10**6, max_line_bytes=LIMIT)


def _key(finding) -> tuple[str, str, str]:
    return (finding.code, finding.message, finding.location.pointer)


def _counts(result) -> tuple:
    """The source's task and row accounting."""
    (source,) = result.to_dict()["sources"]
    return source["task"], source["rows"], source["valid"], source["invalid"]


def local_findings(path: Path) -> dict[object, list]:
    """(code, message, pointer) per 1-based line, from the JSONL source; "source": its counts."""
    result = ftdata.validate(str(path), settings=SETTINGS)
    out: dict[object, list] = {"source": [_counts(result)]}
    for finding in result.findings:
        if finding.location.line is not None:
            out.setdefault(finding.location.line, []).append(_key(finding))
    return out


def spark_findings(column: pa.Array) -> dict[object, list]:
    """(code, message, pointer) per row + 1, from one Spark partition of JSON rows; and counts."""
    task = json_rows_task(json_rows(column), LIMIT)
    checker = Runner(Options(SETTINGS))
    checker.check_source(DriverSource("rows", []), task=task)
    spec = Spec(SETTINGS, None, None, None, task, "rows", json_column="json")
    batch = pa.RecordBatch.from_arrays([column], names=["json"])
    *_, state = check_partition(iter([batch]), spec, 0)
    merge_state(checker, 0, loads_state(state.column("state")[0].as_py()))
    result = finish(checker, SETTINGS.fail_on)
    out: dict[object, list] = {"source": [_counts(result)]}
    for finding in result.findings:
        if finding.location.row is not None:
            assert finding.location.file == "partition-00000"
            out.setdefault(finding.location.row + 1, []).append(_key(finding))
    return out


def assert_same(lines: list[bytes], path: Path, column_type: pa.DataType | None = None) -> None:
    """Write ``lines`` as a JSONL file and as JSON rows; their findings must agree per line."""
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    # A string column is one Spark filled without checking UTF-8: ftdata must not decode it.
    binary = pa.large_binary() if column_type == pa.large_string() else pa.binary()
    column = pa.array(lines, binary).view(column_type or binary)
    assert spark_findings(column) == local_findings(path)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_data_line_gives_the_same_findings(sample: Path, tmp_path: Path) -> None:
    lines = sample.read_bytes().split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    assert_same(lines, tmp_path / sample.name)


def test_sample_data_lines_have_findings_to_compare() -> None:
    assert len(SAMPLES) >= 5
    assert sum(len(local_findings(sample)) - 1 for sample in SAMPLES) >= 10


@pytest.mark.parametrize("column_type", [pa.binary(), pa.string(), pa.large_string()])
def test_hostile_lines_give_the_same_findings(column_type, tmp_path: Path) -> None:
    found = local_findings_of(HOSTILE, tmp_path)
    codes = {
        finding[0] for line, findings in found.items() if line != "source" for finding in findings
    }
    # The lines reach every reading finding (so the parity below is not vacuous).
    assert {"LD001", "LD002", "LD003", "LD006", "LD008", "LD009", "LD010"} <= codes
    assert_same(HOSTILE, tmp_path / "hostile.jsonl", column_type)


def local_findings_of(lines: list[bytes], tmp_path: Path) -> dict[int, list]:
    path = tmp_path / "local.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return local_findings(path)


def test_a_byte_order_mark_starts_any_spark_row_as_it_starts_a_jsonl_file() -> None:
    """A row is a document of its own: a BOM that starts it is noted and skipped, like line 1's."""
    row = BOM + b'{"prompt": "a", "response": "b"}'
    found = spark_findings(pa.array([b'{"prompt": "x", "response": "y"}', row], pa.binary()))
    assert found[2] == [("LD010", "the file starts with a UTF-8 byte-order mark", "")]
    assert found["source"] == [("instruction", 2, 2, 0)] and len(found) == 2


def test_a_null_row_is_a_blank_line() -> None:
    found = spark_findings(pa.array([None, '{"prompt": "a", "response": "b"}'], pa.string()))
    assert found[1] == [("LD009", "blank line", "")]
    assert found["source"] == [("instruction", 1, 1, 0)] and len(found) == 2


# Lines of JSON-ish bytes: fragments that make valid, invalid and odd lines alike.
FRAGMENTS = st.sampled_from(
    [
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b'"prompt"',
        b'"response"',
        b'"messages"',
        b'"role"',
        b'"content"',
        b'"user"',
        b'"assistant"',
        b'"x"',
        b"1",
        b"-0.5e3",
        b"123456789012345678901234",
        b"null",
        b"true",
        b"NaN",
        b" ",
        b"\t",
        b"\r",
        b"\xff",
        b"\xc3\xa9",
        b"\\u0000",
    ]
)
LINES = st.one_of(
    st.lists(FRAGMENTS, max_size=12).map(b"".join),
    st.builds(
        lambda p, r: b'{"prompt": %s, "response": %s}' % (p, r),
        st.sampled_from([b'"a"', b'""', b"1", b"null", b"[]", b'{"a": 1}']),
        st.sampled_from([b'"b"', b'" "', b"2.5", b"[1]", b'"\\ud800"']),
    ),
    st.binary(max_size=40),
).filter(lambda line: b"\n" not in line and not line.startswith(BOM))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(LINES, min_size=1, max_size=12))
def test_random_lines_give_the_same_findings(lines: list[bytes], tmp_path: Path) -> None:
    """Past line 1, a BOM differs by design (see the test above), so no line starts with one."""
    assert_same(lines, tmp_path / "random.jsonl")
