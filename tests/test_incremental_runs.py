"""A warm run (after edits) reports exactly what a run without the cache reports."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.incremental import chunker
from ftdata.incremental.store import FOLDER

CHAT = (
    '{"messages": [{"role": "user", "content": "%s"}, {"role": "assistant", "content": "ok %s"}]}'
)
LINES = [
    *(CHAT % (f"question {i}", i) for i in range(12)),
    CHAT % ("question 1", 1),  # a copy of an earlier line (DS002)
    '{"prompt": "2+2?", "response": "4"}',
    '{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]},'
    ' {"role": "assistant", "content": "yo"}]}',
    '{"messages": [{"role": "user", "content": [{"text": "hi", "kind": 1}]},'
    ' {"role": "assistant", "content": "yo"}]}',
    '{"messages": [{"role": "assistant", "content": "first"}]}',
    '{"messages": "not a list"}',
    '{"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "x"}]}',
    "{not json",
    "",
    "   ",
    '{"a": 1, "a": 2}',
    "[1, 2]",
    CHAT % ("x" * 400, "long"),  # over the line limit below
    CHAT % ("windows", "crlf") + "\r",
    '\ufeff{"prompt": "bom", "response": "here"}',
]
BAD_UTF8 = b'{"prompt": "caf\xe9", "response": "x"}'

SETTINGS = [
    {},
    {"profile": "llm-foundry"},
    {"severity": {"DS002": "info", "CH013": "error"}, "keep_per_code": 2},
    {"task": "chat", "select": ["LD", "CH"]},
]

edit = st.tuples(
    st.sampled_from(["insert", "delete", "change", "append", "truncate"]),
    st.floats(0, 1),
    st.integers(0, len(LINES)),
)


def _lines(picks: list[int]) -> list[bytes]:
    pool = [line.encode() for line in LINES] + [BAD_UTF8]
    return [pool[i % len(pool)] for i in picks]


def _apply(data: bytes, edits) -> bytes:
    lines = data.split(b"\n")
    pool = _lines(list(range(len(LINES) + 1)))
    for kind, where, pick in edits:
        at = int(where * len(lines))
        if kind == "insert":
            lines.insert(at, pool[pick])
        elif kind == "delete" and lines:
            del lines[min(at, len(lines) - 1)]
        elif kind == "change" and lines:
            lines[min(at, len(lines) - 1)] = pool[pick]
        elif kind == "append":
            lines.append(pool[pick])
        elif kind == "truncate":
            joined = b"\n".join(lines)
            lines = joined[: int(where * len(joined))].split(b"\n")
    return b"\n".join(lines)


def _report(path: Path, cache: Path | None, options: dict) -> tuple[dict, list]:
    examples: list = []
    result = ftdata.validate(
        str(path),
        cache_dir=None if cache is None else str(cache),
        max_line_bytes=300,
        on_example=examples.append,
        **options,
    )
    return result.to_dict(), examples


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of a few lines, so that small files have many."""
    monkeypatch.setattr(chunker, "TARGET_BYTES", 256)


@pytest.mark.parametrize("options", SETTINGS, ids=["default", "foundry", "severities", "select"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(st.integers(0, len(LINES)), min_size=0, max_size=60),
    edits=st.lists(edit, max_size=4),
    end=st.booleans(),
)
def test_a_warm_run_after_edits_equals_a_cold_run(options, picks, edits, end):
    with tempfile.TemporaryDirectory() as folder:
        path, cache = Path(folder) / "data.jsonl", Path(folder) / "cache"
        original = b"\n".join(_lines(picks)) + (b"\n" if end else b"")
        path.write_bytes(original)
        first = _report(path, cache, options)
        assert first == _report(path, None, options)
        assert _report(path, cache, options) == first  # unchanged: replayed
        path.write_bytes(_apply(original, edits))
        assert _report(path, cache, options) == _report(path, None, options)


def test_the_token_statistics_of_a_warm_run_are_a_cold_runs(tmp_path):
    pytest.importorskip("tiktoken")
    options = {"model": "databricks/dbrx-instruct", "per_role": True}
    lines = _lines(list(range(len(LINES) + 1)) * 3)
    path, cache = tmp_path / "data.jsonl", tmp_path / "cache"
    path.write_bytes(b"\n".join(lines))
    cold = _report(path, cache, options)
    assert cold[0]["tokens"]["by_task"]  # counted
    assert _report(path, cache, options) == cold
    for edits in ([("change", 0.5, 3)], [("insert", 0.1, 0), ("delete", 0.9, 0)]):
        path.write_bytes(_apply(path.read_bytes(), edits))
        assert _report(path, cache, options) == _report(path, None, options)


def test_corrupt_entries_are_ignored_and_rewritten(tmp_path):
    path, cache = tmp_path / "data.jsonl", tmp_path / "cache"
    path.write_bytes(b"\n".join(_lines(list(range(40)))))
    cold = _report(path, cache, {})
    entries = [p for p in (cache / FOLDER).rglob("*") if p.is_file()]
    assert len(entries) > 3
    for entry in entries:
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF
        entry.write_bytes(bytes(data))
    assert _report(path, cache, {}) == cold
    rewritten = [p for p in (cache / FOLDER).rglob("*") if p.is_file()]
    assert sorted(rewritten) == sorted(entries)
    assert all(p.read_bytes() != b"" for p in rewritten)
    assert _report(path, cache, {}) == cold


def test_an_unchanged_file_is_not_read_again(tmp_path, monkeypatch):
    path, cache = tmp_path / "data.jsonl", tmp_path / "cache"
    path.write_bytes(b"\n".join(_lines(list(range(40)))))
    cold = _report(path, cache, {})

    def refuse(name):
        raise AssertionError(f"{name} was read again")

    monkeypatch.setattr("ftdata.incremental.jsonl.open_binary", refuse)
    assert _report(path, cache, {}) == cold


def test_a_compressed_file_is_cached_on_its_decompressed_lines(tmp_path):
    path, cache = tmp_path / "data.jsonl.gz", tmp_path / "cache"
    data = b"\n".join(_lines(list(range(40))))
    path.write_bytes(gzip.compress(data))
    cold = _report(path, cache, {})
    assert len(list((cache / FOLDER / "chunk").rglob("*"))) > 3
    path.write_bytes(gzip.compress(_apply(data, [("change", 0.5, 2)])))
    assert _report(path, cache, {}) == _report(path, None, {})
    assert cold != _report(path, None, {})


def test_copies_at_error_severity_leave_the_cache_alone(tmp_path):
    path, cache = tmp_path / "data.jsonl", tmp_path / "cache"
    path.write_bytes(b"\n".join(_lines(list(range(40)))))
    options = {"severity": {"DS002": "error"}}
    result, _ = _report(path, cache, options)
    assert result["summary"]["by_code"].get("DS002")
    assert not (cache / FOLDER).exists()
    assert _report(path, cache, options) == _report(path, None, options)


@pytest.mark.parametrize("options", SETTINGS, ids=["default", "foundry", "severities", "select"])
def test_every_kind_of_line_replayed_after_the_first_chunk(tmp_path, options):
    """Each line of the pool, twice, in chunks past the first: file-level facts (CH015/CH016,
    DS002) name the lines of this run."""
    path, cache = tmp_path / "data.jsonl", tmp_path / "cache"
    path.write_bytes(b"\n".join(_lines([*range(len(LINES) + 1)] * 2)))
    cold = _report(path, None, options)
    assert _report(path, cache, options) == cold
    assert _report(path, cache, options) == cold  # every chunk replayed
    path.write_bytes(b'{"prompt": "new", "response": "first"}\n' + path.read_bytes())
    assert _report(path, cache, options) == _report(path, None, options)


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "a.txt").write_text("A first document.\nWith two lines.\n")
    (folder / "b.txt").write_text("")
    (folder / "c.txt").write_bytes(b"caf\xe9 is not UTF-8\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "d.txt").write_text("Deeper. " * 500)
    (folder / "notes.md").write_text("not a document")
    return folder


@pytest.mark.parametrize("options", [{}, {"model": "databricks/dbrx-instruct"}])
def test_a_text_corpus_is_cached_per_document(tmp_path, options, monkeypatch):
    if options:
        pytest.importorskip("tiktoken")
    corpus, cache = _corpus(tmp_path / "corpus"), tmp_path / "cache"
    cold = _report(corpus, None, options)
    assert _report(corpus, cache, options) == cold
    from ftdata.incremental import text

    def refuse(path):
        raise AssertionError(f"{path} was hashed again")

    with monkeypatch.context() as patch:
        patch.setattr(text, "content_hash", refuse)
        patch.setattr(text.TextCorpusSource, "document_batch", refuse)
        assert _report(corpus, cache, options) == cold  # every document unchanged: replayed
    (corpus / "a.txt").write_text("A changed document.\n")
    (corpus / "e.txt").write_text("A new one.\n")
    (corpus / "b.txt").unlink()
    assert _report(corpus, cache, options) == _report(corpus, None, options)


def test_progress_counts_replayed_chunks_in_bytes(tmp_path):
    path, cache = tmp_path / "data.jsonl", tmp_path / "cache"
    path.write_bytes(b"\n".join(_lines(list(range(40)))) + b"\n")
    for _ in range(2):  # cold, then every chunk replayed
        ticks: list = []
        ftdata.validate(str(path), cache_dir=str(cache), max_line_bytes=300, progress=ticks.append)
        assert ticks[-1].done == ticks[-1].total == path.stat().st_size
        assert [t.done for t in ticks] == sorted(t.done for t in ticks)


def test_a_compressed_file_cut_short_after_it_was_cached(tmp_path):
    path, cache = tmp_path / "data.jsonl.gz", tmp_path / "cache"
    whole = gzip.compress(b"\n".join(_lines(list(range(60)))) + b"\n")
    path.write_bytes(whole)
    _report(path, cache, {})
    path.write_bytes(whole[: len(whole) * 2 // 3])  # the stream ends mid-way: LD012
    warm = _report(path, cache, {})
    assert warm == _report(path, None, {})
    assert warm[0]["summary"]["by_code"]["LD012"] == 1


@pytest.mark.parametrize("name", ["data.jsonl", "data.jsonl.gz"])
def test_an_unchanged_file_with_a_record_gone_is_read_from_that_chunk(tmp_path, name):
    path, cache = tmp_path / name, tmp_path / "cache"
    data = b"\n".join(_lines(list(range(60)))) + b"\n"
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    cold = _report(path, cache, {})
    records = sorted((cache / FOLDER / "chunk").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    assert len(records) > 4
    records[len(records) // 2].unlink()
    assert _report(path, cache, {}) == cold
    assert _report(path, cache, {}) == cold  # and the file is indexed again
