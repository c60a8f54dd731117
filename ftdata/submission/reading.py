"""Finding the data behind a run's path: where it lives, or why it cannot be read here.

Inside Databricks ``/Volumes/...`` is a local folder and a table name is read
through the active Spark session. Elsewhere a volume root maps to a local
folder (``volume_root``), a table name to a Delta path or URI
(``table_paths``), and a Hugging Face dataset is read from the local cache
only (ftdata never downloads).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftdata.rules import run
from ftdata.rules.registry import Rule
from ftdata.submission.paths import HF, TABLE, VOLUME, DataPath, shown

# What the SDK says when a pre-training folder has no text (quoted in the finding).
NO_TXT = (
    "Could not find a .txt file in Unity Catalog path {path}. Continued pretrain input "
    "must be a folder containing a .txt file."
)


@dataclass
class Located:
    """Readable data: ``target`` goes to ``ftdata.validate`` (or, with ``spark``, is a DataFrame).

    ``read_from`` says where it was read, for the run section of the report.
    """

    target: object
    read_from: str
    spark: bool = False


@dataclass
class Unreadable:
    """Why the data could not be read (a finding of ``rule``)."""

    rule: Rule
    message: str


def locate(
    data: DataPath,
    task: str | None,
    *,
    volume_root: str | None,
    table_paths: Mapping[str, str],
    spark,
    hf_cache: str | None,
) -> Located | Unreadable:
    """Find ``data`` on this machine, in a Spark session or in the HF cache."""
    if data.kind == VOLUME:
        return _volume(data, task, volume_root)
    if data.kind == TABLE:
        return _table(data, table_paths, spark)
    if data.kind == HF:
        return _hf(data, hf_cache)
    raise AssertionError(data.kind)


def _volume(data: DataPath, task: str | None, volume_root: str | None) -> Located | Unreadable:
    root = Path(volume_root) if volume_root else Path("/Volumes")
    local = root.joinpath(*data.parts)
    if volume_root is None and not root.is_dir():
        return Unreadable(
            run.DATA_NOT_READ,
            f"{shown(data.formatted)}: there is no /Volumes here "
            "(outside Databricks); map the volume root with --volume-root DIR",
        )
    if not local.exists():
        return Unreadable(
            run.DATA_NOT_READ, f"{shown(data.formatted)}: not found (looked at {shown(local)})"
        )
    if task == "pretraining":
        if not local.is_dir() or not _has_txt(local):
            return Unreadable(run.PATH_FORM, NO_TXT.format(path=shown(data.formatted)))
    elif local.is_dir():
        return Unreadable(
            run.PATH_FORM,
            f"{shown(data.formatted)} is a folder; chat and instruction data are one .jsonl file",
        )
    return Located(str(local), str(local))


def _has_txt(folder: Path) -> bool:
    return any(p.is_file() for p in folder.rglob("*.txt"))


def _table(data: DataPath, table_paths: Mapping[str, str], spark) -> Located | Unreadable:
    name = data.formatted
    mapped = {k.lower(): v for k, v in table_paths.items()}.get(name.lower())
    if mapped is not None:
        return Located(mapped, mapped)
    session = spark if spark is not None else active_spark()
    if session is None:
        return Unreadable(
            run.DATA_NOT_READ,
            f"table {shown(name)}: no active Spark session "
            "here; map it to a Delta path with --table-path NAME=PATH",
        )
    try:
        frame = session.table(name)
    except Exception as exc:  # AnalysisException and friends: the table is not there
        return Unreadable(
            run.DATA_NOT_READ,
            f"table {shown(name)}: Spark cannot read it ({shown(_first_line(exc))})",
        )
    return Located(frame, f"spark table {name}", spark=True)


def active_spark():
    """The active SparkSession when pyspark is already loaded (never imports pyspark)."""
    if "pyspark.sql" not in sys.modules:
        return None
    return sys.modules["pyspark.sql"].SparkSession.getActiveSession()


def _hf(data: DataPath, cache_dir: str | None) -> Located | Unreadable:
    try:
        with _offline():
            import datasets

            frame = datasets.load_dataset(data.hf_name, split=data.hf_split, cache_dir=cache_dir)
    except ImportError:
        return Unreadable(
            run.DATA_NOT_READ,
            f"{shown(data.formatted)}: reading Hugging Face datasets needs the `datasets` package",
        )
    except Exception as exc:  # not cached, unknown split: datasets raises several kinds
        return Unreadable(
            run.DATA_NOT_READ,
            f"{shown(data.formatted)}: not in the local Hugging "
            f"Face cache, or no such split ({shown(_first_line(exc))})",
        )
    return Located(frame, f"hf cache {data.hf_name} split {data.hf_split}")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextlib.contextmanager
def _offline() -> Iterator[None]:
    """Hugging Face libraries in offline mode for the duration (never a download).

    The libraries read the switch once, at import: set the environment for an
    import made now, and flip the loaded constants; afterwards both go back to
    what the process had, so ftdata leaves no trace on the caller's session.
    """
    keys = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    saved_env = {k: os.environ.get(k) for k in keys}
    before = {
        name: _module(name).HF_HUB_OFFLINE for name in _OFFLINE_CONSTANTS if name in sys.modules
    }
    os.environ.update({k: "1" for k in keys})
    for name in before:
        _module(name).HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        for key, value in saved_env.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        was_offline = (saved_env["HF_HUB_OFFLINE"] or "").upper() in ("1", "ON", "YES", "TRUE")
        for name in _OFFLINE_CONSTANTS:
            if name in sys.modules:  # imported before, or during the block
                _module(name).HF_HUB_OFFLINE = before.get(name, was_offline)


_OFFLINE_CONSTANTS = ("datasets.config", "huggingface_hub.constants")


def _module(name: str) -> Any:
    """A loaded module whose attributes the type checker cannot know (a library's settings)."""
    return sys.modules[name]
