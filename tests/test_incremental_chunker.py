"""Content-defined chunks: every line kept exactly once, and an edit changes only its chunk."""

from __future__ import annotations

import io
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ftdata.incremental import chunker
from ftdata.incremental.chunker import TooLong, chunk_lines, cut_chunks
from ftdata.sources import lines as lines_module

lines_st = st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" ")), max_size=30)


def expected(data: bytes, limit: int) -> list:
    """The lines a plain read gives: bytes, or the size of a line over the limit."""
    found = data.split(b"\n")
    if found[-1] == b"":
        found.pop()
    return [TooLong(len(line)) if len(line) > limit else line for line in found]


def read_back(data: bytes, line_limit: int, **kwargs) -> list:
    chunks = list(cut_chunks(io.BytesIO(data), line_limit, **kwargs))
    assert sum(c.lines for c in chunks) == data.count(b"\n")
    return [line for chunk in chunks for line in chunk_lines(chunk)]


@settings(max_examples=300, deadline=None)
@given(
    lines=lines_st,
    end=st.booleans(),
    limit=st.sampled_from([1, 4, 16, 1000]),
    block=st.sampled_from([1, 3, 7, 64]),
    target=st.sampled_from([8, 32, 1 << 20]),
)
def test_every_line_comes_back_once_in_order(lines, end, limit, block, target):
    data = b"\n".join(lines) + (b"\n" if end and lines else b"")
    saved = lines_module.CHUNK_BYTES
    lines_module.CHUNK_BYTES = block  # lines across many reads
    try:
        assert read_back(data, limit, target=target, limit=64) == expected(data, limit)
    finally:
        lines_module.CHUNK_BYTES = saved


def _corpus(count: int, seed: int = 7) -> list[bytes]:
    rnd = random.Random(seed)
    words = [b"alpha", b"beta", b"gamma", b"delta", b"the", b"model", b"answer"]
    return [
        b'{"messages": [{"role": "user", "content": "'
        + b" ".join(rnd.choice(words) for _ in range(rnd.randint(5, 200)))
        + b'"}]}'
        for _ in range(count)
    ]


def _digests(lines: list[bytes]) -> list[bytes]:
    data = b"\n".join(lines) + b"\n"
    return [c.digest for c in cut_chunks(io.BytesIO(data), 1 << 20, target=16 << 10)]


def test_an_edit_changes_the_chunks_around_it_only():
    lines = _corpus(3000)
    before = _digests(lines)
    assert len(before) > 20  # chunks of ~16 KB over ~1.9 MB
    for edit in ("change", "insert", "delete"):
        edited = list(lines)
        middle = len(edited) // 2
        if edit == "change":
            edited[middle] = edited[middle].replace(b"the", b"THE", 1) + b" "
        elif edit == "insert":
            edited.insert(middle, b'{"prompt": "new", "response": "line"}')
        else:
            del edited[middle]
        after = _digests(edited)
        new = [d for d in after if d not in set(before)]
        assert 1 <= len(new) <= 2, edit
        assert abs(len(after) - len(before)) <= 1


def test_a_too_long_line_is_never_held(monkeypatch):
    monkeypatch.setattr(lines_module, "CHUNK_BYTES", 1000)
    data = b"a\n" + b"x" * 50_000 + b"\nb\n"
    chunks = list(cut_chunks(io.BytesIO(data), 100, target=1 << 20))
    held = sum(len(p) for c in chunks for p in c.parts if not isinstance(p, TooLong))
    assert held == 4  # "a\n" and "b\n"
    assert [line for c in chunks for line in chunk_lines(c)] == [b"a", TooLong(50_000), b"b"]


def test_a_read_failure_keeps_the_whole_lines_read():
    class Failing(io.RawIOBase):
        def __init__(self):
            self.sent = False

        def readable(self):
            return True

        def read(self, size=-1):
            if not self.sent:
                self.sent = True
                return b"one\ntwo\npart"
            raise OSError("disk gone")

    chunks = list(cut_chunks(Failing(), 1000))
    assert chunks[-1].failure is not None and chunks[-1].failure[0] == 3
    assert [line for c in chunks for line in chunk_lines(c)] == [b"one", b"two"]


def test_default_sizes_are_read_when_called(monkeypatch):
    monkeypatch.setattr(chunker, "TARGET_BYTES", 8)
    data = b"\n".join(_corpus(50)) + b"\n"
    assert len(list(cut_chunks(io.BytesIO(data), 1 << 20))) > 10
