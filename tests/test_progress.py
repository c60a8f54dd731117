"""Progress on long runs: ticks from the library, a bar on a terminal, nothing otherwise."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from itertools import pairwise

import pytest
from conftest import ROOT, SAMPLE_DATA
from hypothesis import given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.progress import ProgressBar, Tick


def run_cli(args: list[str], terminal: bool, cwd=None) -> tuple[int, str, str]:
    """Run ``python -m ftdata ARGS`` with stderr on a pseudo-terminal (or a pipe)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100")
    cmd = [sys.executable, "-m", "ftdata", *args]
    if not terminal:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    # A new pseudo-terminal is 0 columns wide; give it a real size as a terminal window has.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    process = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=env, cwd=cwd
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = process.stdout.read().decode()
    process.stdout.close()
    return process.wait(timeout=120), out, b"".join(chunks).decode(errors="replace")


def test_validate_shows_a_bar_on_a_terminal():
    code, out, err = run_cli(["validate", str(SAMPLE_DATA)], terminal=True)
    assert code == 1 and "FAILED" in out
    total = sum(p.stat().st_size for p in (SAMPLE_DATA / "chat").glob("*.jsonl"))
    assert "ftdata validate" in err and "100%" in err and "B/s" in err
    assert "ftdata validate: done" in err and "source(s)" in err
    assert total > 0


def test_stats_shows_a_bar_on_a_terminal():
    code, out, err = run_cli(
        [
            "stats",
            str(SAMPLE_DATA / "instruction"),
            "--model",
            "mistralai/Mistral-7B-Instruct-v0.2",
        ],
        terminal=True,
    )
    assert "Tokens" in out and "ftdata stats: done" in err and "100%" in err


def test_prepare_shows_a_bar_on_a_terminal(tmp_path):
    code, out, err = run_cli(
        [
            "prepare",
            str(SAMPLE_DATA / "chat" / "support_good.jsonl"),
            "--out",
            str(tmp_path / "out"),
            "--format",
            "jsonl",
        ],
        terminal=True,
    )
    assert code == 0 and '"written"' in out
    assert "ftdata prepare: done: 100%" in err and "B/s" in err


@pytest.mark.parametrize(
    "args", [["validate", str(SAMPLE_DATA)], ["validate", str(SAMPLE_DATA), "--quiet"]]
)
def test_no_bar_without_a_terminal_or_with_quiet(args):
    code, out, err = run_cli(args, terminal="--quiet" in args)
    assert code == 1 and "FAILED" in out
    assert err == ""


def test_ticks_count_bytes_of_plain_files_up_to_their_size():
    ticks: list[Tick] = []
    ftdata.validate(str(SAMPLE_DATA), progress=ticks.append)
    sizes = sum(
        p.stat().st_size
        for p in SAMPLE_DATA.rglob("*")
        if p.is_file() and p.suffix in (".jsonl", ".txt")
    )
    assert {t.unit for t in ticks} == {"B"} and ticks[-1].total == ticks[-1].done == sizes
    assert all(a.done <= b.done for a, b in pairwise(ticks))


def test_ticks_count_rows_of_in_memory_examples():
    ticks: list[Tick] = []
    result = ftdata.validate([{"prompt": "a", "response": "b"}] * 5, progress=ticks.append)
    assert ticks[-1] == Tick(ticks[-1].source, result.rows, None, "rows")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b'{"prompt": "a", "response": "b"}',
                b"",
                b"  ",
                b"{bad",
                b'{"messages": []}',
                '{"prompt": "\u00e9"}'.encode(),
            ]
        ),
        max_size=30,
    ),
    st.booleans(),
)
def test_bytes_done_end_at_the_file_size(tmp_path_factory, lines, final_newline):
    path = tmp_path_factory.mktemp("p") / "data.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if final_newline and lines else b""))
    ticks: list[Tick] = []
    ftdata.validate(str(path), progress=ticks.append)
    assert ticks and ticks[-1].done == ticks[-1].total == path.stat().st_size
    assert all(a.done <= b.done for a, b in pairwise(ticks))


def test_bar_escapes_control_characters_in_source_names(tmp_path):
    class Stream:
        text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    stream = Stream()
    bar = ProgressBar("validate", stream)
    bar(Tick("evil\x1b[2Jname.jsonl", 10, 20, "B"))
    bar.close()
    assert "\x1b[2J" not in stream.text and "evil\\x1b[2Jname.jsonl" in stream.text
