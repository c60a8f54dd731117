"""ftdata.spark on a local[2] SparkSession gives the local engine's verdicts, counts and tokens.

One session serves the whole run (about 5 s to start). Skipped without pyspark
(``pip install 'ftdata[spark]'``) or Java 17+.
"""

from __future__ import annotations

import os
import shutil

import pyarrow as pa
import pytest
from conftest import SAMPLE_DATA

import ftdata

pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java", allow_module_level=True)

import ftdata.spark  # noqa: E402

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
JSONL_FILES = sorted(p.relative_to(SAMPLE_DATA).as_posix() for p in SAMPLE_DATA.rglob("*.jsonl"))


def lines_frame(spark, path):
    """A JSONL file as a DataFrame of (line number, raw line), in file order, 2 partitions."""
    data = path.read_bytes().split(b"\n")
    if data and data[-1] == b"":
        data.pop()
    table = pa.table(
        {
            "line": pa.array(range(1, len(data) + 1), pa.int64()),
            "value": pa.array(data, pa.binary()),
        }
    )
    frame = spark.createDataFrame(table)
    return frame.repartition(1).coalesce(1) if len(data) < 2 else frame


def located(result, by_key: bool) -> set[tuple]:
    """(line, code, pointer) of every finding on a row (by the ``line=N`` key for Spark)."""
    found = set()
    for f in result.findings:
        loc = f.location
        line = int(loc.key.split("=")[1]) if by_key and loc.key else loc.line
        if line is not None:
            found.add((line, f.code, loc.pointer))
    return found


def assert_same(spark_result, local) -> None:
    """Same codes and counts, same accounting, same token section."""
    assert spark_result.summary == local.summary
    assert [(s.rows, s.invalid, s.task) for s in spark_result.sources] == [
        (s.rows, s.invalid, s.task) for s in local.sources
    ]
    assert spark_result.extra.get("tokens") == local.extra.get("tokens")
    assert spark_result.ok == local.ok


@pytest.mark.parametrize("name", JSONL_FILES)
def test_sample_jsonl_file_matches_the_local_run(spark, name):
    path = SAMPLE_DATA / name
    frame = lines_frame(spark, path)
    assert frame.rdd.getNumPartitions() >= 2
    for model in (None, MISTRAL):
        local = ftdata.validate(str(path), model=model, keep_per_code=10**6)
        result = ftdata.spark.validate(
            frame, json_column="value", id_column="line", model=model, keep_per_code=10**6
        )
        assert_same(result, local)
        assert located(result, True) == located(local, False)
    # With the model, errors include the token stage's (TK001 on Mistral's template).
    annotated = ftdata.spark.annotate(frame, json_column="value", id_column="line", model=MISTRAL)
    flagged = {r["line"] for r in annotated.where("not ftdata_ok").select("line").collect()}
    errors = {
        f.location.line
        for f in local.findings
        if f.severity.label == "error" and f.location.line is not None
    }
    assert flagged == errors


def test_json_rows_on_spark_give_the_jsonl_sources_messages(spark, tmp_path):
    """The real path (Spark's Arrow batches, two partitions) reads rows as JSONL lines are read."""
    from test_spark_parity import HOSTILE, SETTINGS

    def messages(result, by_key):
        return sorted(
            (int(f.location.key.split("=")[1]) if by_key else f.location.line, f.code, f.message)
            for f in result.findings
            if (f.location.key if by_key else f.location.line) is not None
        )

    for path in [SAMPLE_DATA / name for name in JSONL_FILES] + [tmp_path / "hostile.jsonl"]:
        if path.name == "hostile.jsonl":
            path.write_bytes(b"".join(line + b"\n" for line in HOSTILE))
        local = ftdata.validate(str(path), settings=SETTINGS)
        frame = lines_frame(spark, path)
        result = ftdata.spark.validate(
            frame, json_column="value", id_column="line", settings=SETTINGS
        )
        assert messages(result, True) == messages(local, False)


def generated(count: int) -> pa.Table:
    """Chat rows with planted problems and duplicates, varied lengths, an id column."""
    rows = []
    for i in range(count):
        base = i % 3000  # every example has about three copies, spread over partitions
        words = " ".join(f"w{(base * 7 + j) % 97}" for j in range(base % 40))
        messages = [
            {"role": "user", "content": f"question {base} {words}"},
            {"role": "assistant", "content": f"answer {base}"},
        ]
        if i % 101 == 0:
            messages[1]["content"] = ""  # CH012
        if i % 103 == 0:
            messages = messages[:1]  # CH002 / CH011
        if i % 107 == 0:
            messages.insert(0, {"role": "system", "content": "be brief"})  # TK001 on Mistral
        if i % 109 == 0:
            messages[0]["role"] = "User"  # CH006
        rows.append({"id": i, "messages": messages})
    return pa.Table.from_pylist(rows)


@pytest.fixture(scope="module")
def big(spark):
    table = generated(10_000)
    return table, spark.createDataFrame(table).repartition(4)


@pytest.mark.parametrize("options", [{}, {"model": MISTRAL}], ids=["structure", "mistral"])
def test_generated_dataset_matches_the_local_run(big, options):
    table, frame = big
    per_role = {"per_role": True} if options else {}  # role statistics merge across partitions
    local = ftdata.validate(table, id_column="id", keep_per_code=10**6, **options, **per_role)
    result = ftdata.spark.validate(frame, id_column="id", **options, **per_role)
    assert_same(result, local)
    if options:
        assert set(local.extra["tokens"]["by_task"]["chat"]["per_role"]) >= {"user", "assistant"}
    assert result.summary["by_code"].get("DS002", 0) > 1000  # copies across partitions
    annotated = ftdata.spark.annotate(frame, id_column="id", **options)
    flagged = {r["id"] for r in annotated.where("not ftdata_ok").select("id").collect()}
    errors = {
        f.location.key for f in local.findings if f.severity.label == "error" and f.location.key
    }
    assert {f"id={i}" for i in flagged} == errors
    if options:
        counted = annotated.where("ftdata_ok").selectExpr("sum(ftdata_tokens) as t").first()["t"]
        assert counted == local.extra["tokens"]["total"]


def test_instruction_rows_renamed_in_a_short_window(spark):
    rows = [
        {"question": f"p{i} " * (i % 13), "response": None if i % 9 == 0 else f"r{i}", "id": i}
        for i in range(300)
    ]
    table = pa.Table.from_pylist(rows)
    frame = spark.createDataFrame(table)
    # truncation (TK003) and drops (TK004) at a 12-token window
    options = {
        "model": MISTRAL,
        "context_length": 12,
        "rename": {"prompt": "question"},
        "id_column": "id",
    }
    local = ftdata.validate(table, **options)
    result = ftdata.spark.validate(frame, **options)
    assert_same(result, local)
    assert {"PR003", "TK003", "TK004"} <= set(result.by_code), result.by_code


def test_every_example_dropped_without_a_tokenizer_matches_the_local_run(spark):
    # Issue 12: empty responses are examples training drops (PR004); all of them is DS007,
    # tallied per partition and merged on the driver.
    table = pa.Table.from_pylist([{"prompt": f"p{i}", "response": ""} for i in range(9)])
    local = ftdata.validate(table)
    result = ftdata.spark.validate(spark.createDataFrame(table).repartition(3))
    assert_same(result, local)
    assert result.by_code == {"PR004": 9, "DS007": 1}


def test_table_level_findings_come_once(spark):
    table = pa.Table.from_pylist([{"prompt": "p", "response": "r", "extra": i} for i in range(9)])
    local = ftdata.validate(table)
    result = ftdata.spark.validate(spark.createDataFrame(table).repartition(3))
    assert_same(result, local)
    assert result.by_code["SC007"] == 1


def test_annotate_then_filter_writes_clean_rows(spark, tmp_path):
    # A null response is an error (PR003); an empty one only a drop warning (PR004, issue 12).
    rows = [{"prompt": "q", "response": None if i % 2 else "a"} for i in range(20)]
    frame = spark.createDataFrame(pa.Table.from_pylist(rows))
    clean = (
        ftdata.spark.annotate(frame)
        .where("ftdata_ok")
        .drop("ftdata_ok", "ftdata_codes", "ftdata_tokens", "ftdata_trainable_tokens")
    )
    clean.write.parquet(str(tmp_path / "clean"))
    back = spark.read.parquet(str(tmp_path / "clean"))
    assert back.count() == 10 and back.columns == ["prompt", "response"]
    assert ftdata.spark.validate(back).ok


def test_usage_errors_come_before_any_job(spark):
    from ftdata.errors import UsageError

    frame = spark.createDataFrame(pa.Table.from_pylist([{"prompt": "p", "response": "r"}]))
    with pytest.raises(UsageError, match="DS002"):
        ftdata.spark.validate(frame, severity={"DS002": "error"})
    with pytest.raises(UsageError, match="'nope'"):
        ftdata.spark.validate(frame, id_column="nope")
    with pytest.raises(UsageError, match="'text'"):
        ftdata.spark.annotate(frame, json_column="text")
    numbers = spark.createDataFrame(pa.Table.from_pylist([{"n": 1}]))
    with pytest.raises(UsageError, match="json_column 'n' is a (long|integer) column"):
        ftdata.spark.validate(numbers, json_column="n")
