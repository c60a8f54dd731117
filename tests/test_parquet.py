"""Parquet files, folders and globs as table sources."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ftdata
from ftdata.errors import SourceError


def instruction(rows):
    return pa.table({"prompt": [r[0] for r in rows], "response": [r[1] for r in rows]})


def test_file_findings_name_the_row(tmp_path):
    path = tmp_path / "train.parquet"
    pq.write_table(instruction([("a", "b"), ("c", " "), ("e", "f")]), path)
    result = ftdata.validate(str(path))
    (finding,) = result.findings
    assert finding.code == "PR005" and finding.location.row == 1
    assert finding.location.source == str(path) and result.sources[0].kind == "parquet"


def test_folder_is_one_source_and_names_the_part_file(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    pq.write_table(instruction([("a", "b")]), folder / "part-0.parquet")
    pq.write_table(instruction([("c", "d"), ("", "x")]), folder / "part-1.parquet")
    (folder / "_SUCCESS").write_text("")
    result = ftdata.validate(str(folder))
    assert len(result.sources) == 1 and result.summary["rows"] == 3
    (finding,) = result.findings
    assert (finding.location.file, finding.location.row) == ("part-1.parquet", 1)


def test_glob_reads_each_file(tmp_path):
    for i in range(2):
        pq.write_table(instruction([("a", str(i))]), tmp_path / f"{i}.parquet")
    result = ftdata.validate(str(tmp_path / "*.parquet"))
    assert len(result.sources) == 2 and result.ok


def test_folder_with_mixed_schemas_is_an_error(tmp_path):
    pq.write_table(instruction([("a", "b")]), tmp_path / "a.parquet")
    pq.write_table(pa.table({"messages": ["x"]}), tmp_path / "b.parquet")
    with pytest.raises(SourceError, match="another schema"):
        ftdata.validate(str(tmp_path))


def test_corrupt_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 not really")
    proc = subprocess.run(
        [sys.executable, "-m", "ftdata", "validate", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "bad.parquet" in proc.stderr


def test_columns_and_map(tmp_path):
    path = tmp_path / "qa.parquet"
    pq.write_table(pa.table({"id": [1], "question": ["q"], "answer": ["a"]}), path)
    assert "SC008" in ftdata.validate(str(path)).by_code
    result = ftdata.validate(
        str(path),
        columns=["question", "answer"],
        rename={"prompt": "question", "response": "answer"},
    )
    assert result.ok and result.summary["rows"] == 1
