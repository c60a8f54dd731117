"""The same data gives the same verdicts as JSONL, Delta, Parquet, pyarrow, polars and pandas.

Every chat/instruction JSONL file in sample_data/ is converted to each form.
A table cannot hold everything a JSONL line can (a line that does not parse,
a key only some rows have, a number where other rows have text), so each
file is reduced to the lines a table represents exactly: those that parse
without an LD finding and survive the round trip ``dict -> Arrow -> dict``
unchanged. The test asserts that most lines survive, then compares codes,
counts and pointers per example; only the location differs.
"""

from __future__ import annotations

from collections import Counter

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE_DATA

import ftdata

deltalake = pytest.importorskip("deltalake")
FILES = sorted(p for p in SAMPLE_DATA.rglob("*.jsonl"))


def representable(path) -> list[tuple[list[bytes], pa.Table]]:
    """The original lines tables hold exactly, grouped so each group is one table.

    A line joins the first group whose table still round-trips with it (rows of
    one shape: the same keys and types); a line no table holds is left out.
    """
    flagged = {
        f.location.line for f in ftdata.validate(str(path)).findings if f.code.startswith("LD")
    }
    groups: list[tuple[list[bytes], list[dict]]] = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if number in flagged or not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        group = next((g for g in groups if _round_trips(g[1] + [record])), None)
        if group is None and _round_trips([record]):
            group = ([], [])
            groups.append(group)
        if group is not None:
            group[0].append(line)
            group[1].append(record)
    return [(lines, pa.Table.from_pylist(records)) for lines, records in groups]


def _round_trips(records: list[dict]) -> bool:
    try:
        table = pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return False
    return table.to_pylist() == records and pa.types.is_null(table.schema[0].type) is False


def verdict(result) -> tuple[Counter, dict]:
    """Per-example (index, code, pointer) findings, and the row accounting."""
    found = Counter()
    for f in result.findings:
        index = f.location.line - 1 if f.location.line is not None else f.location.row
        if index is not None:
            found[(index, f.code, f.location.pointer)] += 1
    summary = result.summary
    return found, {k: summary[k] for k in ("rows", "valid", "invalid")}


def forms(table: pa.Table, tmp_path) -> dict[str, object]:
    """The table in every form ftdata reads."""
    delta, parquet = tmp_path / "delta", tmp_path / "data.parquet"
    deltalake.write_deltalake(str(delta), table)
    pq.write_table(table, parquet)
    made = {
        "delta": str(delta),
        "parquet": str(parquet),
        "pyarrow": table,
        "reader": pa.RecordBatchReader.from_batches(table.schema, table.to_batches()),
    }
    try:
        import polars as pl

        made["polars"] = pl.from_arrow(table)
        made["polars-lazy"] = pl.from_arrow(table).lazy()
    except ImportError:
        pass
    try:
        made["pandas"] = table.to_pandas()
    except ImportError:
        pass
    return made


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_same_verdicts_in_every_form(path, tmp_path):
    groups = representable(path)
    total = sum(1 for line in path.read_bytes().splitlines() if line.strip())
    assert sum(len(lines) for lines, _ in groups) >= total * 0.6, "too few lines to compare"
    for number, (lines, table) in enumerate(groups):
        folder = tmp_path / str(number)
        folder.mkdir()
        jsonl = folder / "kept.jsonl"
        jsonl.write_bytes(b"\n".join(lines) + b"\n")
        expected = verdict(ftdata.validate(str(jsonl)))
        for name, form in forms(table, folder).items():
            assert verdict(ftdata.validate(form)) == expected, (name, lines)


def test_the_bad_samples_are_mostly_compared():
    bad = [p for p in FILES if "bad" in p.name]
    kept = sum(len(lines) for p in bad for lines, _ in representable(p))
    findings = sum(
        1
        for p in bad
        for f in ftdata.validate(str(p)).findings
        if not f.code.startswith(("LD", "DS"))
    )
    assert kept >= 20 and findings >= 15
