"""Delta tables written with deltalake in temporary folders, read as sources."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ftdata
from ftdata.errors import SourceError, UsageError

deltalake = pytest.importorskip("deltalake")
write = deltalake.write_deltalake


def chat(user="Hi", assistant="Hello", role="assistant"):
    return [{"role": "user", "content": user}, {"role": role, "content": assistant}]


def chat_table(rows):
    kind = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    return pa.table({"messages": pa.array(rows, kind)})


def codes(result):
    return dict(result.by_code)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "ftdata", "validate", *args], capture_output=True, text=True
    )


@pytest.fixture
def versions(tmp_path):
    """v0: 3 good rows; v1: + 2 rows, one bad; v2: overwritten with 1 good row."""
    path = str(tmp_path / "t")
    write(path, chat_table([chat(f"q{i}") for i in range(3)]))
    time.sleep(0.05)
    write(path, chat_table([chat("q3"), chat("q4", role="user")]), mode="append")
    time.sleep(0.05)
    write(path, chat_table([chat("only")]), mode="overwrite")
    return path


def test_latest_version_and_time_travel(versions):
    latest = ftdata.validate(versions)
    assert latest.summary["rows"] == 1 and latest.ok
    assert latest.sources[0].kind == "delta"
    v1 = ftdata.validate(versions, version=1)
    assert v1.summary["rows"] == 5 and v1.by_code["CH011"] == 1
    (finding,) = [f for f in v1.findings if f.code == "CH011"]
    assert finding.location.version == 1 and finding.location.source == versions
    assert finding.location.pointer == "/messages/1/role"
    assert ftdata.validate(versions, version=0).summary["rows"] == 3


def test_timestamp_picks_the_version_current_then(versions):
    history = {h["version"]: h["timestamp"] for h in deltalake.DeltaTable(versions).history()}
    moment = datetime.fromtimestamp((history[1] + 1) / 1000, tz=UTC).isoformat()
    result = ftdata.validate(versions, timestamp=moment)
    assert result.summary["rows"] == 5
    assert {f.location.version for f in result.findings if f.location.row is not None} == {1}


def test_version_that_does_not_exist_is_an_error_naming_it(versions):
    with pytest.raises(SourceError, match="has no version 7.*latest version is 2"):
        ftdata.validate(versions, version=7)
    proc = run_cli(versions, "--version", "7")
    assert proc.returncode == 2 and "no version 7" in proc.stderr and "Traceback" not in proc.stderr


def test_version_and_timestamp_are_exclusive_and_need_a_delta_table(versions, tmp_path):
    with pytest.raises(UsageError):
        ftdata.validate(versions, version=1, timestamp="2020-01-01T00:00:00Z")
    plain = tmp_path / "a.jsonl"
    plain.write_text('{"prompt": "a", "response": "b"}\n')
    with pytest.raises(UsageError, match="Delta tables only"):
        ftdata.validate(str(plain), version=1)


def test_row_locator_finds_the_row_again(tmp_path):
    path = str(tmp_path / "t")
    write(path, chat_table([chat("a"), chat("b")]))
    write(path, chat_table([chat("c"), chat("d", role="user"), chat("e")]), mode="append")
    result = ftdata.validate(path)
    (finding,) = [f for f in result.findings if f.code == "CH011"]
    location = finding.location
    assert location.file.endswith(".parquet") and location.row == 1 and location.version == 1
    row = pq.read_table(f"{path}/{location.file}").slice(location.row, 1).to_pylist()[0]
    assert row["messages"][0]["content"] == "d"


def test_id_column_names_rows_and_is_not_an_extra_key(tmp_path):
    path = str(tmp_path / "t")
    table = chat_table([chat("a"), chat("b", role="user")]).append_column("id", pa.array([10, 11]))
    write(path, table)
    result = ftdata.validate(path, id_column="id")
    assert codes(result) == {"CH009": 1, "CH011": 1}  # user, user: repeated and not last
    assert {f.location.key for f in result.findings} == {"id=11"}
    proc = run_cli(path, "--id-column", "id")
    assert "[id=11]" in proc.stdout and proc.returncode == 1


def test_partitioned_table(tmp_path):
    path = str(tmp_path / "t")
    table = pa.table(
        {"lang": ["en", "de", "en"], "prompt": ["a", "b", ""], "response": ["x", "y", "z"]}
    )
    write(path, table, partition_by=["lang"])
    result = ftdata.validate(path)
    assert result.by_code["SC007"] == 1 and result.by_code["SC003"] == 3  # lang is extra
    selected = ftdata.validate(path, columns=["prompt", "response"])
    assert codes(selected) == {"PR004": 1}
    (finding,) = selected.findings
    assert finding.location.file.startswith("lang=en/") and finding.location.row == 1
    with_lang = ftdata.validate(path, profile="llm-foundry")
    assert with_lang.by_code["SC003"] == 3 and "SC007" not in with_lang.by_code


def test_column_mapping_is_read_through_the_scan(tmp_path):
    path = str(tmp_path / "t")
    table = chat_table([chat("a"), chat("b", role="user"), chat("c")])
    write(
        path,
        table.append_column("id", pa.array(["r1", "r2", "r3"])),
        configuration={"delta.columnMapping.mode": "name"},
    )
    files = deltalake.DeltaTable(path).file_uris()
    assert all(n.startswith("col-") for n in pq.read_schema(files[0]).names)  # really mapped
    result = ftdata.validate(path, columns=["messages"])
    assert codes(result) == {"CH009": 1, "CH011": 1, "LD014": 1}  # values, not silent nulls
    keyed = ftdata.validate(path, id_column="id")
    assert codes(keyed) == {"CH009": 1, "CH011": 1}
    assert {f.location.key for f in keyed.findings} == {"id=r2"}


def test_table_declaring_deletion_vectors_reads_only_live_rows(tmp_path):
    # deltalake cannot write a deletion vector (it rewrites the file), but the
    # table then declares the reader feature; the real-DV check is documented
    # in the report (delta-rs's table-with-dv-small, read through the scan).
    path = str(tmp_path / "t")
    rows = [chat(f"q{i}", role="user" if i < 3 else "assistant") for i in range(10)]
    write(
        path,
        chat_table(rows).append_column("id", pa.array(range(10))),
        configuration={"delta.enableDeletionVectors": "true"},
    )
    deltalake.DeltaTable(path).delete("id < 3")
    assert "deletionVectors" in (deltalake.DeltaTable(path).protocol().reader_features or [])
    result = ftdata.validate(path, id_column="id")
    assert result.summary["rows"] == 7 and result.ok


@pytest.mark.parametrize(
    "column, value, code",
    [
        ("messages", [json.dumps(chat())], "SC005"),
        ("messages", [[{"from": "human", "value": "hi"}]], "SC004"),
    ],
)
def test_wrong_chat_schemas(tmp_path, column, value, code):
    path = str(tmp_path / "t")
    write(path, pa.table({column: value}))
    result = ftdata.validate(path)
    assert result.by_code[code] == 1 and not result.ok
    table_level = [f for f in result.findings if f.code == code]
    assert table_level[0].location.row is None and table_level[0].hint


def test_instruction_schemas(tmp_path):
    cases = {
        "listy": ({"prompt": ["a"], "response": [["b"]]}, "SC006"),
        "qa": ({"question": ["a"], "answer": ["b"]}, "SC008"),
        "half": ({"prompt": ["a"], "extra": ["b"]}, "SC008"),
    }
    for name, (columns, code) in cases.items():
        path = str(tmp_path / name)
        write(path, pa.table(columns))
        assert code in ftdata.validate(path).by_code, name
    mapped = ftdata.validate(
        str(tmp_path / "qa"), rename={"prompt": "question", "response": "answer"}
    )
    assert mapped.ok and mapped.summary["rows"] == 1
    proc = run_cli(str(tmp_path / "qa"), "--map", "prompt=question,response=answer")
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(UsageError, match="no column 'nope'"):
        ftdata.validate(str(tmp_path / "qa"), columns=["nope"])


def test_deleted_data_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "t"
    write(str(path), chat_table([chat("a")]))
    write(str(path), chat_table([chat("b")]), mode="append")
    victim = sorted(path.glob("*.parquet"))[0]
    victim.unlink()
    with pytest.raises(SourceError, match=victim.name):
        ftdata.validate(str(path))
    proc = run_cli(str(path))
    assert proc.returncode == 2 and victim.name in proc.stderr


def test_truncated_data_file_is_an_error(tmp_path):
    path = tmp_path / "t"
    write(str(path), chat_table([chat("a")] * 50))
    victim = next(path.glob("*.parquet"))
    victim.write_bytes(victim.read_bytes()[:200])
    proc = run_cli(str(path))
    assert proc.returncode == 2 and victim.name in proc.stderr and "Traceback" not in proc.stderr


def test_rows_are_counted_against_the_log(tmp_path):
    path = tmp_path / "t"
    write(str(path), chat_table([chat("a"), chat("b")]))
    log = next((path / "_delta_log").glob("*.json"))
    log.write_text(log.read_text().replace('\\"numRecords\\":2', '\\"numRecords\\":3'))
    result = ftdata.validate(str(path))
    assert result.by_code.get("LD013") == 1 and not result.ok


def test_absent_or_empty_table(tmp_path):
    proc = run_cli(str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "nowhere" in proc.stderr
    (tmp_path / "empty" / "_delta_log").mkdir(parents=True)
    with pytest.raises(SourceError, match="empty"):
        ftdata.validate(str(tmp_path / "empty"))


def test_unsupported_reader_feature_is_refused(tmp_path, monkeypatch):
    from ftdata.sources import delta

    path = str(tmp_path / "t")
    write(path, chat_table([chat()]))
    monkeypatch.setattr(delta, "SCAN_FEATURES", frozenset())

    class Protocol:
        min_reader_version, reader_features = 3, ["typeWidening"]

    monkeypatch.setattr(deltalake.DeltaTable, "protocol", lambda self: Protocol())
    with pytest.raises(SourceError, match="typeWidening"):
        ftdata.validate(path)


def test_string_view_and_large_types_are_normalised(tmp_path):
    from ftdata.sources.normalise import canonical_type

    kind = pa.large_list(
        pa.field("item", pa.struct([("role", pa.string_view()), ("content", pa.large_string())]))
    )
    assert canonical_type(kind) == pa.list_(
        pa.field("element", pa.struct([("role", pa.string()), ("content", pa.string())]))
    )
    table = pa.table({"messages": pa.array([chat()], kind)})
    assert ftdata.validate(table).ok


def test_object_store_uri_passes_storage_options_through(monkeypatch):
    calls = []

    class Refuse(Exception):
        pass

    def fake_init(self, uri, version=None, storage_options=None, **kwargs):
        calls.append({"uri": uri, "version": version, "options": storage_options})
        raise Refuse("no network here")

    monkeypatch.setattr(deltalake.DeltaTable, "__init__", fake_init)
    options = {"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    with pytest.raises(SourceError, match="s3://bucket/train"):
        ftdata.validate("s3://bucket/train", version=3, storage_options=options)
    assert calls[0] == {"uri": "s3://bucket/train", "version": 3, "options": options}
    proc = run_cli(
        "s3://bucket/missing",
        "--storage-option",
        "AWS_REGION=eu-west-1",
        "--storage-option",
        "AWS_ENDPOINT_URL=http://127.0.0.1:9",
    )
    assert proc.returncode == 2 and "s3://bucket/missing" in proc.stderr
