"""Parquet shards: the MDS columns as typed Arrow, zstd, bounded row groups and files."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ftdata.writers import FILE_BYTES, ShardInfo

ROW_GROUP_ROWS = 4096
ROW_GROUP_BYTES = 32 * 1024 * 1024


def arrow_schema(columns: Mapping[str, str]):
    """The Arrow schema of the record columns (sorted, as in MDS).

    ``turns`` is a list of ``{input_ids, labels}`` int32 lists; ``tokens`` an
    int32 list; ``messages`` a list of ``{role, content}``; other columns strings.
    """
    import pyarrow as pa

    ids = pa.list_(pa.int32())
    types = {
        "turns": pa.list_(pa.struct([("input_ids", ids), ("labels", ids)])),
        "tokens": ids,
        "messages": pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])),
    }
    return pa.schema([(name, types.get(name, pa.string())) for name in sorted(columns)])


def _arrow_value(name: str, value: Any) -> Any:
    """Record values as Arrow takes them (arrays to lists, messages with string content)."""
    if name == "tokens":
        return value.tolist() if hasattr(value, "tolist") else list(value)
    if name == "messages":
        import json

        return [
            {
                "role": m["role"],
                "content": m["content"]
                if isinstance(m["content"], str)
                else json.dumps(m["content"]),
            }
            for m in value
        ]
    return value


def _approx_bytes(record: Mapping[str, Any]) -> int:
    """A cheap upper-ish estimate of a record's Arrow size, to bound row groups in bytes."""
    total = 0
    for name, value in record.items():
        if name == "tokens":
            total += 4 * len(value)
        elif name == "turns":
            total += sum(4 * (len(t["input_ids"]) + len(t["labels"])) for t in value)
        elif name == "messages":
            total += sum(len(str(m.get("content", ""))) + 16 for m in value)
        else:
            total += len(value)
    return total


class ParquetShardWriter:
    """Writes records into ``part-NNNNN.parquet`` files of at most ``file_bytes`` each."""

    def __init__(
        self,
        folder: Path,
        columns: Mapping[str, str],
        *,
        prefix: str = "",
        file_bytes: int = FILE_BYTES,
        row_group_rows: int = ROW_GROUP_ROWS,
    ) -> None:
        """``columns`` are the record's column names (their MDS encodings are ignored)."""
        self.folder, self.prefix = folder, prefix
        self.schema = arrow_schema(columns)
        self.names = self.schema.names
        self.file_bytes, self.row_group_rows = file_bytes, row_group_rows
        self._rows: dict[str, list] = {name: [] for name in self.names}
        self._count, self._bytes, self._group_bytes = 0, 0, 0
        self._writer: Any = None  # a pyarrow.parquet.ParquetWriter while a file is open
        self._file_rows = 0
        self.shards: list[ShardInfo] = []
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, record: Mapping[str, Any]) -> None:
        """Buffer one record; a full row group goes to the current file."""
        for name in self.names:
            self._rows[name].append(_arrow_value(name, record[name]))
        self._count += 1
        self._group_bytes += _approx_bytes(record)
        if self._count >= self.row_group_rows or self._group_bytes >= ROW_GROUP_BYTES:
            self._flush_group()

    def _flush_group(self) -> None:
        import pyarrow as pa

        if not self._count:
            return
        table = pa.Table.from_pydict(self._rows, schema=self.schema)
        self._rows = {name: [] for name in self.names}
        if self._writer is None:
            self._open()
        self._writer.write_table(table, row_group_size=self._count)
        self._file_rows += self._count
        self._count, self._group_bytes = 0, 0
        # Compressed size is known only at close; the Arrow size bounds it from above.
        self._bytes += table.nbytes
        if self._bytes >= self.file_bytes:
            self._close_file()

    def _open(self) -> None:
        import pyarrow.parquet as pq

        self._path = self.folder / f"part-{len(self.shards):05d}.parquet"
        self._writer = pq.ParquetWriter(
            self._path, self.schema, compression="zstd", write_statistics=False
        )

    def _close_file(self) -> None:
        self._writer.close()
        data = self._path.read_bytes()
        self.shards.append(
            ShardInfo(
                self.prefix + self._path.name,
                len(data),
                hashlib.sha256(data).hexdigest(),
                self._file_rows,
            )
        )
        self._writer, self._bytes, self._file_rows = None, 0, 0

    def close(self) -> list[ShardInfo]:
        """Write the last row group, close the file and return the files written."""
        self._flush_group()
        if self._writer is not None:
            self._close_file()
        return self.shards
