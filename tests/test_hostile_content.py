"""Hostile content (issue 11, items 20-22 and 26): data never drives the terminal, never
breaks a report format, never crashes a rule, and is never echoed by the megabyte.

Control characters in keys, values, roles and file names go through every reporter;
long keys and roles are quoted cut, with an ellipsis and their length; non-string
roles and keys are findings, not FT900; and a file of multi-megabyte keys gives a
small report in bounded memory.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.reporters import REPORTERS, ReportOptions

FORMATS = ["text", "json", "github", "sarif", "junit"]
# What must never reach a terminal or an annotation raw: C0 controls but the line
# feed that separates report lines, DEL, C1 controls, bidi controls, line and
# paragraph separators, lone surrogates, and the XML-forbidden non-characters.
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e"
    "\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
HOSTILE = [
    "\x1b",
    "\x07",
    "\x00",
    "\r",
    "\n",
    "\x85",
    "\x9b",
    "\x7f",
    "\u202e",
    "\u2066",
    "\u2028",
    "\t",
]
HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(HOSTILE + ["a", "~", "/", "%", ":", ","]), max_size=6
)
# Values that are not strings, where a role or a key is expected.
NOT_STRING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False),
    st.lists(st.sampled_from(["user", 1]), max_size=2),
    st.dictionaries(st.sampled_from(["a", "role"]), st.integers(), max_size=2),
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def render(result, fmt: str) -> str:
    stream = io.StringIO()
    REPORTERS[fmt](result, stream, ReportOptions(max_per_code=50))
    return stream.getvalue()


def assert_safe_reports(result) -> dict[str, str]:
    """Every format renders, with no raw control character and a well-formed document."""
    outputs = {fmt: render(result, fmt) for fmt in FORMATS}
    for fmt, text in outputs.items():
        found = RAW_CONTROL.search(text)
        assert found is None, f"{fmt} writes raw {found.group()!r}"
        text.encode("utf-8")  # a lone surrogate would fail on a real stream
    json.loads(outputs["json"])
    json.loads(outputs["sarif"])
    ET.fromstring(outputs["junit"])
    shown = sum(1 for _ in _shown(result))
    # One annotation line per finding plus the summary: data cannot add a line.
    assert len(outputs["github"].splitlines()) == shown + 1
    assert all(line.startswith("::") for line in outputs["github"].splitlines()[:-1])
    return outputs


def _shown(result):
    from ftdata.reporters import shown_findings

    return shown_findings(result, 50)


def chat(*messages, **extra) -> dict:
    return {"messages": list(messages), **extra}


def user(content="hi", **extra):
    return {"role": "user", "content": content, **extra}


def assistant(content="hello", **extra):
    return {"role": "assistant", "content": content, **extra}


def write_jsonl(path: Path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


# Item 20: terminal escapes


def test_escape_and_bell_in_a_key_and_a_file_name_reach_no_report_raw(tmp_path):
    name = tmp_path / "retitle\x1b]0;pwned\x07.jsonl"
    path = write_jsonl(
        name,
        [
            chat(user(), assistant(), **{"k\x1b[2J\x07\x00": 1}),
            chat(user(**{"x\x1b]0;t\x07": 1}), assistant()),
        ],
    )
    result = ftdata.validate(path)
    assert {"SC003", "CH005"} <= set(result.by_code)
    outputs = assert_safe_reports(result)
    # The text report shows the characters as escapes, so the user can find them.
    assert "\\x1b]0;pwned\\x07.jsonl" in outputs["text"]
    # JSON keeps the exact key: its pointer still names the data.
    pointers = {f["location"]["pointer"] for f in json.loads(outputs["json"])["findings"]}
    assert "/k\x1b[2J\x07\x00" in pointers


def test_nul_in_a_key_keeps_junit_well_formed(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [chat(user(), assistant(), **{"a\x00b": 1})])
    text = render(ftdata.validate(path), "junit")
    ET.fromstring(text)
    assert "a\\x00b" in text


def test_bidi_override_and_c1_controls_are_escaped_in_json_output(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [chat(user(), assistant(), **{"\u202eevil\x9b2J": 1})])
    result = ftdata.validate(path)
    for fmt in ("json", "sarif"):
        text = render(result, fmt)
        assert "\u202e" not in text and "\x9b" not in text
        assert "\\u202e" in text and "\\u009b" in text


def test_the_cli_escapes_control_characters_in_every_format(tmp_path):
    record = chat(user(), assistant(), **{"\x1b]0;x\x07": 1})
    path = write_jsonl(tmp_path / "a\x1b[31m.jsonl", [record])
    for fmt in FORMATS:
        done = subprocess.run(
            [sys.executable, "-m", "ftdata", "validate", path, "--format", fmt],
            capture_output=True,
            env={**os.environ, "PYTHONPATH": _root()},
        )
        assert done.returncode == 1, done.stderr
        assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout, fmt


def test_a_usage_error_naming_a_hostile_path_is_escaped(tmp_path):
    missing = str(tmp_path / "no\x1b]0;x\x07")
    done = subprocess.run(
        [sys.executable, "-m", "ftdata", "validate", missing],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": _root()},
    )
    assert done.returncode == 2
    assert b"\x1b" not in done.stderr and b"\x07" not in done.stderr


def _root() -> str:
    """Where the ftdata under test lives: subprocesses must run the same code."""
    return str(Path(ftdata.__file__).resolve().parents[1])


@SETTINGS
@given(
    st.lists(
        st.tuples(HOSTILE_TEXT, HOSTILE_TEXT, st.one_of(HOSTILE_TEXT, NOT_STRING)),
        min_size=1,
        max_size=4,
    ),
    st.text(
        alphabet=st.sampled_from([c for c in HOSTILE if c != "\x00"] + ["b"]),
        min_size=1,
        max_size=5,
    ),
)
def test_control_characters_anywhere_through_every_reporter(tmp_path_factory, rows, stem):
    """Keys, values, roles and the file name full of control characters: safe everywhere."""
    folder = tmp_path_factory.mktemp("hostile")
    records = [
        chat({"role": role, "content": value, key or "k": value}, assistant(), **{key: 1})
        for key, value, role in rows
    ]
    result = ftdata.validate(write_jsonl(folder / f"{stem}.jsonl", records))
    assert "FT900" not in result.by_code
    assert result.rows == result.valid + result.invalid == len(rows)
    assert_safe_reports(result)


# Item 21: echoed megabytes


BIG = "k" * 3_000_000
LONG_CASES = {
    "SC001": {BIG: 1},
    "SC003": chat(user(), assistant(), **{BIG: 1}),
    "CH005": chat(user(**{BIG: 1}), assistant()),
    "CH006": chat({"role": BIG, "content": "hi"}, assistant()),
    "CH009": chat(
        user(), {"role": BIG, "content": "a"}, {"role": BIG, "content": "b"}, assistant()
    ),
    "CH011": chat(user(), assistant(), {"role": BIG, "content": "hi"}),
}


@pytest.mark.parametrize("code", sorted(LONG_CASES))
def test_a_long_key_or_role_is_quoted_cut_with_its_length(tmp_path, code):
    path = write_jsonl(tmp_path / "a.jsonl", [LONG_CASES[code]])
    result = ftdata.validate(path, keep_per_code=10)
    found = [f for f in result.findings if f.code == code]
    assert found, result.by_code
    for finding in found:
        assert len(finding.message) < 200, finding.message[:300]
        assert len(finding.location.pointer) < 200
        assert "3,000,000 characters" in finding.message + finding.location.pointer
        assert "…" in finding.message + finding.location.pointer


# Pieces repeated up to 300 times: hypothesis alone rarely draws long text.
LONG_TEXT = st.builds(
    lambda piece, times: piece * times,
    st.text(alphabet=st.sampled_from(["k", "~", "/", "\x1b", "é"]), min_size=1, max_size=3),
    st.integers(0, 300),
)


@SETTINGS
@given(st.lists(st.tuples(LONG_TEXT, LONG_TEXT, LONG_TEXT), min_size=1, max_size=3))
def test_no_finding_echoes_long_data(rows):
    """Keys and roles of any length: every message and pointer stays short."""
    records = []
    for key, role, message_key in rows:
        records.append(
            chat(
                {"role": role, "content": "a", message_key or "k": 1},
                {"role": role, "content": "b"},
                **{key: 1},
            )
        )
        records.append({key: 1, role: 2})
    result = ftdata.validate(records, keep_per_code=100)
    assert "FT900" not in result.by_code
    for finding in result.findings:
        # Two quotes of 40 characters, each escaped to at most 4 (\x1b), and the wording.
        assert len(finding.message) <= 500, finding.message
        assert len(finding.location.pointer) <= 200, finding.location.pointer  # ~1 doubles


def test_a_repeated_long_key_is_quoted_cut(tmp_path):
    line = f'{{"messages": [], "{BIG}": 1, "{BIG}": 2}}\n'
    (tmp_path / "a.jsonl").write_text(line)
    result = ftdata.validate(str(tmp_path / "a.jsonl"))
    found = [f for f in result.findings if f.code == "LD006"]
    assert found and len(found[0].message) < 200
    assert "3,000,000 characters" in found[0].message


def test_a_pointer_into_a_long_key_is_cut_and_short_keys_stay_exact(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [chat(user(**{BIG: 1, "name": 2}), assistant())])
    found = ftdata.validate(path).findings
    pointers = sorted(f.location.pointer for f in found if f.code == "CH005")
    assert pointers[0] == "/messages/0/" + "k" * 40 + "… (3,000,000 characters)"
    assert pointers[1] == "/messages/0/name"


def test_a_short_key_is_quoted_whole(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [chat(user(), assistant(), id=1)])
    [finding] = [f for f in ftdata.validate(path).findings if f.code == "SC003"]
    assert finding.message == "unexpected key 'id'"
    assert finding.location.pointer == "/id"


# Item 22: non-string roles and keys


@pytest.mark.parametrize("role", [["user"], {"a": 1}, {"role": "user"}, 1, 2.5, None, True])
def test_a_role_that_is_not_a_string_is_a_finding_not_a_crash(tmp_path, role):
    path = write_jsonl(tmp_path / "a.jsonl", [chat({"role": role, "content": "hi"}, assistant())])
    result = ftdata.validate(path)
    assert "FT900" not in result.by_code
    [finding] = [f for f in result.findings if f.code == "CH006"]
    assert finding.location.pointer == "/messages/0/role"


@SETTINGS
@given(
    st.lists(st.tuples(NOT_STRING, st.one_of(NOT_STRING, HOSTILE_TEXT)), min_size=1, max_size=4),
    st.one_of(
        st.integers(-3, 3),
        st.none(),
        st.booleans(),
        st.floats(allow_nan=False),
        st.tuples(st.integers()),
    ),
)
def test_non_string_roles_and_keys_in_memory_are_findings(rows, odd_key):
    """In-memory records may have keys of any hashable type and roles of any type."""
    records = []
    for role, value in rows:
        records.append(
            chat({"role": role, "content": "hi", odd_key: value}, assistant(), **{"x": value})
        )
        records.append({odd_key: value, "other": 1})
    records[0][odd_key] = role  # a non-string key beside "messages"
    result = ftdata.validate(records)
    assert "FT900" not in result.by_code
    assert result.rows == result.valid + result.invalid == len(records)
    assert_safe_reports(result)


# Item 26: memory under multi-megabyte keys

# The peak is read from VmHWM: ru_maxrss survives exec on Linux, so a child of a
# big pytest process would report the parent's size, not its own.
MEASURE = """
import re, sys
from ftdata.cli import main
code = main(sys.argv[1:])
status = open("/proc/self/status").read()
print(code, re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""
LINES, KEY_BYTES = 40, 2_500_000


def test_megabyte_keys_give_a_small_report_in_bounded_memory(tmp_path):
    """A scaled item 26 (40 lines of 2.5 MB keys, 100 MB): the report stays small and
    the peak memory does not grow with the file (it was ~4x the file: 450 MB here)."""
    data = tmp_path / "big.jsonl"
    with data.open("w") as stream:
        for index in range(LINES):
            key = f"{index}" + "k" * KEY_BYTES
            stream.write(json.dumps(chat(user(), assistant(), **{key: 1})) + "\n")
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            "validate",
            str(data),
            "--format",
            "json",
            "--output",
            str(report),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": _root()},
        timeout=300,
    )
    code, peak_kb = map(int, done.stdout.split())
    assert code == 1, done.stderr
    findings = json.loads(report.read_text())["findings"]
    assert sum(1 for f in findings if f["code"] == "SC003") == LINES
    assert report.stat().st_size < 100_000
    assert peak_kb < 150_000, f"peak RSS {peak_kb / 1024:.0f} MB for a 100 MB file"


def test_a_jsonl_batch_ends_at_its_byte_budget(tmp_path):
    from ftdata.sources.jsonl import JsonlSource

    path = write_jsonl(tmp_path / "a.jsonl", [chat(user("x" * 100), assistant())] * 5)
    source = JsonlSource(path, max_line_bytes=10**6, batch_bytes=150)
    sizes = [len(batch.values) for batch in source.batches()]
    assert sizes[:5] == [1, 1, 1, 1, 1] and sum(sizes) == 5


def test_an_example_with_thousands_of_keys_lists_ten(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{f"key{i}": i for i in range(5000)}])
    [finding] = [f for f in ftdata.validate(path).findings if f.code == "SC001"]
    assert len(finding.message) < 300
    assert finding.message.endswith("… (5,000 in all)} fit no task")


def test_table_column_names_are_listed_cut(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {
        "messages": pa.array(
            [[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]]
        )
    }
    columns.update({f"c{i}" + "x" * (100_000 if i == 0 else 0): pa.array([i]) for i in range(30)})
    pq.write_table(pa.table(columns), tmp_path / "t.parquet")
    [finding] = [
        f for f in ftdata.validate(str(tmp_path / "t.parquet")).findings if f.code == "SC007"
    ]
    assert len(finding.message) < 500
    assert "(100,002 characters)" in finding.message and "(30 in all)" in finding.message


def test_a_hostile_text_file_name_and_row_key_print_escaped(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    corpus = tmp_path / "corpus\x1b]0;t\x07"
    corpus.mkdir()
    (corpus / "doc\x9b2J.txt").write_text("")  # an empty document: a finding naming the file
    rows = [[{"role": "user", "content": "hi"}]]  # too few messages: a finding naming the key
    table = pa.table({"messages": rows, "id": ["\x1b]0;x\x07" + "i" * 5000]})
    pq.write_table(table, tmp_path / "t.parquet")
    result = ftdata.validate([str(corpus), str(tmp_path / "t.parquet")], id_column="id")
    keyed = [f for f in result.findings if f.location.key]
    assert keyed and all(len(f.location.key) < 1100 for f in keyed)
    assert any("doc\x9b2J" in f.location.source + (f.location.file or "") for f in result.findings)
    assert_safe_reports(result)
