"""prepare never loses data and never reports an unusable output as success (issue 11, items 1-9).

Each test names the item it pins. The race, kill and signal tests run real
processes; the property test at the end drives prepare over arbitrary
pre-existing ``--out`` contents.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prepare_data import MISTRAL, chats, corpus, instructions, tree_bytes, write

from ftdata import prepare
from ftdata.cli import main
from ftdata.errors import FtdataError, UsageError

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def leftovers(out: Path) -> list[str]:
    """Hidden siblings a run of ``out`` may leave (temporary or old folders)."""
    return sorted(p.name for p in out.parent.glob(f".{out.name}.ftdata-*"))


def assert_consistent(out: Path) -> dict:
    """``out`` holds exactly the files its manifest lists, with the sizes and hashes it states."""
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = {k: v for k, v in tree_bytes(out).items() if k != "manifest.json"}
    assert set(on_disk) == set(manifest["files"])
    for name, data in on_disk.items():
        assert len(data) == manifest["files"][name]["bytes"]
    for shard in manifest["shards"]:
        assert hashlib.sha256(on_disk[shard["path"]]).hexdigest() == shard["sha256"]
    return manifest


# -- item 8: --format jsonl never mixes tasks -----------------------------------------------

def test_jsonl_refuses_chat_and_instruction_in_one_output(tmp_path, capsys):
    first = write(tmp_path / "c.jsonl", chats(4))
    second = write(tmp_path / "q.jsonl", instructions(4))
    out = tmp_path / "out"
    assert main(["prepare", str(first), str(second), "--out", str(out), "--format", "jsonl",
                 "-q"]) == 2
    assert "its own --out" in capsys.readouterr().err
    assert not out.exists() and not leftovers(out)


@given(st.lists(st.sampled_from(["chat", "response", "completion"]), min_size=1, max_size=6))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_jsonl_output_always_validates_clean(tmp_path_factory, kinds):
    """Whatever mix of one task's shapes goes in, the upload-ready files come out clean."""
    from ftdata import validate

    folder = tmp_path_factory.mktemp("mix")
    shapes = {"chat": lambda i: chats(i + 1)[i],
              "response": lambda i: instructions(i + 1)[i],
              "completion": lambda i: {"prompt": f"P{i}", "completion": f"C{i}"}}
    sources = [write(folder / f"{n}.jsonl", [shapes[kind](n)]) for n, kind in enumerate(kinds)]
    try:
        done = prepare([str(s) for s in sources], out=folder / "out", format="jsonl")
    except UsageError as exc:
        assert "chat" in kinds and len(set(kinds)) > 1 and "own --out" in str(exc)
        return
    files = sorted((folder / "out" / "train").glob("*.jsonl"))
    result = validate([str(f) for f in files])
    assert result.summary["errors"] == 0 and result.rows == done.manifest["examples"]["written"]


# -- item 9: one default file size -----------------------------------------------------------

def test_library_and_cli_share_one_default_file_size(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(3))
    library = prepare(data, out=tmp_path / "lib", format="jsonl")
    assert main(["prepare", str(data), "--out", str(tmp_path / "cli"), "--format", "jsonl",
                 "-q"]) == 0
    cli = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    assert library.manifest["options"]["file_bytes"] == cli["options"]["file_bytes"] == 256_000_000
