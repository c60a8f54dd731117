"""Turning what the user named (paths, folders, globs, ``-``, objects) into sources."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from ftdata.errors import UsageError
from ftdata.sources import globs, memory
from ftdata.sources.base import Batch, Problem
from ftdata.sources.jsonl import JsonlSource
from ftdata.sources.memory import RecordsSource
from ftdata.sources.table_options import TableOptions
from ftdata.sources.text import TextCorpusSource
from ftdata.sources.walk import Folder, Walker

# Folders are searched for these; a file named explicitly is read as JSONL whatever its name.
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zstd", ".ndjson")


class Source(Protocol):
    """Anything that yields batches of examples."""

    name: str
    kind: str

    def batches(self) -> Iterator[Batch]:
        """Yield bounded batches of examples and problems."""


def open_sources(
    target: object,
    *,
    task: str | None,
    max_line_bytes: int,
    task_for: Callable[[str], str | None] | None = None,
    table: TableOptions | None = None,
) -> list[Source]:
    """Resolve a path, a list of paths, in-memory records or an in-memory table into sources.

    ``task_for(path)`` names the task of a path when ``task`` is not forced (the
    ``[tool.ftdata.tasks]`` globs); a ``pretraining`` path is read as text.
    Delta tables, Parquet files and folders, and in-memory tables (pyarrow,
    polars, pandas, datasets) are read with ``table`` options.
    Raises ``UsageError`` for a path that does not exist (a usage error, exit 2).
    """
    table = table or TableOptions()
    if isinstance(target, str | Path):
        return _from_paths([str(target)], task, max_line_bytes, task_for, table)
    if isinstance(target, Sequence) and target and all(isinstance(t, str | Path) for t in target):
        return _from_paths([str(t) for t in target], task, max_line_bytes, task_for, table)
    frame = _frame(target, task, table)
    if frame is not None:
        return [frame]
    if table.time_travel:
        raise UsageError("a table version or timestamp applies to Delta tables only")
    return _from_memory(target, task, max_line_bytes, table)


def _from_memory(
    target: object, task: str | None, max_line_bytes: int, table: TableOptions
) -> list[Source]:
    """Sources for JSONL bytes or file objects, dataset dicts and in-memory examples."""
    if isinstance(target, Sequence) and not target:
        raise UsageError("no input given")
    if memory.is_stream(target):
        return [
            JsonlSource(
                memory.stream_name(target),
                max_line_bytes=max_line_bytes,
                opener=memory.stream_opener(target),
            )
        ]
    splits = memory.dataset_splits(target)
    if splits is not None:  # one source per split, named after it
        label = f"<{type(target).__name__}>"
        return [
            source
            for name, split in splits.items()
            for source in _split_sources(split, f"{label}[{name}]", task, max_line_bytes, table)
        ]
    if isinstance(target, dict):
        return [RecordsSource([target])]
    if hasattr(target, "__iter__"):
        return [RecordsSource(target)]
    raise UsageError(
        f"cannot validate an object of type {type(target).__name__}: give a path, "
        "a table, JSONL bytes or a file object, or an iterable of example dicts"
    )


def _split_sources(
    split: Any, label: str, task: str | None, max_line_bytes: int, table: TableOptions
) -> list[Source]:
    from ftdata.sources.frames import frame_kind, open_frame

    kind = frame_kind(split)
    if kind is not None:
        return [open_frame(split, kind, dataclasses.replace(table, task=task), label=label)]
    return [RecordsSource(split, name=label)]  # an IterableDataset yields example dicts


def _from_paths(
    paths: list[str],
    task: str | None,
    max_line_bytes: int,
    task_for: Callable[[str], str | None] | None = None,
    table: TableOptions | None = None,
) -> list[Source]:
    """Sources for the paths, each real file read once (see ``ftdata.sources.walk``)."""
    if any(not path for path in paths):  # "" would silently mean the current folder
        raise UsageError("an empty PATH ('') names no file or folder; write . for the current one")
    if any("\0" in path for path in paths):
        raise UsageError("a PATH cannot hold a NUL byte")
    sources: list[Source] = []
    loose_text: list[Path] = []
    table = table or TableOptions()
    walker = Walker()
    expanded, notes = _expand_globs(paths)
    if table.time_travel and not any(_table_kind(p) == "delta" for p, _ in expanded):
        raise UsageError("a table version or timestamp applies to Delta tables only")
    for path, named in expanded:
        if path == "-":
            sources.append(JsonlSource("-", max_line_bytes=max_line_bytes))
            continue
        item = Path(path)
        item_task = task or (task_for(path) if task_for else None)
        kind = _table_kind(path)
        if kind is not None:
            sources.append(_open_table(path, kind, dataclasses.replace(table, task=item_task)))
        elif item.is_dir():
            tree = walker.folder(item)
            if tree.again:  # every file in it is read already
                notes.extend(tree.notes)
                continue
            skipped: list[Problem] = []  # reported by the folder's own first source
            found = _from_folder(tree, item_task, max_line_bytes, skipped)
            sources.extend(_with_notes(found, skipped))
        elif named and _is_stdin(item):  # /dev/stdin, /dev/fd/0: a stream, read as ``-``
            sources.append(JsonlSource("-", max_line_bytes=max_line_bytes))
        elif (problem := walker.named(item) if named else walker.claim(item)) is not None:
            notes.append(problem)
        elif _is_text_file(item, item_task):
            loose_text.append(item)
        else:
            sources.append(JsonlSource(path, max_line_bytes=max_line_bytes))
    if loose_text:
        name = str(loose_text[0]) if len(loose_text) == 1 else "<.txt files>"
        sources.append(TextCorpusSource(name, loose_text, []))
    return _with_notes(sources, notes)


def _with_notes(sources: list[Source], notes: list[Problem]) -> list[Source]:
    """Hand what the walk skipped to the first source, which reports it."""
    if notes and not sources:
        raise UsageError(f"nothing left to read: {notes[0].message}")
    if notes:
        # The walk makes only JSONL, text and table sources, which all report notes.
        sources[0].notes[:0] = notes  # type: ignore[attr-defined]
    return sources


def _expand_globs(paths: list[str]) -> tuple[list[tuple[str, bool]], list[Problem]]:
    """Each path with whether the user named it (``False``: a glob matched it), and notes."""
    expanded: list[tuple[str, bool]] = []
    notes: list[Problem] = []
    for path in paths:
        if not path:
            raise UsageError("an empty path names no input")
        if path == "-" or Path(path).exists() or Path(path).is_symlink() or _is_uri(path):
            expanded.append((path, True))
        elif globs.is_pattern(path):
            matches = globs.expand(path)
            if not matches.paths:
                raise UsageError(f"no file matches {path}")
            expanded.extend((match, False) for match in matches.paths)
            notes.extend(matches.notes)
        else:
            raise UsageError(f"no such file or folder: {path}")
    return expanded, notes


def _from_folder(
    folder: Folder, task: str | None, max_line_bytes: int, notes: list[Problem]
) -> list[Source]:
    """A folder is a text corpus unless it holds JSONL files; then each JSONL file is a source.

    Sub-folders of a JSONL folder are resolved again by the same rule, so a
    folder of task folders (like ``sample_data/``) yields one source per file
    and one corpus per ``.txt``-only folder. What the walk skipped is added
    to ``notes``.
    """
    if task == "pretraining" or not _holds_jsonl(folder):
        notes.extend(folder.all_notes())
        files = list(folder.files())
        text = [f for f in files if f.name.lower().endswith(".txt")]
        ignored = [f for f in files if not f.name.lower().endswith(".txt")]
        return [TextCorpusSource(str(folder.path), text, ignored)]
    sources: list[Source] = []
    loose_text: list[Path] = []
    notes.extend(folder.notes)
    for entry in folder.children:
        if isinstance(entry, Folder):
            if _holds_jsonl(entry) or any(f.name.lower().endswith(".txt") for f in entry.files()):
                sources.extend(_from_folder(entry, task, max_line_bytes, notes))
            else:
                notes.extend(entry.all_notes())
        elif _is_jsonl_name(entry.name):
            sources.append(JsonlSource(str(entry), max_line_bytes=max_line_bytes))
        elif entry.name.lower().endswith(".txt"):
            loose_text.append(entry)
    if loose_text:
        sources.append(TextCorpusSource(str(folder.path), loose_text, []))
    return sources


def _holds_jsonl(folder: Folder | Path) -> bool:
    if isinstance(folder, Path):
        return any(_is_jsonl_name(p.name) for p in folder.rglob("*") if p.is_file())
    return any(_is_jsonl_name(p.name) for p in folder.files())


def _is_stdin(path: Path) -> bool:
    """Whether ``path`` is this process's standard input when that is not a regular file."""
    import os
    import stat

    try:
        mine, named = os.fstat(0), os.stat(path)
    except OSError:
        return False
    same = (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino)
    return same and not stat.S_ISREG(named.st_mode)


def _is_jsonl_name(name: str) -> bool:
    return name.lower().endswith(JSONL_SUFFIXES)


def _is_text_file(path: Path, task: str | None) -> bool:
    return task == "pretraining" or path.name.lower().endswith(".txt")


def _is_uri(path: str) -> bool:
    """An object-store URI (``s3://``, ``abfss://``, ``gs://``…): read as a Delta table."""
    return "://" in path and not path.startswith("file://")


def _table_kind(path: str) -> str | None:
    """``"delta"``, ``"parquet"`` (a file), ``"parquet-folder"``, or ``None`` for other inputs."""
    from ftdata.sources.delta import is_delta_table
    from ftdata.sources.parquet import holds_parquet, is_parquet_name

    if path == "-":
        return None
    if is_delta_table(path):
        return "delta"
    item = Path(path)
    if item.is_file() and is_parquet_name(item.name):
        return "parquet"
    if item.is_dir() and not _holds_jsonl(item) and holds_parquet(item):
        return "parquet-folder"
    return None


def _open_table(path: str, kind: str, options: TableOptions) -> Source:
    """The table source of a Delta table, a Parquet file or a folder of Parquet files."""
    if kind == "delta":
        from ftdata.sources.delta import open_delta

        return open_delta(path, options)
    from ftdata.sources.parquet import open_parquet_file, open_parquet_folder

    if kind == "parquet":
        return open_parquet_file(path, options)
    return open_parquet_folder(path, options)


def _frame(target: object, task: str | None, table: TableOptions) -> Source | None:
    """A source for an in-memory table (pyarrow, polars, pandas, datasets), else ``None``."""
    from ftdata.sources.frames import frame_kind, open_frame

    kind = frame_kind(target)
    if kind is None:
        return None
    return open_frame(target, kind, dataclasses.replace(table, task=task))
