"""Expanding glob patterns (``data/**/*.jsonl``) with the loop-safe folder walk.

``glob.glob`` follows symbolic links to folders without remembering them: a
``**`` through ``ln -s . data/self`` matches each file about 40 times, and two
such loops make it run for ever. Here the folder under the pattern's literal
prefix is walked once per real folder (:mod:`ftdata.sources.walk`) and each
path is matched component by component, with glob's rules: ``*``, ``?`` and
``[…]`` within one name, ``**`` for any number of folders, and names starting
with ``.`` matched only by a pattern component that starts with ``.``.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ftdata.rules import load
from ftdata.sources.base import Problem
from ftdata.sources.walk import Folder, Walker

GLOB_CHARS = frozenset("*?[")


@dataclass(slots=True)
class Matches:
    """What a pattern matched (files and folders, in walk order) and what the walk skipped."""

    paths: list[str] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


def is_pattern(path: str) -> bool:
    """Whether ``path`` holds glob characters."""
    return bool(GLOB_CHARS & set(path))


def expand(pattern: str) -> Matches:
    """The files and folders ``pattern`` matches, each real one once."""
    parts = pattern.split(os.sep)
    literal = next(i for i, part in enumerate(parts) if is_pattern(part))
    prefix, wanted = parts[:literal], tuple(parts[literal:])
    root = Path(os.sep.join(prefix) or (os.sep if pattern.startswith(os.sep) else "."))
    found = Matches()
    if not root.is_dir():
        return found
    depth = None if "**" in wanted else len(wanted) - 1
    hidden = any(part.startswith(".") for part in wanted)  # else no hidden name can match
    tree = Walker().folder(root, max_depth=depth, hidden=hidden)
    for node in _nodes(tree):
        relative = node.relative_to(root).parts
        if relative and _matches(relative, wanted):
            found.paths.append(str(node) if prefix else os.sep.join(relative))
    for path, problem in tree.all_skipped():
        # A skipped loop or unreadable folder may hide matches: always say so.
        hides = problem.rule in (load.WALKED_ONCE, load.UNREADABLE)
        relative = path.relative_to(root).parts
        if hides or _matches(relative, wanted):
            found.notes.append(problem)
    return found


def _nodes(tree: Folder):
    """Every file and folder below ``tree``, in name order depth-first."""
    stack = list(reversed(tree.children))
    while stack:
        node = stack.pop()
        if isinstance(node, Folder):
            yield node.path
            stack.extend(reversed(node.children))
        else:
            yield node


def _matches(names: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """Whether path components ``names`` match pattern components ``wanted``."""

    @cache
    def match(i: int, j: int) -> bool:
        if j == len(wanted):
            return i == len(names)
        if wanted[j] == "**":  # zero or more visible folders (or the file itself)
            if match(i, j + 1):
                return True
            return i < len(names) and not names[i].startswith(".") and match(i + 1, j)
        return i < len(names) and _name_matches(names[i], wanted[j]) and match(i + 1, j + 1)

    return match(0, 0)


def _name_matches(name: str, pattern: str) -> bool:
    if name.startswith(".") and not pattern.startswith("."):
        return False  # as glob: hidden names need an explicit leading dot
    return fnmatch.fnmatchcase(name, pattern)
