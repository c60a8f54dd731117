"""What keeps ``prepare`` from reading its own output.

``refuse_overlap``: ``--out`` may not lie inside an input folder (the next run
would read the shards back as data) and no input may lie inside ``--out``.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

from ftdata.errors import UsageError

GLOB_CHARS = set("*?[")


def refuse_overlap(source: Any, out: Path) -> None:
    """Refuse an ``out`` that an input folder or glob reaches into, or an input inside ``out``."""
    paths = [source] if isinstance(source, str | os.PathLike) else source
    if not isinstance(paths, list | tuple):
        return
    target = out.resolve()
    for given in paths:
        text = str(given) if isinstance(given, str | os.PathLike) else ""
        if text in ("", "-") or "://" in text:
            continue
        root, pattern = _split_glob(text)
        root = root.resolve()
        if root == target or target in root.parents or (
                root in target.parents and _reaches(pattern, target.relative_to(root).parts)):
            raise UsageError(f"--out {out} overlaps the input {given}: the output would be read "
                             "back as input on the next run; choose an --out outside the inputs")


def _split_glob(path: str) -> tuple[Path, list[str]]:
    """A glob's fixed folder and its wildcard components; a plain path has none (all of it)."""
    parts = Path(path).parts
    if not GLOB_CHARS & set(path) or Path(path).exists():
        return Path(path), ["**"]  # a folder is read recursively
    first = next(i for i, p in enumerate(parts) if GLOB_CHARS & set(p))
    return Path(*parts[:first]) if first else Path("."), list(parts[first:])


def _reaches(pattern: list[str], inside: tuple[str, ...]) -> bool:
    """Whether the glob components could match ``inside`` (out below the root) or a path in it."""
    if "**" in pattern:
        return True
    return all(fnmatch.fnmatchcase(name, part) for name, part in zip(inside, pattern, strict=False))
