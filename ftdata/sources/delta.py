"""Delta tables as sources: the log says which files and rows make a version.

deltalake resolves the table (version or timestamp, storage options), its
protocol, schema and file list. Rows are then read one of two ways:

* **per data file** for local tables whose protocol needs no reader feature
  that changes what a Parquet file means (no column mapping, no deletion
  vectors): each file the log lists is streamed with pyarrow, partition
  values come from the log, and findings name the file and the row within it,
  which stays true for as long as the version exists. Each file's rows are
  counted against the ``numRecords`` the log declares for it.
* **deltalake's streaming scan** (``DeltaTable.scan()``) for everything else
  (column mapping, deletion vectors, object stores): it is the reader that
  honours those features (delta-spark.md §1; ``to_pyarrow_dataset`` and
  polars read such tables wrongly). The scan cannot say which file a row came
  from, so rows are numbered in scan order (an info finding says so) unless
  ``--id-column`` names them; the total is counted against the log.

A protocol needing a reader feature neither way honours is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from ftdata.errors import SourceError
from ftdata.rules import load
from ftdata.sources import delta_log
from ftdata.sources.base import Problem
from ftdata.sources.table_options import TableOptions, plan_columns

# Reader features with no effect on what a plain Parquet read of a data file returns.
FILE_SAFE_FEATURES = frozenset({"timestampNtz", "vacuumProtocolCheck", "v2Checkpoint"})
# What deltalake's scan honours (its own list, plus the two it was verified on).
SCAN_FEATURES = FILE_SAFE_FEATURES | {
    "columnMapping",
    "deletionVectors",
    "variantType",
    "variantType-preview",
}


def is_delta_table(target: str) -> bool:
    """A local folder with a ``_delta_log``, or any object-store URI (``s3://…``)."""
    if "://" in target and not target.startswith("file://"):
        return True
    return (Path(target.removeprefix("file://")) / "_delta_log").is_dir()


def open_delta(uri: str, options: TableOptions):
    """A source over one version of the Delta table at ``uri``."""
    from ftdata.sources.arrow import TableSource

    table = _load(uri, options)
    features = _reader_features(uri, table.protocol())
    schema = _needed(_arrow_schema(table), options)
    version = table.version()
    log_notes = _check_log(uri, table, version)
    if _is_local(uri) and not features & {"columnMapping", "deletionVectors"}:
        return TableSource(
            uri,
            schema,
            lambda: _file_parts(uri, table, schema, options),
            options,
            kind="delta",
            version=version,
            notes=log_notes,
        )
    source = TableSource(
        uri,
        schema,
        lambda: [_scan_part(uri, table, schema, options)],
        options,
        kind="delta",
        version=version,
        notes=log_notes,
    )
    if options.id_column is None:
        source.notes.append(
            Problem(
                load.UNSTABLE_ROW_NUMBERS,
                None,
                "rows are numbered in deltalake scan order (the table uses "
                f"{', '.join(sorted(features)) or 'object storage'})",
            )
        )
    return source


def _load(uri: str, options: TableOptions):
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    storage = dict(options.storage_options) or None
    try:
        table = DeltaTable(uri, version=options.version, storage_options=storage)
        if options.timestamp is not None:
            table.load_as_version(options.timestamp)
    except TableNotFoundError as exc:
        raise SourceError(f"no Delta table at {uri}: {_brief(exc)}") from exc
    except BaseException as exc:  # DeltaError, OSError, ValueError, Rust panics
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        gap = delta_log.gap_message(uri, _root(uri)) if _is_local(uri) else None
        raise SourceError(gap or _open_failure(uri, options, exc)) from exc
    if options.timestamp is not None:
        latest = DeltaTable(uri, storage_options=storage)
        delta_log.check_timestamp(uri, table, latest, options.timestamp)
    return table


def _check_log(uri: str, table, version: int) -> list[Problem]:
    """Refuse a local log with an empty commit; note data files whose size the log contradicts."""
    if not _is_local(uri):
        return []
    import pyarrow as pa

    root = _root(uri)
    delta_log.check_commits(uri, root, version)
    actions = pa.table(table.get_add_actions(flatten=False)).select(["path", "size_bytes"])
    rows = [{**a, "relative": unquote(a["path"])} for a in actions.to_pylist()]
    return delta_log.size_problems(root, rows)


def _root(uri: str) -> Path:
    return Path(uri.removeprefix("file://"))


def _open_failure(uri: str, options: TableOptions, exc: BaseException) -> str:
    if options.version is not None:
        return f"Delta table {uri} has no version {options.version}{_latest(uri, options)}"
    if options.timestamp is not None:
        return (
            f"Delta table {uri} has no version at {options.timestamp}"
            f"{_latest(uri, options)}: {_brief(exc)}"
        )
    return f"cannot open Delta table {uri}: {_brief(exc)}"


def _latest(uri: str, options: TableOptions) -> str:
    from deltalake import DeltaTable

    try:
        table = DeltaTable(uri, storage_options=dict(options.storage_options) or None)
    except BaseException:  # noqa: BLE001 - only decorates a message
        return ""
    return f" (its latest version is {table.version()})"


def _reader_features(uri: str, protocol) -> frozenset[str]:
    """The table's reader features; raises if one cannot be honoured."""
    if protocol.min_reader_version > 3:
        raise SourceError(
            f"Delta table {uri} needs reader version {protocol.min_reader_version};"
            " ftdata reads up to 3"
        )
    features = set(protocol.reader_features or ())
    if protocol.min_reader_version == 2:
        features.add("columnMapping")  # reader version 2 means column mapping
    unknown = features - SCAN_FEATURES
    if unknown:
        raise SourceError(
            f"Delta table {uri} needs reader features ftdata cannot honour: "
            f"{', '.join(sorted(unknown))}; it was not read"
        )
    return frozenset(features)


def _arrow_schema(table):
    import pyarrow as pa

    return pa.schema(table.schema().to_arrow())


def _needed(schema, options: TableOptions):
    """The columns to read: those examples keep, plus the id column (less I/O)."""
    import pyarrow as pa

    chosen, _ = plan_columns(schema.names, options)
    keep = set(chosen) | {options.id_column}
    return pa.schema([f for f in schema if f.name in keep])


def _is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def _file_parts(uri: str, table, schema, options: TableOptions):
    """One part per data file of the version, in log order."""
    import pyarrow as pa

    from ftdata.sources.arrow import Part

    root = _root(uri)
    local = _is_local(uri)
    actions = pa.table(table.get_add_actions(flatten=False))
    partitions = table.metadata().partition_columns
    rows = actions.select(["path", "num_records"]).to_pylist()
    values = actions.column("partition").to_pylist() if partitions else [{}] * len(rows)
    for action, partition in zip(rows, values, strict=True):
        relative = unquote(action["path"])  # the log stores paths URL-encoded
        path = root / relative
        yield Part(
            _file_reader(path, schema, partition or {}, options),
            file=relative,
            declared_rows=action["num_records"],
            label=str(path),
            path=str(path) if local else None,
        )


def _file_reader(path: Path, schema, partition: dict, options: TableOptions):
    """A callable streaming one data file's batches in the table's logical schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ftdata.sources.parquet import read_batches

    def stream():
        handle = pq.ParquetFile(path)
        present = set(handle.schema_arrow.names)
        wanted = [f.name for f in schema if f.name in present and f.name not in partition]
        for batch in read_batches(path, wanted, options.read_rows, handle):
            yield _to_table_schema(batch, schema, partition, pa)

    return stream


def _to_table_schema(batch, schema, partition: dict, pa):
    """``batch`` with the table's columns in order: partition values filled, absent as null."""
    columns = []
    for field in schema:
        if field.name in partition:
            value = pa.scalar(partition[field.name], type=field.type)
            columns.append(pa.array([value.as_py()] * batch.num_rows, type=field.type))
        elif field.name in batch.schema.names:
            column = batch.column(field.name)
            columns.append(column if column.type == field.type else column.cast(field.type))
        else:  # a column added to the table after this file was written
            columns.append(pa.nulls(batch.num_rows, type=field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _scan_part(uri: str, table, schema, options: TableOptions):
    """The whole version as one deltalake scan, counted against the log."""
    import pyarrow as pa

    from ftdata.sources.arrow import Part

    def stream():
        reader = pa.RecordBatchReader.from_stream(table.scan(columns=schema.names))
        yield from reader

    return Part(stream, declared_rows=_declared_rows(table), label=uri)


def _declared_rows(table) -> int | None:
    """Rows the log declares for this version: file counts minus rows deleted by vectors."""
    import pyarrow as pa

    counts = pa.table(table.get_add_actions(flatten=False)).column("num_records").to_pylist()
    if any(c is None for c in counts):
        return None  # a file without statistics: nothing to count against
    deleted = 0
    for mask in pa.table(table.deletion_vectors()).column("selection_vector").to_pylist():
        deleted += sum(1 for keep in mask if not keep)
    return sum(counts) - deleted


def _brief(exc: BaseException) -> str:
    """The gist of a deltalake error: its first line, without Rust debug dumps or error chains."""
    text = str(exc).strip().splitlines()
    if not text:
        return type(exc).__name__
    gist = re.split(r"\s\w+ \{|\s\w+\(\w+ \{", text[0], maxsplit=1)[0].rstrip(" :,")
    gist = re.sub(r"^(?:[\w ]*[Ee]rror: )+", "", gist) or text[0]
    return gist if len(gist) <= 200 else gist[:199] + "…"
