"""Inputs are never read wrong without a word (issue 11, items 10-17).

Each test names the item it guards. Unreadable folders are ``chmod 000`` when
the tests run as another user than root; as root (who reads through it) the
folder listing is made to raise ``PermissionError`` for that path (``lock``).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib

import pytest

import ftdata
from ftdata.cli import main

GOOD = '{"prompt": "p%d", "response": "r"}'


def lines(count: int, start: int = 0) -> bytes:
    """``count`` distinct valid instruction lines."""
    return "".join(GOOD % i + "\n" for i in range(start, start + count)).encode()


def summary(result) -> tuple[int, int, int]:
    """(rows, valid, invalid)."""
    return result.rows, result.valid, result.invalid


# -- item 13: corrupt gzip is LD012 on the line reached, never an internal error -----------------


def _flipped_gzip(data: bytes, offset: int) -> bytes:
    packed = bytearray(gzip.compress(data))
    packed[offset] ^= 0xFF
    return bytes(packed)


@pytest.mark.parametrize("offset", [30, 200, 1000, -12, -6])
def test_corrupt_gzip_is_a_finding_not_an_internal_error(tmp_path, capsys, offset):
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(_flipped_gzip(lines(3000), offset))
    result = ftdata.validate(str(path))
    assert "LD012" in result.by_code
    found = [f for f in result.findings if f.code == "LD012"]
    assert found[0].location.line is not None and found[0].location.line >= 1
    assert result.rows == result.valid + result.invalid
    assert main(["validate", str(path)]) == 1
    assert "internal error" not in capsys.readouterr().err


def test_gzip_decompression_error_is_caught_where_the_stream_is_read():
    from ftdata.sources.lines import ReadFailure, iter_lines

    class Broken:
        def read(self, size):
            raise zlib.error("Error -3 while decompressing data: invalid code lengths set")

    with pytest.raises(ReadFailure) as caught:
        list(iter_lines(Broken(), 1000))
    assert caught.value.line == 1 and "Error -3" in caught.value.reason


# -- item 15: integers beyond 64 bits are valid JSON, read exactly -------------------------------


@pytest.mark.parametrize("digits", [20, 40, 309, 1000, 4300])
def test_big_integers_are_valid_json_and_read_exactly(tmp_path, digits):
    number = int("9" * digits)
    path = tmp_path / "d.jsonl"
    path.write_text(f'{{"prompt": "a", "response": "b", "n": {number:d}}}\n')
    result = ftdata.validate(str(path), ignore=["SC003"])
    assert not {"LD001", "LD004"} & set(result.by_code)
    assert summary(result) == (1, 1, 0)
    from ftdata.sources.jsonl import JsonlSource

    (batch,) = JsonlSource(str(path), max_line_bytes=1 << 20).batches()
    assert batch.values[0]["n"] == number  # not a float rounded by the fast parser


def test_integer_longer_than_python_reads_has_its_own_finding(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "response": "b", "n": %s}\n' % ("7" * 5000))
    result = ftdata.validate(str(path), ignore=["SC003"])
    assert "LD001" not in result.by_code
    (finding,) = [f for f in result.findings if f.location.line == 1]
    assert finding.code == "LD018" and "5,000 digits" in finding.message
    assert summary(result) == (1, 0, 1)


def test_digits_inside_strings_keep_their_value(tmp_path):
    record = {
        "prompt": "call 123456789012345678901234",
        "response": "ok",
    }
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(record) + "\n")
    from ftdata.sources.jsonl import JsonlSource

    (batch,) = JsonlSource(str(path), max_line_bytes=1 << 20).batches()
    assert batch.values == [record]


def test_nan_stays_invalid_when_the_line_also_has_long_digits(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "response": "b", "n": 123456789012345678901234, "x": NaN}\n')
    assert "LD005" in ftdata.validate(str(path)).by_code


# -- item 16: a line that never became an example is never valid --------------------------------


@pytest.mark.parametrize("select", [["CH013"], ["DS*"], ["SC001"]])
def test_selection_does_not_make_unparsed_lines_valid(tmp_path, select):
    path = tmp_path / "d.jsonl"
    path.write_bytes(lines(2) + b"not json\n[1, 2]\n" + b'{"unknown": 1}\n')
    full = ftdata.validate(str(path))
    selected = ftdata.validate(str(path), select=select)
    assert summary(full) == (5, 2, 3)
    assert summary(selected) == (5, 2, 3)


def test_selection_does_not_make_an_unreadable_document_valid(tmp_path, monkeypatch):
    from ftdata.sources import text

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("fine text\n")
    (corpus / "b.txt").write_text("never read\n")
    real = text.read_document

    def read(path):
        if path.name == "b.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(text, "read_document", read)
    for select in (None, ["TX*"]):
        result = ftdata.validate(str(corpus), select=select)
        assert summary(result) == (2, 1, 1)


# -- helpers for folders ------------------------------------------------------------------------


def run_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    """Run ``ftdata`` in a subprocess, with a timeout: a hang fails the test instead of the run."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "ftdata", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def report(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "internal error" not in proc.stderr
    return json.loads(proc.stdout)


# -- item 10: symbolic link loops are walked once -----------------------------------------------


def test_link_loop_in_a_folder_counts_each_file_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(lines(2))
    (data / "self").symlink_to(".")
    result = ftdata.validate(str(data))
    assert summary(result) == (2, 2, 0)
    assert "DS002" not in result.by_code
    (loop,) = [f for f in result.findings if f.code == "LD015"]
    assert "data/self" in loop.message and "loop" in loop.message
    assert loop.severity.label == "info"


@pytest.mark.parametrize(
    ("target", "rows"), [("data", 5), ("data/**/*.jsonl", 5), ("data/*/*.jsonl", 3), ("data/**", 5)]
)
def test_two_loops_neither_hang_nor_repeat_rows(tmp_path, target, rows):
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "a.jsonl").write_bytes(lines(2))
    (data / "sub" / "b.jsonl").write_bytes(lines(3, start=10))
    (data / "self").symlink_to(".")
    (data / "sub" / "up").symlink_to("..")
    proc = run_cli("validate", target, "--format", "json", cwd=tmp_path)
    found = report(proc)
    assert found["summary"]["rows"] == rows and found["summary"]["valid"] == rows
    assert "DS002" not in found["summary"]["by_code"]
    assert proc.returncode == 0


def test_a_second_link_to_a_file_reads_it_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(lines(2))
    (data / "b.jsonl").symlink_to("a.jsonl")
    result = ftdata.validate(str(data))
    assert summary(result) == (2, 2, 0) and "LD015" in result.by_code
    named = ftdata.validate([str(data / "a.jsonl"), str(data / "a.jsonl")])
    assert summary(named) == (2, 2, 0) and "LD015" in named.by_code


def test_link_loop_in_a_text_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("one document\n")
    (corpus / "again").symlink_to(".")
    (corpus / "knot").symlink_to("knot")  # a link to itself: ELOOP
    result = ftdata.validate(str(corpus))
    assert result.rows == 1
    assert result.by_code.get("LD015") == 2


def test_glob_keeps_globs_rules_for_hidden_names(tmp_path):
    from ftdata.sources.globs import expand

    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.jsonl").write_bytes(lines(1))
    (tmp_path / "seen").mkdir()
    (tmp_path / "seen" / "y.jsonl").write_bytes(lines(1))
    (tmp_path / ".z.jsonl").write_bytes(lines(1))
    found = expand(f"{tmp_path}/**/*.jsonl").paths
    assert found == [f"{tmp_path}/seen/y.jsonl"]
    assert expand(f"{tmp_path}/.*.jsonl").paths == [f"{tmp_path}/.z.jsonl"]
    assert expand(f"{tmp_path}/.hidden/*.jsonl").paths == [f"{tmp_path}/.hidden/x.jsonl"]


# -- item 11: an unreadable folder is a finding or a usage error naming it ----------------------
# Root reads through ``chmod 000``; switching the child to ``nobody`` is no way out here either,
# since the interpreter lives under /root (mode 700). So as root the folder listing raises
# PermissionError for the locked path, exactly as os.scandir does for another user.


@pytest.fixture
def lock(monkeypatch):
    """``lock(path)`` makes a folder unreadable: chmod 000, or as root a refusing listing."""
    from ftdata.sources import walk

    locked = []
    real = walk._listing

    def listing(path):
        if any(os.path.samefile(path, other) for other in locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(walk, "_listing", listing)

    def make(path):
        locked.append(path)
        if os.geteuid() != 0:
            os.chmod(path, 0)

    yield make
    for path in locked:
        os.chmod(path, 0o755)


@pytest.mark.parametrize("name", ["data", "data/**/*.jsonl"])
def test_unreadable_sub_folder_is_an_error_naming_it(tmp_path, monkeypatch, capsys, lock, name):
    data = tmp_path / "data"
    (data / "locked").mkdir(parents=True)
    (data / "a.jsonl").write_bytes(lines(2))
    (data / "locked" / "b.jsonl").write_bytes(lines(2, start=5))
    lock(data / "locked")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", name, "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    errors = [f for f in found["findings"] if f["code"] == "LD012"]
    assert errors and all("data/locked" in f["message"] for f in errors)
    assert found["summary"]["rows"] == 2


def test_unreadable_folder_named_is_a_usage_error(tmp_path, monkeypatch, capsys, lock):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(lines(2))
    lock(data)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "data"]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and "cannot read folder data" in err
    assert len(err.strip().splitlines()) == 1


# -- item 12: FIFOs and devices are never read --------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_in_a_folder_is_skipped_with_a_note(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(lines(2))
    os.mkfifo(data / "live.jsonl")
    proc = run_cli("validate", "data", "--format", "json", cwd=tmp_path)
    found = report(proc)
    assert proc.returncode == 0 and found["summary"]["rows"] == 2
    (note,) = [f for f in found["findings"] if f["code"] == "LD016"]
    assert "live.jsonl" in note["message"] and "FIFO" in note["message"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("how", ["named", "glob"])
def test_fifo_named_or_globbed_never_blocks(tmp_path, how):
    os.mkfifo(tmp_path / "live.jsonl")
    (tmp_path / "a.jsonl").write_bytes(lines(1))
    if how == "named":
        proc = run_cli("validate", "live.jsonl", cwd=tmp_path)
        assert proc.returncode == 2 and "not a regular file" in proc.stderr
        assert "live.jsonl" in proc.stderr
    else:
        found = report(run_cli("validate", "*.jsonl", "--format", "json", cwd=tmp_path))
        assert found["summary"]["rows"] == 1 and "LD016" in found["summary"]["by_code"]


def test_text_linked_to_a_device_is_skipped(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("a document\n")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    proc = run_cli("validate", "corpus", "--format", "json", cwd=tmp_path)
    found = report(proc)
    assert found["summary"]["rows"] == 1
    assert "LD016" in found["summary"]["by_code"]


# -- item 14: CR-only line ends are read as lines and named ---------------------------------------

CR_FILE = b'{"prompt": "a", "response": "b"}\r{"prompt": "c", "response": "d"}\rnot json\r'


def test_cr_only_file_is_split_at_cr_and_each_line_named(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(CR_FILE)
    result = ftdata.validate(str(path))
    assert "LD004" not in result.by_code
    assert {(f.location.line, f.code) for f in result.findings if f.code.startswith("LD")} == {
        (1, "LD017"),
        (2, "LD017"),
        (3, "LD001"),
    }
    assert "CR only" in result.findings[0].message
    assert summary(result) == (3, 0, 3)


def test_cr_only_lines_are_fine_for_llm_foundry(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(CR_FILE)
    result = ftdata.validate(str(path), profile="llm-foundry")
    assert "LD017" not in result.by_code and "LD004" not in result.by_code
    assert summary(result) == (3, 2, 1)


@pytest.mark.parametrize(
    "data",
    [
        b'{"prompt": "a", "response": "b"}\r\n{"prompt": "c", "response": "d"}\r\n',
        b'{"prompt": "a",\r "response": "b"}\n{"prompt": "c", "response": "d"}\n',
    ],
)
def test_crlf_and_cr_as_white_space_are_not_cr_line_ends(tmp_path, data):
    path = tmp_path / "d.jsonl"
    path.write_bytes(data)
    result = ftdata.validate(str(path))
    assert summary(result) == (2, 2, 0) and not result.by_code


def test_cr_line_ends_across_chunks(monkeypatch):
    import io

    from ftdata.sources import lines as lines_module

    monkeypatch.setattr(lines_module, "CHUNK_BYTES", 7)
    got = list(lines_module.iter_lines(io.BytesIO(CR_FILE), 1000))
    assert [(r.number, r.data, r.cr) for r in got] == [
        (1, b'{"prompt": "a", "response": "b"}', True),
        (2, b'{"prompt": "c", "response": "d"}', True),
        (3, b"not json", True),
    ]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 33, 34, 35])
@pytest.mark.parametrize(
    "data", [CR_FILE, CR_FILE.replace(b"\r", b"\r\n"), CR_FILE.replace(b"\r", b"\n")]
)
def test_line_ends_are_detected_whatever_the_chunking(monkeypatch, chunk, data):
    import io

    from ftdata.sources import lines as lines_module

    monkeypatch.setattr(lines_module, "CHUNK_BYTES", chunk)
    got = list(lines_module.iter_lines(io.BytesIO(data), 1000))
    assert [r.data.rstrip(b"\r") for r in got] == data.replace(b"\r\n", b"\n").replace(
        b"\r", b"\n"
    ).split(b"\n")[:-1]
    assert all(r.cr == (b"\n" not in data) for r in got)


# -- item 17: a damaged Delta table is an error or LD013, never a silent wrong read ------------


def _delta(path, *row_counts):
    """A table written in one commit per count (instruction rows), versions 0, 1, …"""
    import time

    import pyarrow as pa

    deltalake = pytest.importorskip("deltalake")
    start = 0
    for count in row_counts:
        rows = pa.table(
            {"prompt": [f"p{i}" for i in range(start, start + count)], "response": ["r"] * count}
        )
        deltalake.write_deltalake(str(path), rows, mode="append")
        start += count
        time.sleep(0.01)
    return str(path)


def _strip_stats(path):
    """Rewrite the log without per-file statistics (as some writers do)."""
    for commit in sorted((path / "_delta_log").glob("*.json")):
        actions = [json.loads(line) for line in commit.read_text().splitlines() if line.strip()]
        for action in actions:
            action.get("add", {}).pop("stats", None)
        commit.write_text("".join(json.dumps(a) + "\n" for a in actions))


def test_timestamp_before_the_first_commit_is_refused(tmp_path, capsys):
    from ftdata.errors import SourceError

    table = _delta(tmp_path / "t", 3, 2)
    with pytest.raises(SourceError, match="no version at 2001-01-01.*first commit .version 0"):
        ftdata.validate(table, timestamp="2001-01-01T00:00:00+00:00")
    assert main(["validate", table, "--timestamp", "2001-01-01T00:00:00Z"]) == 2
    assert "first commit" in capsys.readouterr().err
    assert ftdata.validate(table, timestamp="2999-01-01T00:00:00+00:00").rows == 5


def test_emptied_last_commit_is_refused(tmp_path):
    from ftdata.errors import SourceError

    table = _delta(tmp_path / "t", 3, 2)
    (tmp_path / "t" / "_delta_log" / f"{1:020d}.json").write_bytes(b"")
    with pytest.raises(SourceError, match=r"00000000000000000001\.json \(version 1\) is empty"):
        ftdata.validate(table)


def test_gap_in_the_log_is_one_sentence(tmp_path, capsys):
    table = _delta(tmp_path / "t", 3, 2, 1)
    (tmp_path / "t" / "_delta_log" / f"{1:020d}.json").unlink()
    assert main(["validate", table]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and len(err) < 200
    assert "gap" in err and "version 1" in err and "{" not in err


@pytest.mark.parametrize("stats", [True, False])
def test_data_file_replaced_by_a_smaller_valid_one_is_ld013(tmp_path, stats):
    import pyarrow as pa
    import pyarrow.parquet as pq

    deltalake = pytest.importorskip("deltalake")
    table = _delta(tmp_path / "t", 50, 2)
    if not stats:
        _strip_stats(tmp_path / "t")
    actions = pa.table(deltalake.DeltaTable(table).get_add_actions(flatten=False)).to_pylist()
    victim = max(actions, key=lambda a: a["size_bytes"])["path"]
    pq.write_table(pa.table({"prompt": ["x"], "response": ["y"]}), tmp_path / "t" / victim)
    result = ftdata.validate(table)
    assert not result.ok and "LD013" in result.by_code
    assert any(victim in f.message for f in result.findings if f.code == "LD013")


def test_brief_deltalake_errors_drop_rust_debug_output():
    from ftdata.sources.delta import _brief

    raw = (
        "Kernel error: Generic delta kernel error: Expected contiguous commit files, but "
        'found gap: ParsedLogPath { location: FileMeta { location: Url { scheme: "file" } } }'
    )
    assert _brief(Exception(raw)) == "Expected contiguous commit files, but found gap"


def test_parquet_folder_walk_reports_unreadable_and_reads_each_file_once(tmp_path, lock):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "parts"
    (folder / "locked").mkdir(parents=True)
    rows = pa.table({"prompt": ["a", "b"], "response": ["c", "d"]})
    pq.write_table(rows, folder / "part-0.parquet")
    pq.write_table(pa.table({"prompt": ["e"], "response": ["f"]}), folder / "locked" / "p.parquet")
    (folder / "again").symlink_to(".")
    lock(folder / "locked")
    result = ftdata.validate(str(folder))
    assert result.rows == 2 and "DS002" not in result.by_code
    assert "LD012" in result.by_code and "LD015" in result.by_code and not result.ok


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_prepare_never_opens_a_fifo_or_follows_a_loop_in_its_input(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(lines(5))
    os.mkfifo(data / "pipe.jsonl")
    (data / "self").symlink_to(".")
    proc = run_cli("prepare", "data", "--out", "out", "--format", "jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [entry["path"] for entry in manifest["inputs"]] == ["data/a.jsonl"]
    written = (tmp_path / "out" / "train").rglob("*.jsonl")
    assert sum(len(p.read_bytes().splitlines()) for p in written) == 5


def test_glob_does_not_walk_hidden_folders_it_cannot_match(tmp_path, monkeypatch, lock):
    (tmp_path / ".cache").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.jsonl").write_bytes(lines(2))
    lock(tmp_path / ".cache")  # would be LD012 if the walk went in
    monkeypatch.chdir(tmp_path)
    result = ftdata.validate("**/*.jsonl")
    assert summary(result) == (2, 2, 0) and not result.by_code


@pytest.mark.parametrize("order", [("data", "data"), ("data", "data/sub"), ("data/sub", "data")])
def test_a_folder_named_twice_or_inside_another_is_read_once(tmp_path, monkeypatch, order):
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "a.jsonl").write_bytes(lines(2))
    (tmp_path / "data" / "sub" / "b.jsonl").write_bytes(lines(3, start=2))
    monkeypatch.chdir(tmp_path)
    result = ftdata.validate(list(order))
    assert summary(result) == (5, 5, 0)
    assert set(result.by_code) == {"LD015"}


def test_dev_stdin_is_read_as_stdin_but_another_pipe_is_refused(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "ftdata", "validate", "/dev/stdin", "--format", "json"]
    proc = subprocess.run(
        command, input=lines(3).decode(), capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["rows"] == 3
    read, write = os.pipe()
    try:
        assert main(["validate", f"/dev/fd/{read}"]) == 2
    finally:
        os.close(read)
        os.close(write)


def test_spark_json_rows_read_big_integers_exactly_too():
    """The Spark executors parse JSON rows with the same functions as the JSONL source."""
    import pyarrow as pa

    from ftdata.config import Settings
    from ftdata.spark.partition import PartitionChecker, Spec, json_batch

    big = 10**30 + 7
    texts = [
        f'{{"prompt": "a", "response": "b", "n": {big:d}}}',
        '{"prompt": "a", "response": "b", "n": ' + "9" * 5000 + "}",
    ]
    spec = Spec(Settings(), None, None, None, "instruction", "t", json_column="json")
    piece = pa.RecordBatch.from_pydict({"json": texts})
    batch = json_batch(piece, spec, 0, PartitionChecker(spec, 0))
    assert batch.values == [{"prompt": "a", "response": "b", "n": big}]
    assert [p.rule.code for p in batch.problems] == ["LD018"]
