"""Walking folders once per real file: links are followed, but never twice.

A folder reached again (a symbolic link loop such as ``ln -s . data/self``, or
a second link to a folder already walked) and a file reached again (a second
link or hard link to it) are skipped with an info finding (``LD015``), so no
row is ever counted twice and a loop cannot hang the walk. Entries that are
not regular files (FIFOs, devices, sockets) are skipped with ``LD016``, since
reading them can block forever or never end. A sub-folder that cannot be
listed is an error (``LD012``): its rows would be missing. A folder or file
named by the user that cannot be read is a usage error instead.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ftdata.errors import UsageError
from ftdata.rules import load
from ftdata.sources.base import Problem


@dataclass(slots=True)
class Folder:
    """One folder walked: its entries in name order (files and sub-folders) and what was skipped."""

    path: Path
    children: list[Path | Folder] = field(default_factory=list)
    again: bool = False  # the folder was read before in this run (named twice, or inside)
    skipped: list[tuple[Path, Problem]] = field(default_factory=list)

    @property
    def notes(self) -> list[Problem]:
        """What was skipped in this folder itself, as findings."""
        return [problem for _, problem in self.skipped]

    def files(self) -> Iterator[Path]:
        """Every regular file below, in ``os.walk`` order (own files, then each sub-folder)."""
        stack = [self]
        while stack:
            folder = stack.pop()
            yield from (c for c in folder.children if isinstance(c, Path))
            stack.extend(reversed([c for c in folder.children if isinstance(c, Folder)]))

    def folders(self) -> Iterator[Folder]:
        """This folder and every folder below it."""
        stack = [self]
        while stack:
            folder = stack.pop()
            yield folder
            stack.extend(reversed([c for c in folder.children if isinstance(c, Folder)]))

    def all_notes(self) -> list[Problem]:
        """What was skipped in this folder and below."""
        return [note for folder in self.folders() for note in folder.notes]

    def all_skipped(self) -> list[tuple[Path, Problem]]:
        """Each entry skipped in this folder and below, with its path."""
        return [item for folder in self.folders() for item in folder.skipped]


class Walker:
    """Remembers every real folder and file of one run, so each is read once."""

    def __init__(self) -> None:
        self._folders: dict[tuple[int, int], Path] = {}
        self._files: dict[tuple[int, int], Path] = {}

    def folder(self, path: Path, max_depth: int | None = None, hidden: bool = True) -> Folder:
        """Walk a folder the user named; a usage error if it cannot be listed.

        ``max_depth`` bounds how deep the walk descends; ``hidden=False`` leaves
        out names starting with ``.`` (a glob that cannot match them).
        """
        try:
            info = os.stat(path)
        except OSError as exc:
            raise UsageError(f"cannot read folder {path}: {_why(exc)}") from None
        root = Folder(path)
        previous = self._folders.get(_key(info))
        if previous is not None:
            root.skipped.append((path, _again(path, previous)))
            root.again = True
            return root
        self._folders[_key(info)] = path
        try:
            entries = _listing(path)
        except OSError as exc:
            raise UsageError(f"cannot read folder {path}: {_why(exc)}") from None
        self._walk(root, entries, max_depth, hidden)
        return root

    def named(self, path: Path) -> Problem | None:
        """Claim a file the user named: a usage error unless it is a regular file."""
        try:
            info = os.stat(path)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {_why(exc)}") from None
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(
                f"{path} is {file_kind(info.st_mode)}, not a regular file; "
                "to read a stream, pipe it to `ftdata validate -`"
            )
        return self.claim(path)

    def claim(self, path: Path) -> Problem | None:
        """Claim one file found by a glob: ``None`` if it is new, else why it is skipped."""
        try:
            info = os.stat(path)
        except OSError as exc:
            return _unreadable(path, exc)
        if not stat.S_ISREG(info.st_mode):
            return _special(path, info)
        previous = self._files.setdefault(_key(info), path)
        return None if previous is path else _again(path, previous)

    def _walk(
        self, root: Folder, entries: list[os.DirEntry], max_depth: int | None, hidden: bool
    ) -> None:
        # Depth-first in name order with an explicit stack: a deep tree cannot
        # exhaust Python's recursion limit.
        stack: list[tuple[Folder, Iterator[os.DirEntry], int]] = [(root, iter(entries), 0)]
        while stack:
            folder, pending, depth = stack[-1]
            entry = next(pending, None)
            if entry is None:
                stack.pop()
                continue
            if not hidden and entry.name.startswith("."):
                continue
            child = self._entry(folder, Path(entry.path), max_depth is None or depth < max_depth)
            if isinstance(child, tuple):
                sub, listing = child
                folder.children.append(sub)
                stack.append((sub, iter(listing), depth + 1))
            elif child is not None:
                folder.children.append(child)

    def _entry(self, folder: Folder, path: Path, descend: bool):
        """A file to keep, ``(Folder, entries)`` to descend into, or ``None`` (noted if skipped)."""
        try:
            info = os.stat(path)
        except OSError as exc:
            folder.skipped.append((path, _unreadable(path, exc)))
            return None
        if stat.S_ISDIR(info.st_mode):
            return self._sub_folder(folder, path, info) if descend else None
        if not stat.S_ISREG(info.st_mode):
            folder.skipped.append((path, _special(path, info)))
            return None
        previous = self._files.setdefault(_key(info), path)
        if previous is not path:  # the same real file, reached before
            folder.skipped.append((path, _again(path, previous)))
            return None
        return path

    def _sub_folder(self, folder: Folder, path: Path, info: os.stat_result):
        previous = self._folders.get(_key(info))
        if previous is not None:
            folder.skipped.append((path, _again(path, previous)))
            return None
        self._folders[_key(info)] = path
        try:
            return Folder(path), _listing(path)
        except OSError as exc:  # its rows would be missing: an error, not a silent skip
            folder.skipped.append(
                (path, Problem(load.UNREADABLE, None, f"cannot read folder {path}: {_why(exc)}"))
            )
            return None


def _listing(path: Path) -> list[os.DirEntry]:
    with os.scandir(path) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def _key(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _again(path: Path, previous: Path) -> Problem:
    """``path`` leads to a folder or file already walked (a link loop, a second link)."""
    if previous == path:
        return Problem(load.WALKED_ONCE, None, f"{path} is read already; skipped")
    if previous in path.parents:
        return Problem(
            load.WALKED_ONCE,
            None,
            f"{path} leads back to {previous} (a symbolic link loop); skipped",
        )
    return Problem(
        load.WALKED_ONCE, None, f"{path} leads to {previous}, which is already read; skipped"
    )


def _special(path: Path, info: os.stat_result) -> Problem:
    return Problem(
        load.NOT_REGULAR_FILE,
        None,
        f"{path} is {file_kind(info.st_mode)}, not a regular file; skipped",
    )


def _unreadable(path: Path, exc: OSError) -> Problem:
    if exc.errno == errno.ELOOP:  # a link that leads back to itself
        return Problem(load.WALKED_ONCE, None, f"{path} is a symbolic link loop; skipped")
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return Problem(
            load.UNREADABLE, None, f"cannot read {path}: it is a symbolic link to a missing path"
        )
    return Problem(load.UNREADABLE, None, f"cannot read {path}: {_why(exc)}")


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (``a FIFO``, ``a character device``…)."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "a special file"


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
