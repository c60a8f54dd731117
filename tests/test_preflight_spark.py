"""``ftdata.preflight`` reads a table by name through a local Spark session's metastore.

Skipped without pyspark or Java, like tests/test_spark.py.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import SAMPLE_DATA

import ftdata

pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java", allow_module_level=True)

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
TABLE = "spark_catalog.default.ftdata_preflight_chats"
EVAL = "spark_catalog.default.ftdata_preflight_eval"


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """A local session (or the one tests/test_spark.py started) with a saved chat table."""
    import pyarrow as pa
    from spark_session import local_session

    session = local_session()
    lines = (SAMPLE_DATA / "chat" / "support_good.jsonl").read_text().splitlines()
    rows = [{"messages": json.loads(line)["messages"]} for line in lines]
    frame = session.createDataFrame(pa.Table.from_pylist(rows))
    # An external table in a temporary folder: nothing is written into the checkout.
    location = tmp_path_factory.mktemp("warehouse") / "chats"
    frame.write.option("path", str(location)).mode("overwrite").saveAsTable(TABLE)
    # Eval: one fresh question and one train prompt with another answer (a leak).
    leaked = dict(
        rows[2],
        messages=[*rows[2]["messages"][:-1], {"role": "assistant", "content": "Another answer."}],
    )
    fresh = {
        "messages": [
            {"role": "user", "content": "Never asked in train?"},
            {"role": "assistant", "content": "Indeed."},
        ]
    }
    session.createDataFrame(pa.Table.from_pylist([fresh, leaked])).coalesce(1).write.option(
        "path", str(location.with_name("eval"))
    ).mode("overwrite").saveAsTable(EVAL)
    yield session
    session.sql(f"DROP TABLE IF EXISTS {TABLE}")
    session.sql(f"DROP TABLE IF EXISTS {EVAL}")


def test_table_name_read_through_the_active_session(spark):
    result = ftdata.preflight(
        model=MISTRAL,
        train_data_path=TABLE,
        register_to="main.ft",
        data_prep_cluster_id="0123-456789-abcdef",
        context_length=64,
        date="2026-01-01",
    )
    assert result.ok, [f.message for f in result.findings]
    assert result.rows == 5
    run = result.extra["run"]
    assert run["train_data"]["read_from"] == f"spark table {TABLE}"
    assert run["train_data"]["detected_tasks"] == ["chat"]
    assert run["tokens_reaching_model"] > 0


def test_table_task_mismatch_and_missing_table_through_spark(spark):
    result = ftdata.preflight(
        model=MISTRAL,
        train_data_path=TABLE,
        register_to="main.ft",
        task_type="INSTRUCTION_FINETUNE",
        spark=spark,
        context_length=64,
        data_prep_cluster_id="0123-456789-abcdef",
        date="2026-01-01",
    )
    assert {"RN006"} == {f.code for f in result.findings if f.location.source == "<run>"}
    missing = ftdata.preflight(
        model=MISTRAL,
        train_data_path="spark_catalog.default.nope",
        register_to="main.ft",
        data_prep_cluster_id="0123-456789-abcdef",
        spark=spark,
        date="2026-01-01",
    )
    assert missing.by_code.get("RN010") == 1 and missing.rows == 0


def test_eval_table_leaking_into_the_train_table(spark):
    result = ftdata.preflight(
        model=MISTRAL,
        train_data_path=TABLE,
        eval_data_path=EVAL,
        register_to="main.ft",
        data_prep_cluster_id="0123-456789-abcdef",
        context_length=64,
        date="2026-01-01",
    )
    leaks = [f.location for f in result.findings if f.code == "DS009"]
    assert [(loc.source, loc.file, loc.row) for loc in leaks] == [
        (f"spark table {EVAL}", "partition-00000", 1)
    ]
    assert result.rows == 7
