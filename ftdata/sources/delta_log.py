"""Checks that a Delta table's log says what was read: no silent damage, no silent version.

deltalake reads a damaged log leniently: a commit file emptied to 0 bytes is an
empty commit (its rows vanish), a timestamp before the first commit picks
version 0, and a data file replaced by another valid Parquet file is read as
it is now. These checks use what the log itself declares (commit files, the
commit timestamps, each data file's size) to refuse or report such tables.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from ftdata.errors import SourceError
from ftdata.rules import load
from ftdata.sources.base import Problem

_COMMIT = re.compile(r"^(\d{20})\.json$")
_CHECKPOINT = re.compile(r"^(\d{20})\.checkpoint(\.\d+\.\d+)?(\.[0-9a-f-]+)?\.parquet$")


def check_commits(uri: str, root: Path, version: int) -> None:
    """Refuse a table with an empty commit file up to ``version`` (after its checkpoint)."""
    log = root / "_delta_log"
    commits, checkpoint = {}, -1
    for name in _names(log):
        if match := _COMMIT.match(name):
            commits[int(match.group(1))] = name
        elif (match := _CHECKPOINT.match(name)) and int(match.group(1)) <= version:
            checkpoint = max(checkpoint, int(match.group(1)))
    for number in sorted(commits):
        if checkpoint < number <= version and _size(log / commits[number]) == 0:
            raise SourceError(
                f"Delta table {uri} cannot be read: its commit file "
                f"_delta_log/{commits[number]} (version {number}) is empty"
            )


def gap_message(uri: str, root: Path) -> str | None:
    """One sentence naming the versions missing from a local log, or ``None`` if none is."""
    names = _names(root / "_delta_log")
    numbers = sorted(int(m.group(1)) for name in names if (m := _COMMIT.match(name)))
    present = set(numbers)
    missing = [v for v in range(numbers[0], numbers[-1]) if v not in present] if numbers else []
    if not missing:
        return None
    shown = ", ".join(str(v) for v in missing[:5]) + (" …" if len(missing) > 5 else "")
    return (
        f"Delta table {uri} cannot be read: its log has a gap, no commit file for "
        f"version{'s' if len(missing) > 1 else ''} {shown}"
    )


def check_timestamp(uri: str, table, latest, timestamp: str) -> None:
    """Refuse a timestamp before the earliest commit the log keeps (deltalake picks it anyway).

    ``table`` is loaded at the timestamp, ``latest`` at the newest version
    (whose history numbers versions correctly).
    """
    wanted = _instant(timestamp)
    history = [h for h in latest.history() if "timestamp" in h and "version" in h]
    if wanted is None or not history:
        return
    first = min(history, key=lambda h: h["version"])
    if table.version() == first["version"] and wanted < first["timestamp"]:
        when = datetime.fromtimestamp(first["timestamp"] / 1000, tz=UTC).isoformat()
        raise SourceError(
            f"Delta table {uri} has no version at {timestamp}: its first commit "
            f"(version {first['version']}) is at {when}"
        )


def size_problems(root: Path, actions: list[dict]) -> list[Problem]:
    """An ``LD013`` note for each data file whose size differs from the size the log declares."""
    problems = []
    for action in actions:
        declared = action.get("size_bytes")
        path = root / action["relative"]
        actual = _size(path)
        if declared is not None and actual is not None and actual != declared:
            problems.append(
                Problem(
                    load.ROW_COUNT_MISMATCH,
                    None,
                    f"data file {action['relative']} is {actual:,} bytes; the "
                    f"log declares {declared:,} (the file was replaced)",
                )
            )
    return problems


def _instant(timestamp: str) -> int | None:
    """Milliseconds since the epoch of an ISO timestamp (naive means UTC), or ``None``."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
