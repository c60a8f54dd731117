"""prepare is deterministic, atomic, idempotent, and refuses folders it did not write."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT
from prepare_data import DBRX, MISTRAL, chats, corpus, instructions, tree_bytes, write

from ftdata import prepare
from ftdata.cli import main
from ftdata.errors import UsageError


@pytest.mark.parametrize("fmt", ["mds", "parquet", "jsonl"])
def test_two_runs_give_identical_bytes(tmp_path, fmt):
    data = write(tmp_path / "c.jsonl", chats(60))
    options = {"format": fmt, "model": DBRX, "eval_fraction": 0.2, "seed": 3, "shard_bytes": 4096}
    prepare(data, out=tmp_path / "a", **options)
    prepare(data, out=tmp_path / "b", **options)
    first, second = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert first.keys() == second.keys() and len(first) > 2
    differing = [name for name in first if first[name] != second[name]]
    # The manifest names its --out folder nowhere, so even it is identical.
    assert differing == []


def test_pretraining_runs_are_identical(tmp_path):
    folder = corpus(tmp_path / "docs")
    for out in ("a", "b"):
        prepare(folder, out=tmp_path / out, model=MISTRAL, context_length=64)
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")


KILL_AFTER_FIRST_SHARD = """
import os, signal, sys
from ftdata.writers import mds
original = mds.MDSWriter._store
def store_then_die(self, raw, count):
    original(self, raw, count)
    os.kill(os.getpid(), signal.SIGKILL)  # as if the machine went away mid-run
mds.MDSWriter._store = store_then_die
from ftdata import prepare
prepare(sys.argv[1], out=sys.argv[2], model=sys.argv[3], shard_bytes=4096)
"""


def test_a_run_killed_after_the_first_shard_leaves_nothing_that_looks_finished(tmp_path):
    data = write(tmp_path / "c.jsonl", chats(80))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_FIRST_SHARD, str(data), str(out), DBRX],
        cwd=ROOT,
        capture_output=True,
    )
    assert proc.returncode == -9
    assert not out.exists()  # no output folder at all, let alone a manifest
    leftovers = list(tmp_path.glob(".out.ftdata-tmp-*"))
    assert leftovers and not (leftovers[0] / "manifest.json").exists()
    done = prepare(data, out=out, model=DBRX, shard_bytes=4096)  # the rerun cleans up and writes
    assert done.written and not list(tmp_path.glob(".out.ftdata-tmp-*"))
    assert len(done.manifest["shards"]) > 1


def test_rerun_skips_force_redoes_and_changes_refuse(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(10))
    out = tmp_path / "out"
    first = prepare(data, out=out, format="jsonl")
    assert first.status == "written"
    before = (out / "manifest.json").stat().st_mtime_ns
    again = prepare(data, out=out, format="jsonl")
    assert again.status == "skipped" and again.result is None
    assert (out / "manifest.json").stat().st_mtime_ns == before
    with pytest.raises(UsageError, match="--force"):
        prepare(data, out=out, format="jsonl", seed=9)  # other options: not silently replaced
    forced = prepare(data, out=out, format="jsonl", seed=9, force=True)
    assert forced.status == "written" and forced.manifest["options"]["seed"] == 9
    assert not list(tmp_path.glob(".out.ftdata-*"))


def test_a_foreign_non_empty_out_is_refused_even_with_force(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(3))
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    for force in (False, True):
        with pytest.raises(UsageError, match="not written by ftdata"):
            prepare(data, out=out, format="jsonl", force=force)
    assert (out / "notes.txt").read_text() == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert prepare(data, out=empty, format="jsonl").written


def test_strict_writes_nothing_when_an_error_exists(tmp_path, capsys):
    data = write(tmp_path / "q.jsonl", instructions(5) + ['{"prompt": 3, "response": "x"}'])
    out = tmp_path / "out"
    done = prepare(data, out=out, format="jsonl", strict=True)
    assert done.status == "refused" and not out.exists()
    assert not list(tmp_path.glob(".out.ftdata-*"))
    assert (
        main(["prepare", str(data), "--out", str(out), "--format", "jsonl", "--strict", "-q"]) == 1
    )
    assert not out.exists()
    assert main(["prepare", str(data), "--out", str(out), "--format", "jsonl", "-q"]) == 0
    assert (out / "manifest.json").exists()
    assert main(["prepare", str(data), "--out", str(out), "--format", "jsonl", "-q"]) == 0
    assert "already prepared" in capsys.readouterr().out


def test_cli_usage_errors_exit_2_and_no_progress_off_a_terminal(tmp_path, capsys):
    data = write(tmp_path / "c.jsonl", chats(2))
    assert main(["prepare", str(data), "--out", str(tmp_path / "o"), "--format", "mds"]) == 2
    assert "--model" in capsys.readouterr().err
    assert (
        main(
            ["prepare", str(data), "--out", str(tmp_path / "o"), "--format", "mds", "--no-tokenize"]
        )
        == 0
    )
    assert "examples" not in capsys.readouterr().err  # stderr is not a TTY here: no bar
