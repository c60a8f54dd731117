"""How to read a table: time travel, storage options, and which columns become keys.

Kept free of pyarrow so that resolving JSONL paths stays light; the table
sources import pyarrow and deltalake only when a table is actually read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ftdata.errors import UsageError


@dataclass(frozen=True, slots=True)
class TableOptions:
    """Options of table sources (Delta, Parquet, in-memory frames).

    ``version``/``timestamp`` pick a Delta version (at most one of them);
    ``storage_options`` go to deltalake unchanged (object-store credentials).
    ``columns`` keeps only these columns (named before or after renaming);
    ``rename`` maps new names to the table's names (``{"prompt": "question"}``);
    ``id_column`` names each row in findings and is never part of an example.
    """

    version: int | None = None
    timestamp: str | None = None
    storage_options: Mapping[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] | None = None
    rename: Mapping[str, str] = field(default_factory=dict)
    id_column: str | None = None
    profile: str = "databricks"
    task: str | None = None
    # 1,024 rows of chat (~4 MB of Arrow data) become Python objects at a time:
    # small enough for flat memory, large enough to amortise per-batch costs.
    batch_rows: int = 1024
    # Rows read from a file or scan at a time; rows proven clean on Arrow
    # (``vectorise``) skip Python objects, and are hashed for duplicate
    # detection when ``hash_clean_rows``. The token stage needs every row's
    # values, so it turns ``vectorise`` off.
    read_rows: int = 8192
    vectorise: bool = True
    hash_clean_rows: bool = True

    def __post_init__(self) -> None:
        if self.version is not None and self.timestamp is not None:
            raise UsageError("give either a table version or a timestamp, not both")
        if self.version is not None and self.version < 0:
            raise UsageError(f"a table version is 0 or more, not {self.version}")
        targets = list(self.rename.values())
        if len(set(targets)) < len(targets):
            raise UsageError("--map names the same column twice")

    @property
    def time_travel(self) -> bool:
        """Whether a version or timestamp was asked for (meaningful for Delta only)."""
        return self.version is not None or self.timestamp is not None


def cli_arguments(args) -> dict[str, Any]:
    """The ``validate()`` keyword arguments of the command line's table options."""
    return {
        "version": args.table_version,
        "timestamp": args.timestamp,
        "storage_options": parse_pairs(args.storage_option, "--storage-option", split=False),
        "columns": parse_names(args.columns),
        "rename": parse_pairs(args.map, "--map"),
        "id_column": args.id_column,
    }


def parse_pairs(values: Iterable[str] | None, what: str, *, split: bool = True) -> dict[str, str]:
    """``["a=b,c=d", "e=f"]`` -> ``{"a": "b", "c": "d", "e": "f"}``; bad items are usage errors.

    With ``split=False`` each value is one pair (a credential may hold commas).
    """
    pairs: dict[str, str] = {}
    for value in values or ():
        for item in value.split(",") if split else [value]:
            if not item.strip():
                continue
            key, sep, target = item.partition("=")
            if not sep or not key.strip() or not target.strip():
                raise UsageError(f"{what} takes NAME=VALUE pairs, not {item!r}")
            pairs[key.strip()] = target.strip()
    return pairs


def parse_names(values: Iterable[str] | None) -> tuple[str, ...] | None:
    """Comma-separated or repeated column names, or ``None`` when none were given."""
    names = tuple(n.strip() for v in values or () for n in v.split(",") if n.strip())
    return names or None


def plan_columns(names: list[str], options: TableOptions) -> tuple[list[str], dict[str, str]]:
    """The table columns to read and their names in examples, after checking they exist.

    Returns ``(source columns in table order, {source name: example name})``.
    Raises ``UsageError`` naming any column that ``--columns``, ``--map`` or
    ``--id-column`` refers to but the table does not have.
    """
    present = set(names)
    old_to_new = {old: new for new, old in options.rename.items()}
    missing = [old for old in old_to_new if old not in present]
    if options.id_column is not None and options.id_column not in present:
        missing.append(options.id_column)
    wanted = None
    if options.columns is not None:
        known = present | set(options.rename)
        missing += [c for c in options.columns if c not in known]
        wanted = {options.rename.get(c, c) for c in options.columns}
    if missing:
        raise UsageError(
            f"the table has no column {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(names) or 'none'})"
        )
    chosen = [n for n in names if n != options.id_column and (wanted is None or n in wanted)]
    return chosen, {n: old_to_new.get(n, n) for n in chosen}
