"""One canonical Arrow type per logical type, so every table source looks alike.

deltalake's ``scan()`` returns ``string_view``, polars ``large_string`` and
``large_list`` with the child name ``item``, Parquet ``list`` with ``element``
(see the delta-spark research note, section 1). The rules must not care: types
are compared after :func:`canonical_type`, and batches are cast to it before
they become Python objects (pyarrow's compute kernels reject ``string_view``).
"""

from __future__ import annotations

import pyarrow as pa

_STRINGS = (pa.string(), pa.large_string(), pa.string_view())
_BINARIES = (pa.binary(), pa.large_binary(), pa.binary_view())

# The canonical type of a chat table's ``messages``: array<struct<role: string, content: string>>.
CHAT_TYPE = pa.list_(
    pa.field("element", pa.struct([("role", pa.string()), ("content", pa.string())]))
)


def canonical_type(kind: pa.DataType) -> pa.DataType:
    """``kind`` with every string as ``string``, every list as ``list<element>``."""
    if kind in _STRINGS:
        return pa.string()
    if kind in _BINARIES:
        return pa.binary()
    if _is_list(kind):
        item = kind.value_field
        return pa.list_(pa.field("element", canonical_type(item.type), item.nullable))
    if pa.types.is_struct(kind):
        return pa.struct([canonical_field(kind.field(i)) for i in range(kind.num_fields)])
    if pa.types.is_map(kind):
        return pa.map_(canonical_type(kind.key_type), canonical_type(kind.item_type))
    if pa.types.is_dictionary(kind):
        return canonical_type(kind.value_type)
    return kind


def canonical_field(item: pa.Field) -> pa.Field:
    """A field with its type made canonical (name, nullability and metadata kept)."""
    return pa.field(item.name, canonical_type(item.type), item.nullable, item.metadata)


def canonical_schema(schema: pa.Schema) -> pa.Schema:
    """A schema whose fields are all canonical."""
    return pa.schema([canonical_field(f) for f in schema], metadata=schema.metadata)


def normalise_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Cast ``batch`` to its canonical schema (a no-op when it already is)."""
    target = canonical_schema(batch.schema)
    if target.equals(batch.schema):
        return batch
    # Column by column: a large_list whose offsets overflow int32 cannot become a
    # list; it is then kept as it is, because to_pylist gives the same values.
    columns = []
    for column, field in zip(batch.columns, target, strict=True):
        try:
            columns.append(column.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def is_string(kind: pa.DataType) -> bool:
    """Whether ``kind`` is any of Arrow's string types."""
    return canonical_type(kind) == pa.string()


def _is_list(kind: pa.DataType) -> bool:
    return (
        pa.types.is_list(kind)
        or pa.types.is_large_list(kind)
        or pa.types.is_fixed_size_list(kind)
        or pa.types.is_list_view(kind)
        or pa.types.is_large_list_view(kind)
    )


def describe(kind: pa.DataType) -> str:
    """A short Spark-style name of a type: ``array<struct<role: string, content: string>>``."""
    kind = canonical_type(kind)
    if _is_list(kind):
        return f"array<{describe(kind.value_type)}>"
    if pa.types.is_struct(kind):
        inner = ", ".join(f"{f.name}: {describe(f.type)}" for f in kind)
        return f"struct<{inner}>"
    return str(kind)
