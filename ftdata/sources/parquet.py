"""Parquet files and folders of Parquet files as table sources.

A file is read row group by row group (``iter_batches``), so memory stays
bounded by the batch size, and findings name the row within the file. A
folder of part files is one source whose findings name the part file; the
rows read from each file are checked against the row count in its footer.
"""

from __future__ import annotations

from pathlib import Path

from ftdata.errors import SourceError, UsageError
from ftdata.sources.table_options import TableOptions

PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")


def is_parquet_name(name: str) -> bool:
    """Whether a file name says Parquet."""
    return name.lower().endswith(PARQUET_SUFFIXES)


def parquet_files(folder: Path) -> list[Path]:
    """The Parquet files under ``folder``, sorted, skipping hidden and ``_`` entries."""
    return _listed(folder)[0]


def _listed(folder: Path):
    """The Parquet files under ``folder`` (sorted) and what the walk skipped among them.

    The walk is :mod:`ftdata.sources.walk`'s: each real file once, no FIFO
    opened, and a sub-folder that cannot be listed reported, not skipped silently.
    """
    from ftdata.sources.walk import Walker

    tree = Walker().folder(folder)
    found = sorted(p for p in tree.files() if _wanted(folder, p) and is_parquet_name(p.name))
    notes = [problem for path, problem in tree.all_skipped() if _wanted(folder, path)]
    return found, notes


def _wanted(folder: Path, path: Path) -> bool:
    # _SUCCESS, _delta_log, .crc files and the like are not data.
    return not any(p.startswith((".", "_")) for p in path.relative_to(folder).parts)


def holds_parquet(folder: Path) -> bool:
    """Whether a folder holds at least one Parquet file (and so is read as a table)."""
    try:
        return bool(parquet_files(folder))
    except UsageError:  # a folder that cannot be listed is reported by the folder walk
        return False


def open_parquet_file(path: str, options: TableOptions):
    """A source over one Parquet file; rows are numbered within the file."""
    from ftdata.sources.arrow import TableSource

    handle = _open(Path(path))
    part = _part(handle, Path(path), None, options)
    return TableSource(path, handle.schema_arrow, lambda: [part], options, kind="parquet")


def open_parquet_folder(folder: str, options: TableOptions):
    """A source over every Parquet file in a folder; findings name the part file."""
    from ftdata.sources.arrow import TableSource
    from ftdata.sources.normalise import canonical_schema

    root = Path(folder)
    files, notes = _listed(root)
    if not files:
        raise SourceError(f"no Parquet file in {folder}")
    first = _open(files[0]).schema_arrow
    expected = canonical_schema(first)

    def parts():
        for path in files:
            handle = _open(path)
            if not canonical_schema(handle.schema_arrow).equals(expected):
                raise SourceError(
                    f"{path} has another schema than {files[0]}; validate the files separately"
                )
            yield _part(handle, path, path.relative_to(root).as_posix(), options)

    return TableSource(folder, first, parts, options, kind="parquet", notes=notes)


def _open(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise SourceError(f"cannot read Parquet file {path}: {exc}") from exc


def _part(handle, path: Path, file: str | None, options: TableOptions):
    from ftdata.sources.arrow import Part

    declared = handle.metadata.num_rows
    return Part(
        lambda: read_batches(path, None, options.read_rows, handle),
        file=file,
        declared_rows=declared,
        label=str(path),
        path=str(path),
    )


# Row groups up to this size (uncompressed) are decoded two at a time in threads;
# larger ones are streamed batch by batch so memory stays bounded.
PARALLEL_ROW_GROUP_BYTES = 64 << 20


def read_batches(path: Path, columns: list[str] | None, read_rows: int, handle=None):
    """Record batches of a Parquet file, in order, at most ``read_rows`` rows each.

    Decoding one row group uses one core; reading the next one in a second
    thread (pyarrow releases the GIL) roughly halves the wall time on two
    cores, as deltalake's scan does. Each thread opens its own reader.
    """
    import pyarrow.parquet as pq

    handle = handle or _open(path)
    meta = handle.metadata
    sizes = [meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)]
    if len(sizes) < 2 or max(sizes) > PARALLEL_ROW_GROUP_BYTES:
        yield from handle.iter_batches(batch_size=read_rows, columns=columns)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    def read(index: int):
        return pq.ParquetFile(path, metadata=meta).read_row_group(index, columns=columns)

    with ThreadPoolExecutor(2, thread_name_prefix="ftdata-parquet") as pool:
        pending: deque = deque()
        for index in range(len(sizes)):
            pending.append(pool.submit(read, index))
            if len(pending) >= 2:
                yield from pending.popleft().result().to_batches(max_chunksize=read_rows)
        while pending:
            yield from pending.popleft().result().to_batches(max_chunksize=read_rows)
