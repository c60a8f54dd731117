"""In-memory tables as sources: pyarrow, polars, pandas and Hugging Face datasets.

Objects are recognised by their type's module, so none of these libraries is
imported unless the caller already passed one of its objects. Each becomes a
:class:`~ftdata.sources.arrow.TableSource` over Arrow data without a detour
through Python objects (except pandas frames whose columns Arrow cannot type).
"""

from __future__ import annotations

from typing import Any

from ftdata.sources.table_options import TableOptions


def frame_kind(target: object) -> str | None:
    """``"pyarrow"``, ``"polars"``, ``"polars-lazy"``, ``"pandas"``, ``"datasets"``, or ``None``."""
    kind = type(target)
    module, name = kind.__module__.split(".")[0], kind.__name__
    if module == "pyarrow" and name in ("Table", "RecordBatch", "RecordBatchReader"):
        return "pyarrow"
    if module == "polars" and name == "DataFrame":
        return "polars"
    if module == "polars" and name == "LazyFrame":
        return "polars-lazy"
    if module == "pandas" and name == "DataFrame":
        return "pandas"
    if module == "datasets" and name == "Dataset":
        return "datasets"
    if hasattr(target, "__arrow_c_stream__") and not isinstance(target, (str, bytes)):
        return "arrow-stream"  # arro3 (deltalake), DuckDB, any Arrow PyCapsule producer
    return None


def open_frame(target: Any, kind: str, options: TableOptions, label: str | None = None):
    """The source for an in-memory table of the given ``kind`` (see :func:`frame_kind`).

    ``label`` names the source in findings (default ``<module.Type>``).
    """
    import pyarrow as pa

    from ftdata.sources import arrow

    label = label or f"<{type(target).__module__.split('.')[0]}.{type(target).__name__}>"
    if kind == "pyarrow" and isinstance(target, pa.RecordBatchReader):
        return arrow.from_reader(label, target, options)
    if kind == "pyarrow":
        return arrow.from_table(label, target, options)
    if kind == "polars":
        return arrow.from_table(label, target.to_arrow(), options)
    if kind == "polars-lazy":
        # collect(), not collect_batches(): the latter has been seen to end early
        # without an error when a read panics (delta-spark.md §1), losing rows.
        return arrow.from_table(label, target.collect().to_arrow(), options)
    if kind == "pandas":
        return _from_pandas(label, target, options)
    if kind == "datasets":
        return _from_dataset(label, target, options)
    return arrow.from_reader(label, pa.RecordBatchReader.from_stream(target), options)


def _from_pandas(label: str, frame, options: TableOptions):
    import pyarrow as pa

    from ftdata.sources import arrow
    from ftdata.sources.memory import RecordsSource

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        # Mixed Python types in one column (a number among strings) cannot become
        # an Arrow column; check the rows as they are rather than refuse them.
        return RecordsSource(frame.to_dict(orient="records"), name=label)
    return arrow.from_table(label, table, options)


def _from_dataset(label: str, dataset, options: TableOptions):
    from ftdata.sources import arrow

    batches = dataset.with_format("arrow")
    schema = batches[:0].schema  # respects an indices mapping (select/shuffle)

    def stream():
        for table in batches.iter(batch_size=options.read_rows):
            yield from table.to_batches()

    part = arrow.Part(stream)
    return arrow.TableSource(label, schema, lambda: [part], options)
