"""Delta tables and Parquet files through the cache: one record per local data file."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ftdata
from ftdata.incremental.store import FOLDER
from ftdata.sources import arrow

deltalake = pytest.importorskip("deltalake")


def chat(user: str, assistant: str = "Hello", role: str = "assistant") -> list[dict]:
    return [{"role": "user", "content": user}, {"role": role, "content": assistant}]


def chat_table(rows: list, ids: list[str] | None = None) -> pa.Table:
    kind = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    columns = {"messages": pa.array(rows, kind)}
    if ids is not None:
        columns["id"] = pa.array(ids)
    return pa.table(columns)


def batch_of(start: int, copies: int = 2) -> list:
    """Good rows, one bad (ends with the user), and copies of earlier rows (DS002)."""
    rows = [chat(f"q{i}") for i in range(start, start + 5)]
    rows.append(chat(f"bad{start}", role="user"))
    rows += [chat(f"q{i}") for i in range(copies)]
    return rows


def ids_of(start: int, rows: list) -> list[str]:
    """Row ids; a copy has the id of its first row, so that it is a copy with its id too."""
    return [row[0]["content"].replace("q", "r") for row in rows]


def report(target, cache, **options) -> tuple[dict, list]:
    examples: list = []
    result = ftdata.validate(
        str(target),
        cache_dir=None if cache is None else str(cache),
        on_example=examples.append if options.get("model") else None,
        **options,
    )
    return result.to_dict(), examples


OPTIONS = [
    {},
    {"id_column": "id", "severity": {"DS002": "info"}},
    {"model": "databricks/dbrx-instruct"},
]


@pytest.mark.parametrize("options", OPTIONS, ids=["structure", "keys", "tokens"])
def test_a_delta_table_after_an_append_equals_a_cold_run(tmp_path, options, monkeypatch):
    if options.get("model"):
        pytest.importorskip("tiktoken")
    table, cache = str(tmp_path / "t"), tmp_path / "cache"
    for start in (0, 10):
        rows = batch_of(start)
        ids = ids_of(start, rows)
        deltalake.write_deltalake(table, chat_table(rows, ids), mode="append")
    cold = report(table, None, **options)
    assert cold[0]["summary"]["by_code"]["DS002"] >= 2
    assert report(table, cache, **options) == cold
    assert list((cache / FOLDER / "chunk").rglob("*"))  # one record per data file

    read = []
    original = arrow.TableSource.part_batches

    def spy(self, part, reader):
        read.append(part.file)
        return original(self, part, reader)

    monkeypatch.setattr(arrow.TableSource, "part_batches", spy)
    assert report(table, cache, **options) == cold
    assert read == []  # every data file replayed
    rows = batch_of(20, copies=3)
    ids = ids_of(20, rows)
    deltalake.write_deltalake(table, chat_table(rows, ids), mode="append")
    before = set(deltalake.DeltaTable(table, version=1).file_uris())
    warm = report(table, cache, **options)
    new = [f for f in read if not any(uri.endswith(f) for uri in before)]
    # The new file, and at most the file that now comes first (the task detected before a
    # data file is part of its key: an earlier file may have fixed it).
    assert len(new) == 1 and len(read) <= 2
    monkeypatch.undo()
    assert warm == report(table, None, **options)
    assert report(table, None, version=1, **options) == report(table, cache, version=1, **options)


def test_parquet_files_rewritten_in_place(tmp_path):
    folder, cache = tmp_path / "parts", tmp_path / "cache"
    folder.mkdir()
    for index in range(3):
        pq.write_table(chat_table(batch_of(index * 10)), folder / f"part-{index}.parquet")
    cold = report(folder, None)
    assert report(folder, cache) == cold
    pq.write_table(chat_table(batch_of(5, copies=4)), folder / "part-1.parquet")
    assert report(folder, cache) == report(folder, None)
    single = folder / "part-2.parquet"
    assert report(single, cache) == report(single, None)
