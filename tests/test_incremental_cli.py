"""The command line caches by default; --cache-dir, cache-dir and --no-cache choose."""

from __future__ import annotations

from test_cli import BAD, GOOD, run

from ftdata.incremental.store import FOLDER


def entries(folder):
    return sorted(p.name for p in (folder / FOLDER).rglob("*") if p.is_file())


def test_the_default_folder_is_used_and_the_report_is_the_same(
    jsonl, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTDATA_CACHE_DIR", str(tmp_path / "default"))
    data = str(jsonl([GOOD, BAD, GOOD]))
    first = run(["validate", data, "--format", "json"], capsys)
    assert entries(tmp_path / "default")
    assert run(["validate", data, "--format", "json"], capsys) == first
    assert run(["validate", data, "--format", "json", "--no-cache"], capsys) == first
    assert first[0] == 1


def test_no_cache_reads_and_writes_nothing(jsonl, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTDATA_CACHE_DIR", str(tmp_path / "default"))
    run(["validate", str(jsonl([GOOD])), "--no-cache"], capsys)
    assert not (tmp_path / "default").exists()


def test_cache_dir_flag_and_config_key(jsonl, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTDATA_CACHE_DIR", str(tmp_path / "default"))
    data = str(jsonl([GOOD]))
    run(["validate", data, "--cache-dir", str(tmp_path / "flag")], capsys)
    assert entries(tmp_path / "flag") and not (tmp_path / "default").exists()
    (tmp_path / "pyproject.toml").write_text(f'[tool.ftdata]\ncache-dir = "{tmp_path / "cfg"}"\n')
    run(["validate", data], capsys)
    assert entries(tmp_path / "cfg") and not (tmp_path / "default").exists()


def test_a_folder_that_cannot_be_written_changes_nothing_but_speed(
    jsonl, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    data = str(jsonl([GOOD, BAD]))
    cold = run(["validate", data, "--no-cache"], capsys)
    assert run(["validate", data, "--cache-dir", str(blocked)], capsys) == cold
    assert blocked.read_text() == "not a folder"


def test_the_flags_exclude_each_other(jsonl, capsys, tmp_path):
    code, _, err = run(
        ["validate", str(jsonl([GOOD])), "--no-cache", "--cache-dir", str(tmp_path)], capsys
    )
    assert code == 2 and "not allowed with" in err
