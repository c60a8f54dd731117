"""Known chunks found again by their hash: the same lines, and no scan where nothing changed."""

from __future__ import annotations

import io
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ftdata.incremental import chunker
from ftdata.incremental.chunker import TooLong, chunk_lines, cut_chunks
from ftdata.incremental.resync import Known, known_chunks
from ftdata.sources import lines as lines_module


def _lines_of(chunks) -> list:
    return [line for chunk in chunks for line in chunk_lines(chunk)]


def _expected(data: bytes, limit: int) -> list:
    found = data.split(b"\n")
    if found[-1] == b"":
        found.pop()
    return [TooLong(len(line)) if len(line) > limit else line for line in found]


def _known(data: bytes, limit: int) -> list[Known]:
    return [Known(c.digest, c.size, c.lines) for c in cut_chunks(io.BytesIO(data), limit)]


line_st = st.binary(max_size=30).map(lambda b: b.replace(b"\n", b" "))


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(line_st, max_size=40),
    edits=st.lists(st.tuples(st.integers(0, 40), line_st, st.booleans()), max_size=4),
    end=st.booleans(),
    block=st.sampled_from([2, 7, 64, 4096]),
    limit=st.sampled_from([3, 20, 1000]),
)
def test_the_lines_are_those_of_a_plain_read(before, edits, end, block, limit):
    old = b"\n".join(before) + (b"\n" if end else b"")
    lines = list(before)
    for at, line, insert in edits:
        if insert or not lines:
            lines.insert(min(at, len(lines)), line)
        else:
            lines[at % len(lines)] = line
    new = b"\n".join(lines) + (b"\n" if end else b"")
    saved = (lines_module.CHUNK_BYTES, chunker.TARGET_BYTES)
    lines_module.CHUNK_BYTES, chunker.TARGET_BYTES = block, 16
    try:
        known = _known(old, limit)
        chunks = list(known_chunks(io.BytesIO(new), limit, known, []))
    finally:
        lines_module.CHUNK_BYTES, chunker.TARGET_BYTES = saved
    assert _lines_of(chunks) == _expected(new, limit)
    assert sum(c.lines for c in chunks) == new.count(b"\n")
    assert sum(c.size for c in chunks) == len(new)


def test_only_the_edited_part_is_scanned(monkeypatch):
    rnd = random.Random(3)
    words = [b"alpha", b"beta", b"gamma", b"the", b"answer"]
    lines = [b" ".join(rnd.choice(words) for _ in range(rnd.randint(5, 60))) for _ in range(4000)]
    old = b"\n".join(lines) + b"\n"
    monkeypatch.setattr(chunker, "TARGET_BYTES", 8 << 10)
    monkeypatch.setattr(lines_module, "CHUNK_BYTES", 4096)  # blocks: what the cutter is fed
    known = _known(old, 1 << 20)
    assert len(known) > 50
    lines[2000] = lines[2000] + b" edited"
    new = b"\n".join(lines) + b"\n"
    fed: list[int] = []
    original = chunker.Cutter.feed

    def counted(self, block):
        fed.append(len(block))
        return original(self, block)

    monkeypatch.setattr(chunker.Cutter, "feed", counted)
    chunks = list(known_chunks(io.BytesIO(new), 1 << 20, known, []))
    assert _lines_of(chunks) == new.split(b"\n")[:-1]
    digests = {k.digest for k in known}
    assert sum(c.digest not in digests for c in chunks) <= 2
    assert 0 < sum(fed) < len(new) // 10  # a few chunks scanned, not the file


def test_a_read_failure_after_known_chunks_names_its_line():
    data = b"".join(b"line %d\n" % i for i in range(200))
    known = _known(data, 1000)

    class Failing(io.RawIOBase):
        def __init__(self):
            self.sent = 0

        def readable(self):
            return True

        def read(self, size=-1):  # short reads of 100 bytes, then the disk is gone
            if self.sent >= 700:
                raise OSError("disk gone")
            piece = data[self.sent : self.sent + 100]
            self.sent += len(piece)
            return piece

    chunks = list(known_chunks(Failing(), 1000, known, []))
    whole = data[:700].count(b"\n")
    assert chunks[-1].failure is not None and chunks[-1].failure[0] == whole + 1
    assert _lines_of(chunks) == data.split(b"\n")[:whole]
