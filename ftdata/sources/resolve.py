"""Turning what the user named (paths, folders, globs, ``-``, objects) into sources."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from ftdata.errors import UsageError
from ftdata.sources.base import Batch
from ftdata.sources.jsonl import JsonlSource
from ftdata.sources.memory import RecordsSource
from ftdata.sources.text import TextCorpusSource

# Folders are searched for these; a file named explicitly is read as JSONL whatever its name.
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zstd", ".ndjson")
GLOB_CHARS = set("*?[")


class Source(Protocol):
    """Anything that yields batches of examples."""

    name: str
    kind: str

    def batches(self) -> Iterator[Batch]:
        """Yield bounded batches of examples and problems."""


def open_sources(target: object, *, task: str | None, max_line_bytes: int,
                 task_for: Callable[[str], str | None] | None = None) -> list[Source]:
    """Resolve a path, a list of paths, or in-memory records into sources.

    ``task_for(path)`` names the task of a path when ``task`` is not forced (the
    ``[tool.ftdata.tasks]`` globs); a ``pretraining`` path is read as text.
    Raises ``UsageError`` for a path that does not exist (a usage error, exit 2).
    """
    if isinstance(target, str | Path):
        return _from_paths([str(target)], task, max_line_bytes, task_for)
    if isinstance(target, Sequence) and target and all(isinstance(t, str | Path) for t in target):
        return _from_paths([str(t) for t in target], task, max_line_bytes, task_for)
    if isinstance(target, Sequence) and not target:
        raise UsageError("no input given")
    if isinstance(target, dict):
        return [RecordsSource([target])]
    if hasattr(target, "__iter__"):
        return [RecordsSource(target)]
    raise UsageError(f"cannot validate an object of type {type(target).__name__}")


def _from_paths(paths: list[str], task: str | None, max_line_bytes: int,
                task_for: Callable[[str], str | None] | None = None) -> list[Source]:
    sources: list[Source] = []
    loose_text: list[Path] = []
    for path in _expand_globs(paths):
        if path == "-":
            sources.append(JsonlSource("-", max_line_bytes=max_line_bytes))
            continue
        item = Path(path)
        item_task = task or (task_for(path) if task_for else None)
        if item.is_dir():
            sources.extend(_from_folder(item, item_task, max_line_bytes))
        elif _is_text_file(item, item_task):
            loose_text.append(item)
        else:
            sources.append(JsonlSource(path, max_line_bytes=max_line_bytes))
    if loose_text:
        name = str(loose_text[0]) if len(loose_text) == 1 else "<.txt files>"
        sources.append(TextCorpusSource(name, loose_text, []))
    return sources


def _expand_globs(paths: list[str]) -> list[str]:
    expanded: list[str] = []
    for path in paths:
        if path == "-" or Path(path).exists():
            expanded.append(path)
        elif GLOB_CHARS & set(path):
            matches = sorted(glob.glob(path, recursive=True))
            if not matches:
                raise UsageError(f"no file matches {path}")
            expanded.extend(matches)
        else:
            raise UsageError(f"no such file or folder: {path}")
    return expanded


def _from_folder(folder: Path, task: str | None, max_line_bytes: int) -> list[Source]:
    """A folder is a text corpus unless it holds JSONL files; then each JSONL file is a source.

    Sub-folders of a JSONL folder are resolved again by the same rule, so a
    folder of task folders (like ``sample_data/``) yields one source per file
    and one corpus per ``.txt``-only folder.
    """
    if task == "pretraining" or not _holds_jsonl(folder):
        return [TextCorpusSource.from_folder(folder)]
    sources: list[Source] = []
    loose_text: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            if _holds_jsonl(entry) or any(entry.rglob("*.txt")):
                sources.extend(_from_folder(entry, task, max_line_bytes))
        elif _is_jsonl_name(entry.name):
            sources.append(JsonlSource(str(entry), max_line_bytes=max_line_bytes))
        elif entry.name.lower().endswith(".txt"):
            loose_text.append(entry)
    if loose_text:
        sources.append(TextCorpusSource(str(folder), loose_text, []))
    return sources


def _holds_jsonl(folder: Path) -> bool:
    return any(_is_jsonl_name(p.name) for p in folder.rglob("*") if p.is_file())


def _is_jsonl_name(name: str) -> bool:
    return name.lower().endswith(JSONL_SUFFIXES)


def _is_text_file(path: Path, task: str | None) -> bool:
    return task == "pretraining" or path.name.lower().endswith(".txt")
