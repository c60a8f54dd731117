"""Continued pre-training corpora: one document per .txt file, searched recursively."""

from __future__ import annotations

import ftdata
from ftdata.sources.text import describe_size


def make_corpus(root):
    (root / "deep" / "er").mkdir(parents=True)
    (root / "a.txt").write_text("First document.\n")
    (root / "deep" / "er" / "b.txt").write_text("Second document.\n")
    (root / "deep" / "notes.md").write_text("ignored")
    return root


def test_folder_is_searched_recursively_and_others_are_listed(tmp_path):
    result = ftdata.validate(str(make_corpus(tmp_path)), select=["TX", "DS"], ignore=["TX003"])
    assert result.rows == 2 and result.valid == 2
    assert [f.code for f in result.findings] == ["TX005"]
    assert result.sources[0].task == "pretraining"


def test_bad_utf8_names_its_line(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"ok line\nsecond\nthird caf\xe9\n")
    result = ftdata.validate(str(tmp_path), ignore=["TX003"])
    finding = next(f for f in result.findings if f.code == "TX001")
    assert finding.location.line == 3 and finding.location.source.endswith("a.txt")
    assert result.invalid == 1


def test_blank_document_is_a_warning(tmp_path):
    (tmp_path / "a.txt").write_text("  \n\n")
    (tmp_path / "b.txt").write_text("text")
    result = ftdata.validate(str(tmp_path), ignore=["TX003"])
    assert result.by_code == {"TX002": 1} and result.ok


def test_folder_without_txt_files(tmp_path):
    (tmp_path / "x.md").write_text("hello")
    result = ftdata.validate(str(tmp_path))
    assert {"TX004", "TX005", "DS001"} == set(result.by_code)
    assert not result.ok


def test_size_notes():
    assert describe_size(100_000_000) == ""
    assert "under" in describe_size(2_000)
    assert "over the recommended" in describe_size(300_000_000)
    assert "slowly" in describe_size(1_500_000_000)
    assert describe_size(0) == ""


def test_forced_pretraining_reads_a_jsonl_folder_as_text(tmp_path):
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / "b.txt").write_text("doc")
    result = ftdata.validate(str(tmp_path), task="pretraining", ignore=["TX003"])
    assert result.rows == 1 and result.by_code == {"TX005": 1}
