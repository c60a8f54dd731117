"""Property tests: hostile folders and corrupt streams never crash, hang or count a row twice.

Generated folder trees mix JSONL and text files with symbolic link loops, links
to files already walked, broken links, FIFOs, a link to ``/dev/zero`` and
unreadable sub-folders (a listing that raises ``PermissionError``, since root
reads through ``chmod 000``). Every run must end (an alarm fails a hang) with
an exit code in {0, 1, 2}, no "internal error", ``rows == valid + invalid``,
and each real file read at most once.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.cli import main
from ftdata.sources import walk
from ftdata.sources.resolve import open_sources

FOLDERS = ["", "a", "a/b", "c", ".hidden"]
KINDS = [
    "jsonl",
    "jsonl",
    "txt",
    "other",
    "gz",
    "fifo",
    "loop_root",
    "loop_parent",
    "link_file",
    "link_folder",
    "broken",
    "self_link",
    "dev_zero",
    "lock",
    "lock_file",
    "lock_text",
]
ENTRY = st.tuples(st.sampled_from(range(len(FOLDERS))), st.sampled_from(KINDS), st.integers(0, 3))
TARGETS = ["data", "data/**/*.jsonl", "data/*", "data/**", "data/a/*.jsonl", "data/**/*.txt"]
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@contextmanager
def alarm(seconds: int):
    """Fail instead of hanging (a FIFO opened, a loop followed for ever)."""

    def ring(signum, frame):
        raise TimeoutError(f"the run took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class Tree:
    """A generated folder under a fresh temporary directory, with unique rows."""

    def __init__(self, entries) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="ftdata-fuzz-"))
        self.root = self.base / "data"
        self.locked: list[Path] = []  # folders that cannot be listed
        self.sealed: list[Path] = []  # files that cannot be opened
        self.next_row = 0
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        for number, (where, kind, size) in enumerate(entries):
            self.add(self.root / FOLDERS[where], f"e{number}", kind, size)

    def rows(self, count: int) -> bytes:
        start, self.next_row = self.next_row, self.next_row + count
        return "".join(
            json.dumps({"prompt": f"p{i}", "response": "r"}) + "\n"
            for i in range(start, start + count)
        ).encode()

    def add(self, folder: Path, name: str, kind: str, size: int) -> None:
        path = folder / name
        if kind == "jsonl":
            path.with_suffix(".jsonl").write_bytes(self.rows(size))
        elif kind == "txt":
            path.with_suffix(".txt").write_text(f"document {name}\n" * (size + 1))
        elif kind == "other":
            path.with_suffix(".md").write_text("notes\n")
        elif kind == "gz":
            packed = bytearray(gzip.compress(self.rows(size + 40)))
            packed[min(len(packed) - 1, 20 + 13 * size)] ^= 0x5A
            path.with_suffix(".jsonl.gz").write_bytes(bytes(packed))
        elif kind == "fifo":
            os.mkfifo(path.with_suffix(".jsonl"))
        elif kind == "loop_root":
            path.symlink_to(self.root, target_is_directory=True)
        elif kind == "loop_parent":
            path.symlink_to("..", target_is_directory=True)
        elif kind == "link_file":  # a second name for a file with rows, elsewhere in the tree
            target = self.root / "c" / f"{name}-target.jsonl"
            target.write_bytes(self.rows(size + 1))
            path.with_suffix(".jsonl").symlink_to(target)
        elif kind == "link_folder":
            path.symlink_to(self.root / "a", target_is_directory=True)
        elif kind == "broken":
            path.with_suffix(".jsonl").symlink_to(folder / "missing")
        elif kind == "self_link":
            path.with_suffix(".txt").symlink_to(path.with_suffix(".txt"))
        elif kind == "dev_zero":
            path.with_suffix(".txt").symlink_to("/dev/zero")
        elif kind in ("lock_file", "lock_text"):
            suffix = ".jsonl" if kind == "lock_file" else ".txt"
            path.with_suffix(suffix).write_bytes(self.rows(size + 1))
            self.sealed.append(path.with_suffix(suffix))
        elif kind == "lock":
            path.mkdir()
            (path / "hidden.jsonl").write_bytes(self.rows(size + 1))
            self.locked.append(path)

    def remove(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def locked_listing(monkeypatch):
    """``(folders, files)``: they refuse to be listed or opened, as ``chmod 000`` does."""
    from ftdata.incremental import jsonl as cached_jsonl
    from ftdata.sources import jsonl, text

    locked: list[Path] = []
    sealed: list[Path] = []

    def refusing(real, barred):
        def call(path, *args, **kwargs):
            if any(os.path.realpath(path) == os.path.realpath(other) for other in barred):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(walk, "_listing", refusing(walk._listing, locked))
    monkeypatch.setattr(jsonl, "open_binary", refusing(jsonl.open_binary, sealed))
    # The command line reads JSONL through the incremental cache, which opens files itself.
    monkeypatch.setattr(cached_jsonl, "open_binary", refusing(cached_jsonl.open_binary, sealed))
    monkeypatch.setattr(text, "read_document", refusing(text.read_document, sealed))
    return locked, sealed


def read_files(sources) -> list[str]:
    """The real path of every file the sources will read (JSONL files and documents)."""
    real = []
    for source in sources:
        if source.kind == "jsonl":
            real.append(os.path.realpath(source.path))
        elif source.kind == "text":
            real.extend(os.path.realpath(f) for f in source.files)
    return real


@SETTINGS
@given(entries=st.lists(ENTRY, max_size=14), target=st.sampled_from(TARGETS))
@example(entries=[(0, "other", 0)], target="data/*")  # a glob matching a note: read as JSONL
@example(entries=[(0, "lock_file", 0)], target="data")  # read through the cache (CLI default)
def test_hostile_folders_end_cleanly_and_read_each_file_once(
    locked_listing, capsys, entries, target
):
    tree = Tree(entries)
    locked_listing[0][:] = tree.locked
    locked_listing[1][:] = tree.sealed
    cwd = os.getcwd()
    os.chdir(tree.base)
    try:
        with alarm(20):
            code = main(["validate", target, "--format", "json"])
            captured = capsys.readouterr()
            assert code in (0, 1, 2)
            assert "internal error" not in captured.err
            if code == 2:
                assert len(captured.err.strip().splitlines()) == 1
                return
            found = json.loads(captured.out)
            total = found["summary"]
            assert total["rows"] == total["valid"] + total["invalid"]
            assert "DS002" not in total["by_code"]  # every generated row is unique
            # A glob names every match: a one-line .md note it matches is read as JSONL too.
            named = len(list(tree.root.rglob("*.txt"))) + len(list(tree.root.rglob("*.md")))
            assert total["rows"] <= tree.next_row + named
            for source in found["sources"]:
                assert source["rows"] == source["valid"] + source["invalid"]
            files = read_files(open_sources(target, task=None, max_line_bytes=1 << 20))
            assert len(files) == len(set(files))
            if (tree.locked or tree.sealed) and target == "data":  # rows missing: never clean
                assert "LD012" in total["by_code"] and code == 1
    finally:
        os.chdir(cwd)
        tree.remove()


@SETTINGS
@given(
    count=st.integers(1, 400),
    damage=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_corrupt_gzip_is_a_finding_on_a_line(tmp_path, capsys, count, damage, cut):
    data = "".join(
        json.dumps({"prompt": f"p{i}", "response": "r" * (1 + i % 7)}) + "\n" for i in range(count)
    ).encode()
    packed = bytearray(gzip.compress(data))
    for offset, mask in damage:
        packed[offset % len(packed)] ^= mask
    if cut is not None:
        packed = packed[: cut % (len(packed) + 1)]
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(bytes(packed))
    with alarm(20):
        result = ftdata.validate(str(path))
        assert result.rows == result.valid + result.invalid
        assert result.rows <= count + 1
        if _decompresses_to(bytes(packed), data):
            assert result.ok and result.rows == count
        else:
            assert not result.ok
        assert main(["validate", str(path)]) in (0, 1)
        assert "internal error" not in capsys.readouterr().err


def _decompresses_to(packed: bytes, data: bytes) -> bool:
    try:
        return gzip.decompress(packed) == data
    except (OSError, EOFError, zlib.error):
        return False
