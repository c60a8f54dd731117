"""ftdata.spark.prepare on local[2] writes what ftdata.prepare writes, published atomically.

Skipped without pyspark or Java (the session fixture is tests/conftest.py's).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import SAMPLE_DATA
from mds_reader import read_dataset, read_merged
from prepare_data import MISTRAL, chats

import ftdata
from ftdata.errors import UsageError

pytest.importorskip("pyspark")

import ftdata.spark  # noqa: E402


def token_ids(folder: Path, merged: bool) -> Counter:
    """The multiset of written examples (their turns' token ids) of one MDS split."""
    if not folder.exists():
        return Counter()
    samples = read_merged(folder) if merged else read_dataset(folder)
    return Counter(json.dumps(s["turns"], sort_keys=True) for s in samples)


def same_output(local: Path, remote: Path) -> None:
    """Both outputs hold the same examples per split and leave out the same rows."""
    for side in ("train", "eval"):
        assert token_ids(remote / side, True) == token_ids(local / side, False), side
    mine, theirs = (json.loads((p / "manifest.json").read_text()) for p in (remote, local))
    assert mine["examples"] == theirs["examples"]
    assert mine["tokens"]["written"] == theirs["tokens"]["written"]


def lines_frame(spark, paths: list[Path], partitions: int = 2):
    """JSONL files as one DataFrame of raw lines (``value``), in file order."""
    lines = []
    for path in paths:
        data = path.read_bytes().split(b"\n")
        lines += data[:-1] if data[-1] == b"" else data  # blank lines stay (LD009)
    return spark.createDataFrame(pa.table({"value": pa.array(lines, pa.binary())})).repartition(
        partitions
    )


def many_chats() -> list[dict]:
    """10,000 chats: distinct ones, exact copies, and some training would refuse."""
    rows = chats(9000)
    rows += [rows[i] for i in range(0, 9000, 18)]  # 500 copies, across partitions
    rows += [
        {"messages": [{"role": "user", "content": f"Only a question {i}?"}]} for i in range(300)
    ]  # no assistant reply: an error
    rows += [
        {
            "messages": [
                {"role": "assistant", "content": f"Answer first {i}."},
                {"role": "user", "content": "Then a question."},
                {"role": "assistant", "content": "Done."},
            ]
        }
        for i in range(200)
    ]
    return rows


@pytest.mark.parametrize("task", ["chat", "instruction"])
def test_sample_data_gives_the_local_shards(spark, tmp_path, task):
    paths = sorted((SAMPLE_DATA / task).glob("*.jsonl"))
    local = ftdata.prepare(
        [str(p) for p in paths],
        out=tmp_path / "local",
        model=MISTRAL,
        eval_fraction=0.3,
        seed=1,
        allow_empty=True,
    )
    remote = ftdata.spark.prepare(
        lines_frame(spark, paths),
        json_column="value",
        out=tmp_path / "spark",
        model=MISTRAL,
        eval_fraction=0.3,
        seed=1,
        allow_empty=True,
    )
    assert remote.status == local.status == "written"
    same_output(local.out, remote.out)
    assert remote.result.summary["by_code"] == local.result.summary["by_code"]


def test_ten_thousand_chats_with_dedupe(spark, tmp_path):
    rows = many_chats()
    frame = spark.createDataFrame(pa.Table.from_pylist(rows)).repartition(3)
    local = ftdata.prepare(
        rows, out=tmp_path / "local", model=MISTRAL, eval_fraction=0.1, dedupe=True
    )
    remote = ftdata.spark.prepare(
        frame, out=tmp_path / "spark", model=MISTRAL, eval_fraction=0.1, dedupe=True
    )
    same_output(local.out, remote.out)
    left_out = remote.manifest["examples"]["left_out_by_reason"]
    assert left_out["duplicate"] == 500 and sum(left_out.values()) == 1000
    assert len(list((remote.out / "train").glob("part-*"))) == 3


def test_a_failed_first_attempt_is_retried(spark, tmp_path, tmp_path_factory):
    """Attempt 0 of every task fails; the retries win and the output is whole."""
    marks = tmp_path_factory.mktemp("failed-attempts")

    def failing(batches):
        from pyspark import TaskContext

        yield from batches
        context = TaskContext.get()
        if context.attemptNumber() == 0:
            (marks / f"p{context.partitionId()}").touch()
            raise RuntimeError("killed at the end of the partition")

    frame = spark.createDataFrame(pa.Table.from_pylist(chats(400))).repartition(2)
    flaky = frame.mapInArrow(failing, frame.schema)
    done = ftdata.spark.prepare(flaky, out=tmp_path / "out", model=MISTRAL, shard_bytes=2048)
    assert sorted(p.name for p in marks.iterdir()) == ["p0", "p1"]  # both first attempts died
    written = token_ids(done.out / "train", True)
    assert sum(written.values()) == 400 and max(written.values()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no scratch left behind


def test_an_attempt_that_lost_is_never_published(spark, tmp_path, monkeypatch):
    """A finished attempt whose result Spark did not commit (a speculative or retried twin)."""
    from ftdata.spark import shards
    from ftdata.spark.write import write_partition

    frame = spark.createDataFrame(pa.Table.from_pylist(chats(400))).repartition(2)
    rows = frame.toArrow()
    real = shards.run_writes
    lost = []

    def with_a_losing_twin(df, spec, tmp):
        partials = real(df, spec, tmp)
        # Every row, written as partition 0 by an attempt id no committed row names.
        list(write_partition(iter(rows.to_batches()), spec, 0, 10**9))
        lost.extend((tmp / ".attempts").glob("p00000-t1000000000/train/shard.*"))
        return partials

    monkeypatch.setattr(shards, "run_writes", with_a_losing_twin)
    done = ftdata.spark.prepare(frame, out=tmp_path / "out", model=MISTRAL, shard_bytes=2048)
    assert lost  # the twin did write shards
    written = token_ids(done.out / "train", True)
    assert sum(written.values()) == 400 and max(written.values()) == 1
    assert done.manifest["examples"]["written"] == 400
    on_disk = {p.relative_to(done.out).as_posix() for p in done.out.rglob("*") if p.is_file()}
    assert on_disk - {"manifest.json"} == set(done.manifest["files"])


def test_object_store_uris_are_refused(spark):
    frame = spark.createDataFrame(pa.Table.from_pylist(chats(2)))
    for uri in ("s3://bucket/out", "abfss://c@a.dfs.core.windows.net/o", "dbfs:/Volumes/x/y"):
        with pytest.raises(UsageError, match="object-store URIs"):
            ftdata.spark.prepare(frame, out=uri, model=MISTRAL)


def test_readme_block_runs(spark, tmp_path, capsys):
    """The README's Prepare on Spark block runs as written, its volume mapped to a local folder."""
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Prepare on Spark\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    lines = (SAMPLE_DATA / "chat" / "support_good.jsonl").read_text().splitlines()
    rows = [{"messages": json.loads(line)["messages"]} for line in lines]
    spark.createDataFrame(pa.Table.from_pylist(rows)).createOrReplaceTempView("support_chats")
    code = code.replace("/Volumes/main/training/shards", str(tmp_path))
    namespace = {"spark": spark}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["done"].status == "written"
    assert (tmp_path / "support_chats" / "train" / "index.json").is_file()
    assert "written" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parquet_and_jsonl_hold_the_local_records(spark, tmp_path, fmt):
    rows = chats(300)
    frame = spark.createDataFrame(pa.Table.from_pylist(rows)).repartition(2)
    local = ftdata.prepare(
        rows, out=tmp_path / "local", format=fmt, model=MISTRAL, eval_fraction=0.2
    )
    remote = ftdata.spark.prepare(
        frame, out=tmp_path / "spark", format=fmt, model=MISTRAL, eval_fraction=0.2
    )
    for side in ("train", "eval"):
        assert records(remote.out / side, fmt) == records(local.out / side, fmt), side
    assert remote.manifest["examples"] == local.manifest["examples"]


def records(folder: Path, fmt: str) -> Counter:
    """The multiset of records in every file under ``folder``."""
    import pyarrow.parquet as pq

    found: Counter = Counter()
    for path in sorted(folder.rglob(f"*.{fmt}")):
        items = (
            pq.read_table(path).to_pylist()
            if fmt == "parquet"
            else [json.loads(line) for line in path.read_text().splitlines()]
        )
        found.update(json.dumps(item, sort_keys=True) for item in items)
    return found


def test_spark_prepare_keeps_ftdata_prepare_the_function():
    """Loading the local prepare for Spark must not rebind ``ftdata.prepare`` to its module."""
    import subprocess
    import sys

    code = (
        "from ftdata.spark import shards; from ftdata.preparation import counts_section; "
        "import ftdata; assert callable(ftdata.prepare), ftdata.prepare"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_strict_refusal_and_force_follow_the_local_rules(spark, tmp_path):
    bad = [*chats(20), {"messages": [{"role": "user", "content": "No reply?"}]}]
    frame = spark.createDataFrame(pa.Table.from_pylist(bad)).repartition(2)
    out = tmp_path / "out"
    refused = ftdata.spark.prepare(frame, out=out, model=MISTRAL, strict=True)
    assert refused.status == "refused" and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the temporary folder is gone
    first = ftdata.spark.prepare(frame, out=out, model=MISTRAL)
    assert first.manifest["examples"]["left_out"] == 1
    with pytest.raises(UsageError, match="--force"):
        ftdata.spark.prepare(frame, out=out, model=MISTRAL)
    (out / "train" / "notes.txt").write_text("mine")  # not ftdata's: force must refuse
    with pytest.raises(UsageError, match="does not list"):
        ftdata.spark.prepare(frame, out=out, model=MISTRAL, force=True)
    assert (out / "train" / "notes.txt").read_text() == "mine"
    (out / "train" / "notes.txt").unlink()
    again = ftdata.spark.prepare(frame, out=out, model=MISTRAL, force=True)
    assert again.status == "written" and again.manifest["examples"] == first.manifest["examples"]


@pytest.mark.streaming
def test_merged_index_read_by_streaming(spark, tmp_path):
    """The real reader (opt-in, ``-m streaming``) reads every partition through the merged index."""
    from test_prepare_streaming import _read, _streaming

    _streaming()  # skips, with the reason, before any work when the reader is not installed
    frame = spark.createDataFrame(pa.Table.from_pylist(chats(120))).repartition(3)
    done = ftdata.spark.prepare(frame, out=tmp_path / "o", model=MISTRAL, shard_bytes=4096)
    # The independent reader first: the real one decompresses shards beside the originals,
    # a layout the independent reader refuses (as it should for a published output).
    ours = [s["turns"] for s in read_merged(done.out / "train")]
    theirs = _read(done.out / "train", validate_hash="sha1")
    assert [s["turns"] for s in theirs] == ours and len(ours) == 120


def corpus_frame(spark, folder: Path, partitions: int):
    """Every ``.txt`` file of ``folder`` as one row (in file-name order, as the walker reads)."""
    texts = [p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))]
    frame = spark.createDataFrame(pa.table({"value": pa.array(texts, pa.string())}))
    return frame.coalesce(1) if partitions == 1 else frame.repartition(partitions)


def windows(folder: Path) -> list[list[int]]:
    return [s["tokens"] for s in read_merged(folder)] if folder.exists() else []


def test_one_partition_of_documents_gives_the_local_windows(spark, tmp_path):
    from prepare_data import corpus

    folder = corpus(tmp_path / "docs", docs=9, words=120)
    (folder / "doc-99.txt").write_text("", encoding="utf-8")  # empty: TX002, still a document
    local = ftdata.prepare(
        folder, out=tmp_path / "local", model=MISTRAL, context_length=128, eval_fraction=0.2, seed=3
    )
    remote = ftdata.spark.prepare(
        corpus_frame(spark, folder, 1),
        text_column="value",
        out=tmp_path / "spark",
        model=MISTRAL,
        context_length=128,
        eval_fraction=0.2,
        seed=3,
    )
    for side in ("train", "eval"):
        assert windows(remote.out / side) == [s["tokens"] for s in read_dataset(local.out / side)]
    assert remote.manifest["examples"] == local.manifest["examples"]
    assert remote.manifest["tokens"] == local.manifest["tokens"]
    codes = {c: n for c, n in local.result.summary["by_code"].items() if c != "TX003"}
    assert remote.result.summary["by_code"] == codes  # TX003 is about file sizes: no files here
    assert remote.result.extra["tokens"]["total"] == local.result.extra["tokens"]["total"]


@pytest.mark.parametrize("pad", [False, True])
def test_each_partition_ends_with_its_own_remainder(spark, tmp_path, pad):
    from prepare_data import corpus

    folder = corpus(tmp_path / "docs", docs=12, words=150)
    local = ftdata.prepare(
        folder, out=tmp_path / "local", model=MISTRAL, context_length=100, pad_last_window=pad
    )
    frame = corpus_frame(spark, folder, 3)
    remote = ftdata.spark.prepare(
        frame,
        text_column="value",
        out=tmp_path / "spark",
        model=MISTRAL,
        context_length=100,
        pad_last_window=pad,
    )
    mine, theirs = remote.manifest["tokens"], local.manifest["tokens"]
    stream = theirs["written"] + theirs["tail_tokens_dropped"] - theirs["padding_tokens"]
    assert mine["written"] + mine["tail_tokens_dropped"] - mine["padding_tokens"] == stream
    parts = sorted(p.name for p in (remote.out / "train").iterdir() if p.is_dir())
    assert len(parts) == 3
    if pad:  # one padded last window per partition: nothing is dropped
        assert mine["tail_tokens_dropped"] == 0 and mine["padding_tokens"] < 3 * 100
    else:  # each partition drops its own remainder (less than one window each)
        assert mine["padding_tokens"] == 0 and mine["tail_tokens_dropped"] < 3 * 100
    assert all(len(w) == 100 for w in windows(remote.out / "train"))
    assert remote.manifest["examples"]["written"] == 12


def test_duplicate_documents_are_left_out_across_partitions(spark, tmp_path):
    from prepare_data import corpus

    folder = corpus(tmp_path / "docs", docs=6, words=80)
    for n in range(3):  # copies of three documents under other names
        (folder / f"copy-{n}.txt").write_bytes((folder / f"doc-0{n}.txt").read_bytes())
    local = ftdata.prepare(
        folder, out=tmp_path / "local", model=MISTRAL, context_length=64, dedupe=True
    )
    remote = ftdata.spark.prepare(
        corpus_frame(spark, folder, 2),
        text_column="value",
        out=tmp_path / "spark",
        model=MISTRAL,
        context_length=64,
        dedupe=True,
    )
    assert remote.manifest["examples"] == local.manifest["examples"]
    assert remote.manifest["examples"]["left_out_by_reason"] == {"duplicate": 3}


def test_an_options_object_gives_the_keywords_output_and_is_recorded(spark, tmp_path):
    from ftdata.core.options import build_options

    rows = chats(60) + [{"messages": [{"role": "user", "content": "alone"}]}]
    frame = spark.createDataFrame(pa.Table.from_pylist(rows)).repartition(2)
    by_keywords = ftdata.spark.prepare(frame, out=tmp_path / "k", format="jsonl", task="chat")
    options = build_options(task="chat", ignore=["CH002", "CH011"])
    by_options = ftdata.spark.prepare(frame, out=tmp_path / "o", format="jsonl", options=options)
    written = by_options.manifest["examples"]["written"]
    assert written == by_keywords.manifest["examples"]["written"] + 1  # the lone turn is kept
    recorded = by_options.manifest["options"]
    assert recorded["rules"] == {"ignore": ["CH002", "CH011"]} and recorded["task"] == "chat"
    assert "rules" not in by_keywords.manifest["options"]
    validated = ftdata.spark.validate(frame, options=options)
    assert validated.summary == ftdata.validate(rows, options=options).summary
    with pytest.raises(UsageError, match="not both"):
        ftdata.spark.validate(frame, options=options, task="chat")
