"""What ``manifest.json`` records: the inputs, the fingerprint a rerun compares, the files.

The manifest's ``fingerprint`` (inputs and options) lets a rerun find the
finished output and do nothing; ``producer``, ``manifest_schema`` and
``files`` (every file written, with its size) let a later run prove the
folder is ftdata's. The output folder's life cycle (ownership, temporary
folder, publishing) is in ``ftdata.writers.outdir``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
PRODUCER = "ftdata"
SCHEMA = 2  # version 1 had no producer and no file listing: never owned, never removed


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            hasher.update(chunk)
    return hasher.hexdigest()


def describe_inputs(source: Any) -> list[dict[str, Any]]:
    """Every input file with its size and sha256 (a Delta table: its URI and version).

    In-memory sources are described by their type only (they have no bytes on disk).
    """
    paths = [source] if isinstance(source, str | os.PathLike) else source
    if not isinstance(paths, list | tuple) or not all(
        isinstance(p, str | os.PathLike) for p in paths
    ):
        return [{"in_memory": type(source).__name__}]
    described: list[dict[str, Any]] = []
    for given in paths:
        path = Path(given)
        if (path / "_delta_log").is_dir():
            described.append({"delta": str(path), "version": _delta_version(path)})
        elif path.is_dir():
            described += [_file_entry(p) for p in sorted(_files_under(path))]
        elif path.is_file():
            described.append(_file_entry(path))
        else:
            described.append({"path": str(given)})  # a glob or stdin: resolved by the sources
    return described


def _files_under(folder: Path) -> Iterable[Path]:
    # The sources' walk: each real file once, never a FIFO or device (hashing one never ends).
    from ftdata.sources.walk import Walker

    return Walker().folder(folder).files()


def _file_entry(path: Path) -> dict[str, Any]:
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def _delta_version(path: Path) -> int | None:
    logs = [p.stem for p in (path / "_delta_log").glob("*.json") if p.stem.isdigit()]
    return max(map(int, logs)) if logs else None


def fingerprint(options: dict[str, Any], inputs: list[dict[str, Any]], identity: Any) -> str:
    """sha256 of what determines the output: options, inputs, tokenizer and template."""
    blob = json.dumps([options, inputs, identity], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def list_files(folder: Path) -> dict[str, dict[str, int]]:
    """Every file under ``folder`` except the manifest, with its size: the manifest's ``files``."""
    listed = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and not path.is_symlink() and name != MANIFEST:
            listed[name] = {"bytes": path.stat().st_size}
    return listed


def write_manifest(tmp: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Add the ownership marker and the listing of ``tmp``'s files, write and flush everything."""
    manifest = {
        **manifest,
        "producer": PRODUCER,
        "manifest_schema": SCHEMA,
        "files": list_files(tmp),
    }
    data = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (tmp / MANIFEST).write_text(data, "utf-8")
    _fsync_tree(tmp)
    return manifest


def _fsync_tree(folder: Path) -> None:
    """Flush every file so a crash after the rename cannot leave empty shards."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
