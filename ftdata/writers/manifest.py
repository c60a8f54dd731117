"""``manifest.json`` and the output folder's life cycle: temporary, then renamed, or nothing.

A run writes into a hidden sibling ``.NAME.ftdata-tmp-PID`` and renames it to
``NAME`` only after the manifest is in it, so an interrupted run never leaves
a folder that looks finished. The manifest's ``fingerprint`` (inputs and
options) lets a rerun find the finished output and do nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ftdata.errors import UsageError

MANIFEST = "manifest.json"
TMP_MARK = ".ftdata-tmp-"


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
    if not isinstance(paths, list | tuple) or not all(isinstance(p, str | os.PathLike)
                                                      for p in paths):
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


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of a finished output folder, or None."""
    try:
        return json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def check_out(out: Path, force: bool) -> None:
    """Refuse a non-empty ``out`` that ftdata did not write, or one of another run without force."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if read_manifest(out) is None:
        raise UsageError(f"--out {out} is not empty and was not written by ftdata prepare; "
                         "choose an empty or new folder")
    if not force:
        raise UsageError(f"--out {out} holds the output of a different prepare (other inputs or "
                         "options); use --force to replace it")


def temp_folder(out: Path) -> Path:
    """A fresh hidden sibling of ``out``; stale ones of dead runs are removed first."""
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob(f".{out.name}{TMP_MARK}*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = parent / f".{out.name}{TMP_MARK}{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def publish(tmp: Path, out: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest last, then move ``tmp`` into place (replacing an older ftdata output)."""
    data = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (tmp / MANIFEST).write_text(data, "utf-8")
    _fsync_tree(tmp)
    old = None
    if out.is_dir() and any(out.iterdir()):
        old = out.parent / f".{out.name}.ftdata-old-{os.getpid()}"
        os.rename(out, old)
    elif out.is_dir():
        out.rmdir()
    os.rename(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    """Flush every file so a crash after the rename cannot leave empty shards."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
