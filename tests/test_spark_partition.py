"""ftdata.spark's executor side without Spark: partitions checked apart and merged equal local."""

from __future__ import annotations

import pickle

import pyarrow as pa

import ftdata
from ftdata.config import Settings
from ftdata.core.driver import Runner
from ftdata.core.options import Options
from ftdata.result import ResultBuilder
from ftdata.rules import schema
from ftdata.sources.table_options import TableOptions
from ftdata.spark.driver import DriverSource, finish, merge_stats
from ftdata.spark.partition import Spec, check_partition, loads_state, partition_label, row_digest
from ftdata.tokens.counting.batches import TokenSettings

ROWS = [
    {
        "id": i,
        "messages": [
            {"role": "user" if i % 5 else "User", "content": f"q{i}"},
            {"role": "assistant", "content": "" if i % 7 == 0 else f"a{i}"},
        ],
    }
    for i in range(40)
]


def _merged(table: pa.Table, parts: int, tokens: TokenSettings | None) -> ftdata.Result:
    settings = Settings(ignore=("DS002",))  # duplicates need the Spark aggregation
    checker = Runner(Options(settings, tokens))
    checker.check_source(DriverSource("t", []), task="chat")
    stage = checker.stage
    spec = Spec(
        settings,
        tokens,
        pickle.dumps(stage.tokenizer) if stage else None,
        None,
        "chat",
        "t",
        TableOptions(id_column="id"),
    )
    size = -(-table.num_rows // parts)
    for part in range(parts):
        piece = table.slice(part * size, size).to_batches()
        *_, out = check_partition(iter(piece), spec, part)
        state = loads_state(out.column("state")[0].as_py())
        checker.builder.merge(state["builder"])
        for task, stats in state["stats"].items():
            merge_stats(checker.fold.stats.setdefault(task, type(stats)(task)), stats)
    return finish(checker, settings.fail_on)


def test_partitions_merged_equal_the_local_run():
    table = pa.Table.from_pylist(ROWS)
    local = ftdata.validate(table, id_column="id", ignore=["DS002"])
    merged = _merged(table, 3, None)
    assert merged.summary == local.summary
    assert [f.code for f in merged.findings] == [f.code for f in local.findings]
    assert {f.location.key for f in merged.findings} == {f.location.key for f in local.findings}


def test_token_statistics_merge_exactly():
    table = pa.Table.from_pylist(ROWS)
    tokens = TokenSettings(tokenizer=None, model="mistralai/Mistral-7B-Instruct-v0.2")
    local = ftdata.validate(table, id_column="id", ignore=["DS002"], token_settings=tokens)
    merged = _merged(table, 4, tokens)
    assert merged.summary == local.summary
    assert merged.extra["tokens"] == local.extra["tokens"]


def test_merge_keeps_the_first_findings_per_code_and_exact_counts():
    settings = Settings(keep_per_code=2)
    builders = []
    for _ in range(3):
        checker = Runner(Options(settings))
        summary = checker.check_source(DriverSource("t", []), task="chat")
        builders.append((checker.builder, summary))
    for part, (builder, summary) in enumerate(builders):
        for row in range(3):
            builder.emit(schema.UNKNOWN_TYPE, "x", source="t", row=row, file=partition_label(part))
            summary.count(failed=True)
    builders = [builder for builder, _ in builders]
    merged = ResultBuilder(settings.policy(), 2)
    for builder in reversed(builders):  # arrival order does not matter
        merged.merge(builder.state())
    result = merged.build(settings.fail_on)
    assert result.by_code == {"SC001": 9} and result.rows == 9 and result.invalid == 9
    assert [(f.location.file, f.location.row) for f in result.findings] == [
        ("partition-00000", 0),
        ("partition-00000", 1),
    ]


def test_row_digest_is_stable_and_separates_examples():
    assert row_digest({"a": 1, "b": 2}, None) == row_digest({"b": 2, "a": 1}, None)
    assert row_digest(None, b'{"a":1}') != row_digest(None, b'{"a":2}')


def test_dedupe_digests_keep_all_64_bits_as_spark_bigints():
    """Two digests that differ only in the top bit must stay two different bigints."""
    from ftdata.spark.write import signed64

    for digest in (0, 1, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, (1 << 64) - 1):
        value = signed64(digest)
        assert -(1 << 63) <= value < 1 << 63
        assert value == int.from_bytes(digest.to_bytes(8, "big"), "big", signed=True)
    assert signed64(1) != signed64((1 << 63) + 1)


def test_values_json_cannot_hold_are_digested_by_value_locally_and_on_executors():
    """Decimal, binary and duration cells: an executor digests them (it used to crash in
    blake2b) and, as a local run, finds the copy by value (not by object identity)."""
    import datetime
    import decimal

    def row(score: str) -> dict:
        return {
            "prompt": "p",
            "response": "r",
            "score": decimal.Decimal(score),
            "blob": b"\x00\xff",
            "wait": datetime.timedelta(seconds=3),
        }

    table = pa.Table.from_pylist([row("1.5"), row("1.5"), row("2.5")])
    ignore = ("SC003", "SC007")  # the extra columns are the point here
    local = ftdata.validate(table, ignore=list(ignore))
    assert local.by_code == {"DS002": 1}
    assert [f.location.row for f in local.findings] == [1]
    spec = Spec(Settings(ignore=ignore), None, None, None, "instruction", "t")
    digests, _state = check_partition(iter(table.to_batches()), spec, 0)
    first, copy, other = digests.column("digest").to_pylist()
    assert first == copy != other
