"""Build a Delta table of a target on-disk size from a generated chat JSONL corpus.

    python benchmarks/tables.py benchmarks/data/chat-2GB.jsonl \\
        benchmarks/data/delta-chat-1GB --size 1GB

The JSONL file is streamed (pyarrow's incremental JSON reader, explicit
schema) into ``write_deltalake``, which commits once the on-disk size of the
written data reaches ``--size`` (checked per block of rows, so the table
ends a little above it). Writer settings are explicit: Snappy and 8,192-row
row groups (delta-spark.md §1: without ``compression=`` deltalake writes
uncompressed Parquet; one huge row group per file makes every reader hold
hundreds of MB at once).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import parse_size  # noqa: E402

ROW_GROUP_ROWS = 8192
BLOCK_ROWS = 20_000
# On-disk bytes per byte of JSONL, measured on the generated chat corpus; used
# to stop reading the source once the table should be large enough.
COMPRESSION_GUESS = 0.6


def chat_schema():
    """``messages: list<struct<role: string, content: string>>``."""
    import pyarrow as pa

    return pa.schema(
        [("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])))]
    )


def blocks(source: Path, limit: int):
    """Record batches of ``BLOCK_ROWS`` rows from the JSONL file, up to ``limit`` bytes of it."""
    import pyarrow as pa
    import pyarrow.json as pj

    schema = chat_schema()
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    reader = pj.open_json(
        source, parse_options=options, read_options=pj.ReadOptions(block_size=16 << 20)
    )
    consumed = 0
    pending: list = []
    for batch in reader:
        pending.append(batch)
        consumed += batch.get_total_buffer_size()
        if sum(b.num_rows for b in pending) >= BLOCK_ROWS:
            yield pa.Table.from_batches(pending, schema).combine_chunks().to_batches()[0]
            pending = []
        if consumed >= limit:
            break
    if pending:
        yield pa.Table.from_batches(pending, schema).combine_chunks().to_batches()[0]


def build(source: Path, dest: Path, size: int) -> dict:
    """Write the table at ``dest`` (replacing it) and return its facts."""
    import pyarrow as pa
    from deltalake import DeltaTable, WriterProperties, write_deltalake

    if dest.exists():
        shutil.rmtree(dest)
    limit = int(size / COMPRESSION_GUESS)
    reader = pa.RecordBatchReader.from_batches(chat_schema(), blocks(source, limit))
    props = WriterProperties(compression="SNAPPY", max_row_group_size=ROW_GROUP_ROWS)
    write_deltalake(str(dest), reader, writer_properties=props)
    table = DeltaTable(str(dest))
    on_disk = sum(p.stat().st_size for p in dest.glob("*.parquet"))
    return {
        "path": str(dest),
        "rows": table.count(),
        "files": len(table.file_uris()),
        "bytes": on_disk,
    }


def main(argv: list[str] | None = None) -> int:
    """Build the table named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--size", default="1GB")
    args = parser.parse_args(argv)
    print(build(args.source, args.dest, parse_size(args.size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
